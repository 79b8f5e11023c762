/**
 * `vigil logs`: recent logs through the running server's explore API
 * (`GET /api/0/organizations/{org}/events/?dataset=logs`, src/server/api/logs.ts), newest first,
 * one line per log: `timestamp  severity  project  message` (tab-separated, after a header).
 */
import type { Command } from 'commander';
import { exploreApiPath, exploreListOptions, oneLine } from './explore.js';
import { DEFAULT_SESSION_COMMAND_HELPERS, type SessionCommandHelpers } from './sessions.js';

/** What the command needs from the CLI around it (the same helpers as `vigil sessions`). */
export type LogCommandHelpers = SessionCommandHelpers;

const FIELDS = ['timestamp', 'severity', 'project', 'message'];

/**
 * The explore-API path for the command's options: the four fields, `-timestamp` order, over
 * `--stats-period` (default 24h), narrowed by `--query` (Sentry search syntax) and `--project`
 * (slug), at most `--limit` rows (default 100).
 */
export function logsApiPath(opts: Record<string, unknown>): string {
  return exploreApiPath('logs', FIELDS, opts);
}

/** The lines `vigil logs` prints for an explore-API answer: a header, then one line per log. */
export function formatLogLines(body: unknown): string[] {
  const data = (body as { data?: Array<Record<string, unknown>> }).data ?? [];
  const lines = ['timestamp\tseverity\tproject\tmessage'];
  for (const row of data) {
    // One line per log: newlines inside a message would break the table.
    const message = oneLine(row.message);
    lines.push([row.timestamp, row.severity, row.project, message].map((v) => String(v ?? '')).join('\t'));
  }
  return lines;
}

/**
 * Registers `vigil logs [--query <search>] [--project <slug>] [--stats-period 24h] [--limit 100]
 * [--org <slug>]` on `program`, with the API options of `helpers` (`--url`, `--token`, ...).
 */
export function registerLogCommands(
  program: Command,
  helpers: LogCommandHelpers = DEFAULT_SESSION_COMMAND_HELPERS,
): Command {
  return exploreListOptions(
    helpers.apiOptions(
      program.command('logs').description('recent logs, newest first (web API, Sentry search syntax)'),
    ),
    'logs',
    '"severity:error timeout" or "user.id:42"',
    9999,
  ).action(async (opts: Record<string, unknown>) => {
    const config = helpers.loadConfig(opts);
    const body = await helpers.apiGet(config, opts, logsApiPath(opts));
    for (const line of formatLogLines(body)) helpers.print(line);
  });
}
