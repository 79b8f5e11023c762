/**
 * `vigil profiles list` and `vigil profiles download`: profiles and continuous-profiling chunks
 * through the running server's web API (src/server/api/profiles.ts).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import { DEFAULT_ORGANIZATION_SLUG, DEFAULT_PROJECT_SLUG } from '../storage/metadata/index.js';
import { apiGet, apiGetBytes } from './api-client.js';
import { apiOptions, overrides } from './options.js';

const projectPath = (opts: Record<string, unknown>): string =>
  `/api/0/projects/${encodeURIComponent(String(opts.org ?? DEFAULT_ORGANIZATION_SLUG))}/${encodeURIComponent(
    String(opts.project ?? DEFAULT_PROJECT_SLUG),
  )}/profiling`;

/** The list path for `--kind`, `--profiler`, `--trace`, `--stats-period` and `--limit` (1–100, default 25). */
export function profilesApiPath(opts: Record<string, unknown>): string {
  const params = new URLSearchParams({ per_page: String(opts.limit ?? '25') });
  if (opts.kind !== undefined) params.set('kind', String(opts.kind));
  if (opts.profiler !== undefined) params.set('profiler_id', String(opts.profiler));
  if (opts.trace !== undefined) params.set('trace_id', String(opts.trace));
  if (opts.statsPeriod !== undefined) params.set('statsPeriod', String(opts.statsPeriod));
  return `${projectPath(opts)}/profiles/?${params}`;
}

/** The raw download path of a profile, or of a chunk when `--profiler` is given. */
export function profileDownloadPath(opts: Record<string, unknown>, id: string): string {
  return opts.profiler === undefined
    ? `${projectPath(opts)}/raw_profiles/${encodeURIComponent(id)}/`
    : `${projectPath(opts)}/raw_chunks/${encodeURIComponent(String(opts.profiler))}/${encodeURIComponent(id)}/`;
}

/** The lines `vigil profiles list` prints: a header, then start, kind, id, profiler, platform, duration, transaction. */
export function formatProfileLines(body: unknown): string[] {
  const lines = ['start\tkind\tid\tprofiler\tplatform\tduration_ms\ttransaction'];
  for (const entry of Array.isArray(body) ? body : []) {
    const p = entry as Record<string, unknown>;
    lines.push(
      [
        p.start,
        p.kind,
        p.id,
        p.profilerId ?? '-',
        p.platform,
        Math.round(Number(p.durationMs)),
        p.transactionName ?? '-',
      ]
        .map(String)
        .join('\t'),
    );
  }
  return lines;
}

/**
 * Registers `vigil profiles list [--kind profile|profile_chunk] [--profiler <id>] [--trace <id>]
 * [--stats-period <p>] [--limit <n>]` and `vigil profiles download <id> [--profiler <id>] [-o
 * file]` (a chunk when `--profiler` is given), with `--project`/`--org` and the API options.
 */
export function registerProfileCommands(program: Command): void {
  const profiles = program.command('profiles').description('read profiles through the web API');
  const scoped = (cmd: Command): Command =>
    apiOptions(cmd)
      .option('--project <slug>', 'project', DEFAULT_PROJECT_SLUG)
      .option('--org <slug>', 'organization', DEFAULT_ORGANIZATION_SLUG);
  scoped(profiles.command('list').description('list profiles and profile chunks, newest first'))
    .option('--kind <kind>', 'profile or profile_chunk')
    .option('--profiler <id>', 'only the chunks of this profiler')
    .option('--trace <id>', 'only the profiles of this trace')
    .option('--stats-period <period>', 'only profiles of this period, e.g. 24h')
    .option('--limit <n>', 'how many (1-100)', '25')
    .action(async (opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const body = await apiGet(config, opts, profilesApiPath(opts));
      for (const line of formatProfileLines(body)) console.log(line);
    });
  scoped(
    profiles.command('download <id>').description('download a profile (or a chunk, with --profiler) as sent'),
  )
    .option('--profiler <id>', 'the profiler of the chunk <id>')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (id: string, opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const { bytes } = await apiGetBytes(config, opts, profileDownloadPath(opts, id));
      if (typeof opts.output === 'string') writeFileSync(opts.output, bytes);
      else process.stdout.write(bytes);
    });
}
