/**
 * `vigil project-config get|set <project>`: a project's processing config (quotas, inbound
 * filters, data scrubbing) in Relay's JSON shape, read and written in the metadata store directly,
 * like `vigil projects` and `vigil keys` (no running server needed). A running server picks a
 * change up within its key cache's TTL (60 s); changes through the web API apply at once.
 * Also the helpers `vigil quotas` and `vigil filters` use to change one part of the config.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { JsonObject } from '../protocol/json.js';
import { loadConfig } from '../server/config.js';
import {
  readProjectConfigJson,
  saveProjectConfig,
  updateProjectConfig,
} from '../server/services/project-configs.js';
import type { SaveProjectConfigResult } from '../server/services/project-configs.js';
import type { MetadataStore } from '../storage/metadata/index.js';
import { resolveProject, withMetadata } from './metadata.js';
import { overrides, storeOptions } from './options.js';

/** Reads the config JSON of project `slug` of the `vigil` organization (`{}` = the defaults). */
export async function readConfigOf(opts: Record<string, unknown>, slug: string): Promise<JsonObject> {
  return withMetadata(loadConfig(overrides(opts)), async (store, org) =>
    readProjectConfigJson(store, (await resolveProject(store, org.id, slug)).id),
  );
}

/**
 * Applies `change` to the config of project `slug` and saves it (validated). Warnings go to
 * stderr; an invalid result throws an Error listing every problem by path. Returns the stored JSON.
 */
export async function changeConfigOf(
  opts: Record<string, unknown>,
  slug: string,
  change: (json: JsonObject) => JsonObject,
): Promise<JsonObject> {
  return saveWith(opts, slug, (store, projectId) => updateProjectConfig(store, projectId, change));
}

async function saveWith(
  opts: Record<string, unknown>,
  slug: string,
  save: (store: MetadataStore, projectId: number) => Promise<SaveProjectConfigResult>,
): Promise<JsonObject> {
  const result = await withMetadata(loadConfig(overrides(opts)), async (store, org) =>
    save(store, (await resolveProject(store, org.id, slug)).id),
  );
  if (!result.ok) throw new Error(`invalid project config:\n  ${result.errors.join('\n  ')}`);
  for (const warning of result.warnings) console.error(`warning: ${warning}`);
  return result.json;
}

/** The text of `file`, or of standard input when no file is given. */
function readInput(file: string | undefined): string {
  try {
    return readFileSync(file ?? 0, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file ?? 'standard input'}: ${(err as Error).message}`);
  }
}

/**
 * Adds `project-config get <project>` (prints the stored config as JSON; `{}` = the defaults) and
 * `project-config set <project> [--file F]` (replaces it with the JSON or YAML object in F, or on
 * standard input; prints what was stored, warnings on stderr, exits non-zero listing every error
 * by path when it is invalid) to `program`.
 */
export function registerProjectConfigCommands(program: Command): void {
  const cmd = program
    .command('project-config')
    .description("a project's processing config (quotas, filters, scrubbing) in Relay's JSON shape");

  storeOptions(cmd.command('get <project>').description('print the project config as JSON')).action(
    async (slug: string, opts: Record<string, unknown>) => {
      console.log(JSON.stringify(await readConfigOf(opts, slug), null, 2));
    },
  );

  storeOptions(
    cmd
      .command('set <project>')
      .description('replace the project config with a JSON or YAML object (from --file, else stdin)'),
  )
    .option('--file <file>', 'file with the config (default: standard input)')
    .action(async (slug: string, opts: Record<string, unknown>) => {
      let json: unknown;
      try {
        json = parseYaml(readInput(opts.file as string | undefined));
      } catch (err) {
        throw new Error(`the project config is neither JSON nor YAML: ${(err as Error).message}`);
      }
      const stored = await saveWith(opts, slug, (store, projectId) =>
        saveProjectConfig(store, projectId, json),
      );
      console.log(JSON.stringify(stored, null, 2));
    });
}
