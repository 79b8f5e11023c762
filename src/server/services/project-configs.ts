/**
 * Reading and writing project configs (quotas, inbound filters, data scrubbing) in the metadata
 * store, shared by the key cache, the web API, the CLI and the config file. What is stored is the
 * canonical JSON of a config that parsed (`projectConfigJson` of `parseProjectConfig`), so a read
 * gives back exactly the keys the parser kept; a project without a stored config has the defaults.
 */
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/json.js';
import {
  DEFAULT_PROJECT_CONFIG,
  parseProjectConfig,
  projectConfigJson,
  type ProjectConfig,
} from '../../processing/project-config/index.js';
import {
  getOrganizationBySlug,
  getProjectBySlug,
  getProjectConfigJson,
  setProjectConfigJson,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { ConfigError, type ConfiguredProject } from '../config.js';

/** The stored config JSON of a project; `{}` (the defaults) when none was stored. */
export async function readProjectConfigJson(store: MetadataStore, projectId: number): Promise<JsonObject> {
  return (await getProjectConfigJson(store, projectId)) ?? {};
}

/**
 * The parsed config of a project. A stored config that no longer parses (written by an older or
 * newer Vigil, or edited by hand) is logged at `warn` with its errors and the defaults apply, so
 * ingestion goes on.
 */
export async function loadProjectConfig(
  store: MetadataStore,
  projectId: number,
  logger?: Pick<Logger, 'warn'>,
): Promise<ProjectConfig> {
  const json = await getProjectConfigJson(store, projectId);
  if (json === undefined) return DEFAULT_PROJECT_CONFIG;
  const parsed = parseProjectConfig(json);
  if (parsed.ok) return parsed.config;
  logger?.warn({ projectId, errors: parsed.errors }, 'stored project config is invalid; using the defaults');
  return DEFAULT_PROJECT_CONFIG;
}

/** Result of {@link saveProjectConfig}: what was stored, or every problem with its JSON path. */
export type SaveProjectConfigResult =
  { ok: true; json: JsonObject; config: ProjectConfig; warnings: string[] } | { ok: false; errors: string[] };

/**
 * Validates `json` (`parseProjectConfig`) and, when valid, replaces the project's stored config
 * with its canonical form (unknown top-level keys dropped, with a warning). Nothing is written when
 * it is invalid.
 */
export async function saveProjectConfig(
  store: MetadataStore,
  projectId: number,
  json: unknown,
): Promise<SaveProjectConfigResult> {
  const parsed = parseProjectConfig(json);
  if (!parsed.ok) return parsed;
  const canonical = projectConfigJson(parsed.config);
  const written = await setProjectConfigJson(store, projectId, canonical);
  if (!written.ok) return { ok: false, errors: [written.error.detail] };
  return { ok: true, json: canonical, config: parsed.config, warnings: parsed.warnings };
}

/**
 * Reads the project's config JSON, applies `change` and saves the result as
 * {@link saveProjectConfig} does. Two writers changing one project at the same moment: the later
 * write wins (configs are edited by people, rarely at once).
 */
export async function updateProjectConfig(
  store: MetadataStore,
  projectId: number,
  change: (json: JsonObject) => JsonObject,
): Promise<SaveProjectConfigResult> {
  return saveProjectConfig(store, projectId, change(await readProjectConfigJson(store, projectId)));
}

/**
 * Stores the config file's project configs (`projects:` in the YAML file, already validated by
 * `loadConfig`), each replacing its project's stored config; logs their warnings. Throws
 * ConfigError naming the entry when its organization or project does not exist.
 */
export async function applyConfiguredProjects(
  store: MetadataStore,
  projects: readonly ConfiguredProject[],
  logger?: Pick<Logger, 'warn' | 'info'>,
): Promise<void> {
  for (const entry of projects) {
    const key = `${entry.organization}/${entry.project}`;
    const organization = await getOrganizationBySlug(store, entry.organization);
    const project = organization && (await getProjectBySlug(store, organization.id, entry.project));
    if (!project) throw new ConfigError(`projects["${key}"]: no such project`);
    const saved = await saveProjectConfig(store, project.id, entry.config);
    if (!saved.ok) throw new ConfigError(saved.errors.map((e) => `projects["${key}"].${e}`).join('; '));
    for (const warning of saved.warnings) logger?.warn({ project: key }, `project config: ${warning}`);
    logger?.info({ project: key }, 'project config applied from the config file');
  }
}
