/**
 * `vigil quotas list|set|remove <project>`: the quotas of a project's config (Relay's `quotas`:
 * id, data categories, scope, limit per window, reason code; reference/relay-protocol.md §6),
 * changed in the metadata store directly like `vigil project-config`.
 */
import { Option, type Command } from 'commander';
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/json.js';
import { parseDataCategory } from '../protocol/data-category.js';
import { storeOptions } from './options.js';
import { changeConfigOf, readConfigOf } from './project-config.js';

function quotasOf(json: JsonObject): JsonObject[] {
  return Array.isArray(json.quotas) ? json.quotas.filter(isJsonObject) : [];
}

function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function integer(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new Error(`${flag} must be a non-negative integer, got "${value}"`);
  }
  return n;
}

/** One quota as a line: id, categories (or `all`), scope[:id], limit/window, reason code. */
function formatQuota(quota: JsonObject): string {
  const categories =
    Array.isArray(quota.categories) && quota.categories.length > 0 ? quota.categories.join(',') : 'all';
  const scope = `${String(quota.scope ?? 'organization')}${quota.scopeId != null ? `:${String(quota.scopeId)}` : ''}`;
  const limit = quota.limit === null || quota.limit === undefined ? 'unlimited' : String(quota.limit);
  const window = quota.window !== undefined ? `${String(quota.window)}s` : '-';
  return [quota.id ?? '-', categories, scope, limit, window, quota.reasonCode ?? '-'].map(String).join('\t');
}

/**
 * The quota `set` builds from its flags (Relay's camelCase shape). Categories must be Relay's data
 * category names; the scope defaults to `organization`, as in Relay.
 */
export function quotaFromFlags(opts: Record<string, unknown>): JsonObject {
  const categories = (opts.category as string[] | undefined) ?? [];
  for (const category of categories) {
    if (parseDataCategory(category) === 'unknown') throw new Error(`unknown data category "${category}"`);
  }
  const quota: JsonObject = { id: String(opts.id), categories, scope: String(opts.scope ?? 'organization') };
  if (opts.scopeId !== undefined) quota.scopeId = String(opts.scopeId);
  quota.limit = integer(String(opts.limit), '--limit');
  if (opts.window !== undefined) quota.window = integer(String(opts.window), '--window');
  if (opts.reasonCode !== undefined) quota.reasonCode = String(opts.reasonCode);
  return quota;
}

/**
 * Adds `quotas list <project>` (one line per quota: id, categories, scope, limit, window, reason),
 * `quotas set <project> --id ID --limit N [--category C]... [--scope S] [--scope-id X]
 * [--window SECONDS] [--reason-code R]` (replaces the quota with that id, else appends one) and
 * `quotas remove <project> --id ID` to `program`.
 */
export function registerQuotaCommands(program: Command): void {
  const quotas = program.command('quotas').description("a project's quotas (rate limits per data category)");

  storeOptions(quotas.command('list <project>').description('list the quotas of a project')).action(
    async (slug: string, opts: Record<string, unknown>) => {
      for (const quota of quotasOf(await readConfigOf(opts, slug))) console.log(formatQuota(quota));
    },
  );

  storeOptions(
    quotas.command('set <project>').description('add a quota, or replace the one with the same id'),
  )
    .requiredOption('--id <id>', 'quota id (the counter key; also names it for `remove`)')
    .requiredOption('--limit <n>', 'items per window; 0 rejects everything')
    .option(
      '--category <category>',
      'data category counted (repeatable or comma-separated; default all)',
      collect,
    )
    .addOption(
      new Option('--scope <scope>', 'what is counted together (default organization)').choices([
        'organization',
        'project',
        'key',
      ]),
    )
    .option('--scope-id <id>', 'only this organization, project or key id')
    .option('--window <seconds>', 'window length in seconds (required unless the limit is 0)')
    .option('--reason-code <code>', 'reason reported with rate_limited outcomes and X-Sentry-Rate-Limits')
    .action(async (slug: string, opts: Record<string, unknown>) => {
      const quota = quotaFromFlags(opts);
      if (quota.limit !== 0 && quota.window === undefined)
        throw new Error('--window is required unless --limit is 0');
      const stored = await changeConfigOf(opts, slug, (json) => {
        const list: JsonValue[] = [...quotasOf(json)];
        const at = list.findIndex((q) => isJsonObject(q) && q.id === quota.id);
        if (at >= 0) list[at] = quota;
        else list.push(quota);
        return { ...json, quotas: list };
      });
      for (const q of quotasOf(stored)) console.log(formatQuota(q));
    });

  storeOptions(quotas.command('remove <project>').description('remove the quota with an id'))
    .requiredOption('--id <id>', 'quota id')
    .action(async (slug: string, opts: Record<string, unknown>) => {
      if (!quotasOf(await readConfigOf(opts, slug)).some((q) => q.id === opts.id)) {
        throw new Error(`project ${slug} has no quota with id "${String(opts.id)}"`);
      }
      await changeConfigOf(opts, slug, (json) => {
        const kept = quotasOf(json).filter((q) => q.id !== opts.id);
        const { quotas: _old, ...rest } = json;
        return kept.length > 0 ? { ...rest, quotas: kept } : rest;
      });
      console.log(`removed quota ${String(opts.id)}`);
    });
}
