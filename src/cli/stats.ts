/**
 * `vigil stats`: what happened to the data sent, through the running server's
 * `GET /api/0/organizations/{org}/stats_v2/` (Sentry's outcomes API): summed quantities per
 * outcome and data category (or the `--group-by` dimensions) over a period, largest first.
 */
import type { Command } from 'commander';
import { DEFAULT_SESSION_COMMAND_HELPERS, type SessionCommandHelpers } from './sessions.js';
import { intervalForPeriod } from './options.js';

/** The stats_v2 path for the command's options (totals and series of `sum(quantity)`). */
export function statsApiPath(opts: Record<string, unknown>): string {
  const period = String(opts.statsPeriod ?? '24h');
  const params = new URLSearchParams();
  params.append('field', 'sum(quantity)');
  params.append('field', 'sum(times_seen)');
  for (const g of String(opts.groupBy ?? 'outcome,category')
    .split(',')
    .filter(Boolean))
    params.append('groupBy', g.trim());
  for (const c of String(opts.category ?? '')
    .split(',')
    .filter(Boolean))
    params.append('category', c.trim());
  for (const o of String(opts.outcome ?? '')
    .split(',')
    .filter(Boolean))
    params.append('outcome', o.trim());
  if (opts.project !== undefined) params.set('project', String(opts.project));
  params.set('statsPeriod', period);
  params.set('interval', intervalForPeriod(period));
  const org = encodeURIComponent(String(opts.org ?? 'vigil'));
  return `/api/0/organizations/${org}/stats_v2/?${params}`;
}

/** The table for a stats_v2 answer: the group-by columns, quantity and times seen, largest first. */
export function formatStatsTable(body: unknown, groupBy: readonly string[]): string[] {
  const groups =
    (body as { groups?: Array<{ by?: Record<string, unknown>; totals?: Record<string, unknown> }> }).groups ??
    [];
  const rows = groups
    .map((g) => ({
      by: groupBy.map((k) => String(g.by?.[k] ?? '')),
      quantity: Number(g.totals?.['sum(quantity)'] ?? 0),
      timesSeen: Number(g.totals?.['sum(times_seen)'] ?? 0),
    }))
    .sort((a, b) => b.quantity - a.quantity || a.by.join('\t').localeCompare(b.by.join('\t')));
  return [
    [...groupBy, 'quantity', 'times_seen'].join('\t'),
    ...rows.map((r) => [...r.by, r.quantity, r.timesSeen].join('\t')),
  ];
}

/**
 * Registers `vigil stats [--group-by outcome,category] [--category c,...] [--outcome o,...]
 * [--project <id>] [--stats-period 24h] [--org <slug>]` on `program`.
 */
export function registerStatsCommands(
  program: Command,
  helpers: SessionCommandHelpers = DEFAULT_SESSION_COMMAND_HELPERS,
): Command {
  return helpers
    .apiOptions(
      program
        .command('stats')
        .description(
          'outcomes of the data sent: accepted, filtered, rate limited, invalid, discarded by clients (web API)',
        ),
    )
    .option(
      '--group-by <dims>',
      'comma-separated: outcome, category, reason, project, key_id',
      'outcome,category',
    )
    .option('--category <names>', 'only these data categories (comma-separated), e.g. error,transaction')
    .option('--outcome <names>', 'only these outcomes (comma-separated), e.g. accepted,rate_limited')
    .option('--project <id>', 'only this project id')
    .option('--stats-period <period>', 'period to cover, e.g. 24h, 14d', '24h')
    .option('--org <slug>', 'organization', 'vigil')
    .action(async (opts: Record<string, unknown>) => {
      const config = helpers.loadConfig(opts);
      const body = await helpers.apiGet(config, opts, statsApiPath(opts));
      const groupBy = String(opts.groupBy ?? 'outcome,category')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      for (const line of formatStatsTable(body, groupBy)) helpers.print(line);
    });
}
