/**
 * `vigil feedback list`: user feedback (feedback events and user reports) through the running
 * server's web API (`GET /api/0/organizations/{org}/feedback/`, src/server/api/feedback.ts),
 * newest first, one line per feedback.
 */
import type { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import { DEFAULT_ORGANIZATION_SLUG } from '../storage/metadata/index.js';
import { apiGet } from './api-client.js';
import { apiOptions, overrides } from './options.js';

/**
 * The feedback-API path for the command's options: `--project <slug>` (as `projectSlug`),
 * `--stats-period` (e.g. `24h`, `14d`; absent = all time), `--limit` (1–100, default 25),
 * `--org` (default the bootstrap organization).
 */
export function feedbackApiPath(opts: Record<string, unknown>): string {
  const params = new URLSearchParams({ per_page: String(opts.limit ?? '25') });
  if (opts.project !== undefined) params.set('projectSlug', String(opts.project));
  if (opts.statsPeriod !== undefined) params.set('statsPeriod', String(opts.statsPeriod));
  const org = encodeURIComponent(String(opts.org ?? DEFAULT_ORGANIZATION_SLUG));
  return `/api/0/organizations/${org}/feedback/?${params}`;
}

/**
 * The lines `vigil feedback list` prints for a feedback-API answer: a header, then per feedback
 * its time, id, who gave it (name, else contact email, else `-`), the event it is about (`-`
 * when none) and the message on one line.
 */
export function formatFeedbackLines(body: unknown): string[] {
  const lines = ['timestamp\tid\tfrom\tevent\tmessage'];
  for (const entry of Array.isArray(body) ? body : []) {
    const f = entry as Record<string, unknown>;
    const from = [f.name, f.contact_email].find((v) => typeof v === 'string' && v !== '') ?? '-';
    const event = typeof f.associated_event_id === 'string' ? f.associated_event_id : '-';
    const message = String(f.message ?? '').replace(/\s*[\r\n]+\s*/g, ' ');
    lines.push([String(f.timestamp), String(f.id), String(from), event, message].join('\t'));
  }
  return lines;
}

/**
 * Registers `vigil feedback list [--project <slug>] [--stats-period <period>] [--limit <n>]
 * [--org <slug>]` with the API options (`--url`, `--token`, store options for locating the admin
 * token); exits non-zero with the API's `detail` on errors.
 */
export function registerFeedbackCommands(program: Command): void {
  const feedback = program.command('feedback').description('read user feedback through the web API');
  apiOptions(feedback.command('list').description('list user feedback, newest first'))
    .option('--project <slug>', 'only this project')
    .option('--stats-period <period>', 'only feedback of this period, e.g. 24h, 14d')
    .option('--limit <n>', 'how many (1-100)', '25')
    .option('--org <slug>', 'organization', DEFAULT_ORGANIZATION_SLUG)
    .action(async (opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const body = await apiGet(config, opts, feedbackApiPath(opts));
      for (const line of formatFeedbackLines(body)) console.log(line);
    });
}
