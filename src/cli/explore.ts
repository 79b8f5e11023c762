/**
 * What the list commands over the explore API share (`vigil logs`, `vigil spans list`): both read
 * `GET /api/0/organizations/{org}/events/?dataset=...` (src/server/api/events.ts) newest first,
 * with the same options, and print one tab-separated line per row.
 */
import type { Command } from 'commander';

/** `text` as one line: newlines become a literal `\n`, so a value cannot break a table row. */
export function oneLine(text: unknown): string {
  return String(text ?? '').replace(/\r?\n/g, '\\n');
}

/**
 * The explore-API path of a list command: `dataset` with `fields`, `-timestamp` order, over
 * `--stats-period` (default 24h), narrowed by `--query` (Sentry search syntax; blank = none) and
 * `--project` (slug), at most `--limit` rows (default 100), in `--org` (default `vigil`).
 */
export function exploreApiPath(
  dataset: string,
  fields: readonly string[],
  opts: Record<string, unknown>,
): string {
  const params = new URLSearchParams({ dataset });
  for (const field of fields) params.append('field', field);
  params.set('sort', '-timestamp');
  params.set('statsPeriod', String(opts.statsPeriod ?? '24h'));
  params.set('per_page', String(opts.limit ?? 100));
  if (opts.query !== undefined && String(opts.query).trim() !== '') params.set('query', String(opts.query));
  if (opts.project !== undefined) params.set('projectSlug', String(opts.project));
  const org = encodeURIComponent(String(opts.org ?? 'vigil'));
  return `/api/0/organizations/${org}/events/?${params}`;
}

/**
 * Adds the options {@link exploreApiPath} reads to `command`: `--query` (its help shows
 * `queryExample`), `--project`, `--stats-period` (default 24h), `--limit` (default 100, at most
 * `maxLimit`: the API's `per_page` bound of the dataset, 9999 for logs, 100 for spans as in
 * Sentry; the help names the rows `noun`) and `--org` (default `vigil`).
 */
export function exploreListOptions(
  command: Command,
  noun: string,
  queryExample: string,
  maxLimit: number,
): Command {
  return command
    .option('--query <query>', `search query, e.g. ${queryExample}`)
    .option('--project <slug>', 'only this project')
    .option('--stats-period <period>', 'period to cover, e.g. 1h, 24h, 14d', '24h')
    .option('--limit <n>', `most ${noun} to print (1..${maxLimit})`, '100')
    .option('--org <slug>', 'organization', 'vigil');
}
