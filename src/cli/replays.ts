/**
 * `vigil replays list|show|download`: session replays through the running server's web API
 * (src/server/api/replays.ts): the organization's replay list, one replay's details, and a
 * replay's recording (its segments' rrweb events, what a replay player loads).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import { DEFAULT_ORGANIZATION_SLUG, DEFAULT_PROJECT_SLUG } from '../storage/metadata/index.js';
import { apiGet } from './api-client.js';
import { apiOptions, overrides } from './options.js';

/**
 * The replay-list path for the command's options: `--project <id>`, `--environment`,
 * `--stats-period` (default the API's 14d), `--sort` (e.g. `-count_errors`), `--limit` (1–100,
 * default 25), `--org` (default the bootstrap organization).
 */
export function replaysApiPath(opts: Record<string, unknown>): string {
  const params = new URLSearchParams({ per_page: String(opts.limit ?? '25') });
  if (opts.project !== undefined) params.set('project', String(opts.project));
  if (opts.environment !== undefined) params.set('environment', String(opts.environment));
  if (opts.statsPeriod !== undefined) params.set('statsPeriod', String(opts.statsPeriod));
  if (opts.sort !== undefined) params.set('sort', String(opts.sort));
  return `/api/0/organizations/${org(opts)}/replays/?${params}`;
}

/** The recording-segments download path of replay `id` (one segment with `--segment <n>`). */
export function recordingApiPath(id: string, opts: Record<string, unknown>): string {
  const project = encodeURIComponent(String(opts.project ?? DEFAULT_PROJECT_SLUG));
  const base = `/api/0/projects/${org(opts)}/${project}/replays/${encodeURIComponent(id)}/recording-segments/`;
  return opts.segment === undefined
    ? `${base}?download`
    : `${base}${encodeURIComponent(String(opts.segment))}/?download`;
}

/**
 * The lines `vigil replays list` prints for a replay-list answer: a header, then per replay its
 * start, id, duration (s), segments, errors, user (display name, `-` when none), browser and
 * first URL.
 */
export function formatReplayLines(body: unknown): string[] {
  const lines = ['started_at\tid\tduration\tsegments\terrors\tuser\tbrowser\turl'];
  for (const entry of dataOf(body)) {
    const r = entry as Record<string, unknown>;
    const user = (r.user as Record<string, unknown> | undefined)?.display_name ?? '-';
    const browser = r.browser as Record<string, unknown> | undefined;
    const urls = Array.isArray(r.urls) ? r.urls : [];
    lines.push(
      [
        String(r.started_at ?? '-'),
        String(r.id),
        String(r.duration ?? '-'),
        String(r.count_segments ?? 0),
        String(r.count_errors ?? 0),
        String(user ?? '-'),
        [browser?.name, browser?.version].filter((v) => typeof v === 'string').join(' ') || '-',
        String(urls[0] ?? '-'),
      ].join('\t'),
    );
  }
  return lines;
}

/** The lines `vigil replays show` prints: one `key: value` line per field of the replay. */
export function formatReplayDetails(body: unknown): string[] {
  const r = (body as { data?: Record<string, unknown> } | undefined)?.data ?? {};
  const nameVersion = (v: unknown): string => {
    const o = (v ?? {}) as Record<string, unknown>;
    return [o.name, o.version].filter((x) => typeof x === 'string').join(' ') || '-';
  };
  const list = (v: unknown): string => (Array.isArray(v) && v.length > 0 ? v.join(', ') : '-');
  const user = (r.user ?? {}) as Record<string, unknown>;
  return [
    `id: ${String(r.id)}`,
    `project: ${String(r.project_id)}`,
    `started: ${String(r.started_at ?? '-')}`,
    `finished: ${String(r.finished_at ?? '-')}`,
    `duration: ${String(r.duration ?? '-')}s`,
    `segments: ${String(r.count_segments ?? 0)}`,
    `type: ${String(r.replay_type ?? '-')}`,
    `environment: ${String(r.environment ?? '-')}`,
    `releases: ${list(r.releases)}`,
    `user: ${String(user.display_name ?? '-')}`,
    `browser: ${nameVersion(r.browser)}`,
    `os: ${nameVersion(r.os)}`,
    `sdk: ${nameVersion(r.sdk)}`,
    `urls: ${list(r.urls)}`,
    `errors: ${list(r.error_ids)}`,
    `traces: ${list(r.trace_ids)}`,
    `clicks: ${String(Array.isArray(r.clicks) ? r.clicks.length : 0)} (dead ${String(r.count_dead_clicks ?? 0)}, rage ${String(r.count_rage_clicks ?? 0)})`,
  ];
}

/**
 * Registers `vigil replays list`, `vigil replays show <id>` and `vigil replays download <id>`
 * with the API options (`--url`, `--token`, store options for locating the admin token); exits
 * non-zero with the API's `detail` on errors.
 */
export function registerReplayCommands(program: Command): void {
  const replays = program.command('replays').description('read session replays through the web API');
  apiOptions(replays.command('list').description('list replays, newest first'))
    .option('--project <id>', 'only this project (numeric id)')
    .option('--environment <name>', 'only this environment')
    .option('--stats-period <period>', 'replays of this period, e.g. 24h, 14d (default 14d)')
    .option('--sort <field>', 'sort field, "-" for descending, e.g. -count_errors')
    .option('--limit <n>', 'how many (1-100)', '25')
    .option('--org <slug>', 'organization', DEFAULT_ORGANIZATION_SLUG)
    .action(async (opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const body = await apiGet(config, opts, replaysApiPath(opts));
      for (const line of formatReplayLines(body)) console.log(line);
    });
  apiOptions(replays.command('show <id>').description("show one replay's details"))
    .option('--org <slug>', 'organization', DEFAULT_ORGANIZATION_SLUG)
    .action(async (id: string, opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const body = await apiGet(
        config,
        opts,
        `/api/0/organizations/${org(opts)}/replays/${encodeURIComponent(id)}/`,
      );
      for (const line of formatReplayDetails(body)) console.log(line);
    });
  apiOptions(
    replays
      .command('download <id>')
      .description("download a replay's recording: its segments' rrweb events as a JSON array of arrays"),
  )
    .option('--project <slug>', 'project of the replay', DEFAULT_PROJECT_SLUG)
    .option('--segment <n>', 'only this segment (its rrweb events as one JSON array)')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .option('--org <slug>', 'organization', DEFAULT_ORGANIZATION_SLUG)
    .action(async (id: string, opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const text = JSON.stringify(await apiGet(config, opts, recordingApiPath(id, opts)));
      if (typeof opts.output === 'string') writeFileSync(opts.output, `${text}\n`);
      else console.log(text);
    });
}

function org(opts: Record<string, unknown>): string {
  return encodeURIComponent(String(opts.org ?? DEFAULT_ORGANIZATION_SLUG));
}

function dataOf(body: unknown): unknown[] {
  const data = (body as { data?: unknown } | undefined)?.data;
  return Array.isArray(data) ? data : [];
}
