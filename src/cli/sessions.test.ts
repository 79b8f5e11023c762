import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { VigilConfig } from '../server/config.js';
import { formatRate, formatSessionsTable, registerSessionCommands, sessionsApiPath } from './sessions.js';

const ANSWER = {
  start: '2024-04-25T07:00:00Z',
  end: '2024-04-26T08:00:00Z',
  intervals: [],
  groups: [
    {
      by: { release: 'web@2.0.0' },
      totals: {
        'sum(session)': 5,
        'crash_free_rate(session)': 0.8,
        'count_unique(user)': 0,
        'crash_free_rate(user)': null,
      },
    },
    {
      by: { release: 'web@1.0.0' },
      totals: {
        'sum(session)': 3,
        'crash_free_rate(session)': 2 / 3,
        'count_unique(user)': 3,
        'crash_free_rate(user)': 2 / 3,
      },
    },
  ],
  query: '',
};

async function runCommand(
  args: string[],
): Promise<{ paths: string[]; lines: string[]; opts: Record<string, unknown> }> {
  const paths: string[] = [];
  const lines: string[] = [];
  let seen: Record<string, unknown> = {};
  const program = new Command('vigil').exitOverride();
  registerSessionCommands(program, {
    apiOptions: (cmd) => cmd.option('--url <url>').option('--token <token>'),
    loadConfig: () => ({ publicUrl: 'http://127.0.0.1:8000', dataDir: '/tmp/x' }) as VigilConfig,
    apiGet: async (_config, opts, path) => {
      seen = opts;
      paths.push(path);
      return ANSWER;
    },
    print: (line) => lines.push(line),
  });
  await program.parseAsync(['node', 'vigil', 'sessions', ...args]);
  return { paths, lines, opts: seen };
}

describe('vigil sessions', () => {
  it('asks the sessions API for per-release health over the last 24h by default', async () => {
    const { paths, lines } = await runCommand([]);
    const url = new URL(paths[0]!, 'http://x');
    expect(url.pathname).toBe('/api/0/organizations/vigil/sessions/');
    expect(url.searchParams.getAll('field')).toEqual([
      'sum(session)',
      'crash_free_rate(session)',
      'count_unique(user)',
      'crash_free_rate(user)',
    ]);
    expect(url.searchParams.get('groupBy')).toBe('release');
    expect(url.searchParams.get('statsPeriod')).toBe('24h');
    expect(url.searchParams.get('interval')).toBe('1h');
    expect(url.searchParams.get('includeSeries')).toBe('0');
    expect(url.searchParams.has('projectSlug')).toBe(false);
    expect(lines).toEqual([
      'release\tsessions\tcrash_free_sessions\tusers\tcrash_free_users',
      'web@2.0.0\t5\t80%\t0\t-',
      'web@1.0.0\t3\t66.667%\t3\t66.667%',
    ]);
  });

  it('passes --project, --release, --stats-period and the API options through', async () => {
    const { paths, opts } = await runCommand([
      '--project',
      'checkout',
      '--release',
      'web@1.0.0',
      '--stats-period',
      '14d',
      '--url',
      'http://127.0.0.1:9',
    ]);
    const url = new URL(paths[0]!, 'http://x');
    expect(url.searchParams.get('projectSlug')).toBe('checkout');
    expect(url.searchParams.get('query')).toBe('release:"web@1.0.0"');
    expect(url.searchParams.get('statsPeriod')).toBe('14d');
    expect(url.searchParams.get('interval')).toBe('1d');
    expect(opts.url).toBe('http://127.0.0.1:9');
  });

  it('formats rates and tolerates an empty answer', () => {
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(0.99995)).toBe('99.995%');
    expect(formatRate(null)).toBe('-');
    expect(formatSessionsTable({ groups: [] })).toHaveLength(1);
    expect(sessionsApiPath({ org: 'acme', statsPeriod: '90m' })).toContain('/organizations/acme/sessions/');
  });
});
