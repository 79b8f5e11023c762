/**
 * `vigil sessions`: release health per release through the running server's sessions API
 * (`GET /api/0/organizations/{org}/sessions/`, reference/sentry-semantics.md §6): sessions,
 * crash-free sessions, users and crash-free users of every release in the period, most
 * sessions first.
 */
import type { Command } from 'commander';
import { loadConfig, type VigilConfig } from '../server/config.js';
import { apiGet } from './api-client.js';
import { apiOptions, intervalForPeriod, overrides } from './options.js';

/** What the command needs from the CLI around it (injectable for tests). */
export interface SessionCommandHelpers {
  /** Adds the API connection options (`--url`, `--token`, store options) to a command. */
  apiOptions: (cmd: Command) => Command;
  /** The configuration for the parsed options. */
  loadConfig: (opts: Record<string, unknown>) => VigilConfig;
  /** GETs an API path and returns the parsed JSON (throws with the API's detail on errors). */
  apiGet: (config: VigilConfig, opts: Record<string, unknown>, path: string) => Promise<unknown>;
  /** Writes one line of output; default `console.log`. */
  print: (line: string) => void;
}

/** The helpers of the real `vigil` command. */
export const DEFAULT_SESSION_COMMAND_HELPERS: SessionCommandHelpers = {
  apiOptions,
  loadConfig: (opts) => loadConfig(overrides(opts)),
  apiGet,
  print: (line) => console.log(line),
};

const FIELDS = ['sum(session)', 'crash_free_rate(session)', 'count_unique(user)', 'crash_free_rate(user)'];

/**
 * The sessions-API path for the command's options: the four fields grouped by release over
 * `statsPeriod` (default 24h), totals only, hourly intervals up to a day and daily beyond (the
 * API allows at most 1000 intervals), narrowed to `--project` (slug) and `--release`.
 */
export function sessionsApiPath(opts: Record<string, unknown>): string {
  const period = String(opts.statsPeriod ?? '24h');
  const params = new URLSearchParams();
  for (const field of FIELDS) params.append('field', field);
  params.append('groupBy', 'release');
  params.set('statsPeriod', period);
  params.set('interval', intervalForPeriod(period));
  params.set('includeSeries', '0');
  if (opts.project !== undefined) params.set('projectSlug', String(opts.project));
  if (opts.release !== undefined)
    params.set('query', `release:"${String(opts.release).replace(/"/g, '\\"')}"`);
  const org = encodeURIComponent(String(opts.org ?? 'vigil'));
  return `/api/0/organizations/${org}/sessions/?${params}`;
}

/** A rate in 0..1 as a percentage with up to three decimals (`66.667%`); `-` when undefined. */
export function formatRate(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  return `${Number((value * 100).toFixed(3))}%`;
}

/** The table `vigil sessions` prints for a sessions-API answer: a header, then one line per release. */
export function formatSessionsTable(body: unknown): string[] {
  const groups = (
    body as { groups?: Array<{ by?: Record<string, unknown>; totals?: Record<string, unknown> }> }
  ).groups;
  const lines = ['release\tsessions\tcrash_free_sessions\tusers\tcrash_free_users'];
  for (const group of groups ?? []) {
    const totals = group.totals ?? {};
    lines.push(
      [
        String(group.by?.release ?? ''),
        String(totals['sum(session)'] ?? 0),
        formatRate(totals['crash_free_rate(session)']),
        String(totals['count_unique(user)'] ?? 0),
        formatRate(totals['crash_free_rate(user)']),
      ].join('\t'),
    );
  }
  return lines;
}

/**
 * Registers `vigil sessions [--project <slug>] [--release <version>] [--stats-period 24h]
 * [--org <slug>]` on `program`, with the API options of `helpers` (`--url`, `--token`, ...).
 */
export function registerSessionCommands(
  program: Command,
  helpers: SessionCommandHelpers = DEFAULT_SESSION_COMMAND_HELPERS,
): Command {
  const command = helpers
    .apiOptions(
      program
        .command('sessions')
        .description('release health per release: sessions, crash-free sessions and users (web API)'),
    )
    .option('--project <slug>', 'only this project')
    .option('--release <version>', 'only this release')
    .option('--stats-period <period>', 'period to cover, e.g. 24h, 14d', '24h')
    .option('--org <slug>', 'organization', 'vigil')
    .action(async (opts: Record<string, unknown>) => {
      const config = helpers.loadConfig(opts);
      const body = await helpers.apiGet(config, opts, sessionsApiPath(opts));
      for (const line of formatSessionsTable(body)) helpers.print(line);
    });
  return command;
}
