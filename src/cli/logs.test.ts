import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { VigilConfig } from '../server/config.js';
import { formatLogLines, logsApiPath, registerLogCommands } from './logs.js';

const ANSWER = {
  data: [
    {
      timestamp: '2026-11-21T07:00:02+00:00',
      severity: 'error',
      project: 'shop',
      message: 'Payment\nfailed',
    },
    { timestamp: '2026-11-21T07:00:01+00:00', severity: 'info', project: 'shop', message: 'hello' },
  ],
  meta: { fields: {}, units: {} },
};

async function runCommand(args: string[]): Promise<{ paths: string[]; lines: string[] }> {
  const paths: string[] = [];
  const lines: string[] = [];
  const program = new Command('vigil').exitOverride();
  registerLogCommands(program, {
    apiOptions: (cmd) => cmd.option('--url <url>').option('--token <token>'),
    loadConfig: () => ({ publicUrl: 'http://127.0.0.1:8000', dataDir: '/tmp/x' }) as VigilConfig,
    apiGet: async (_config, _opts, path) => {
      paths.push(path);
      return ANSWER;
    },
    print: (line) => lines.push(line),
  });
  await program.parseAsync(['node', 'vigil', 'logs', ...args]);
  return { paths, lines };
}

describe('vigil logs', () => {
  it('asks the explore API for the last 24h of logs, newest first, and prints a table', async () => {
    const { paths, lines } = await runCommand([]);
    const url = new URL(paths[0]!, 'http://x');
    expect(url.pathname).toBe('/api/0/organizations/vigil/events/');
    expect(url.searchParams.get('dataset')).toBe('logs');
    expect(url.searchParams.getAll('field')).toEqual(['timestamp', 'severity', 'project', 'message']);
    expect(url.searchParams.get('sort')).toBe('-timestamp');
    expect(url.searchParams.get('statsPeriod')).toBe('24h');
    expect(url.searchParams.get('per_page')).toBe('100');
    expect(url.searchParams.has('query')).toBe(false);
    expect(lines).toEqual([
      'timestamp\tseverity\tproject\tmessage',
      '2026-11-21T07:00:02+00:00\terror\tshop\tPayment\\nfailed',
      '2026-11-21T07:00:01+00:00\tinfo\tshop\thello',
    ]);
  });

  it('passes --query, --project, --stats-period, --limit and --org through', async () => {
    const { paths } = await runCommand([
      '--query',
      'severity:error user.id:42',
      '--project',
      'checkout',
      '--stats-period',
      '7d',
      '--limit',
      '5',
      '--org',
      'acme',
    ]);
    const url = new URL(paths[0]!, 'http://x');
    expect(url.pathname).toBe('/api/0/organizations/acme/events/');
    expect(url.searchParams.get('query')).toBe('severity:error user.id:42');
    expect(url.searchParams.get('projectSlug')).toBe('checkout');
    expect(url.searchParams.get('statsPeriod')).toBe('7d');
    expect(url.searchParams.get('per_page')).toBe('5');
  });

  it('formats an empty answer as just the header', () => {
    expect(formatLogLines({ data: [] })).toEqual(['timestamp\tseverity\tproject\tmessage']);
    expect(logsApiPath({ query: '  ' })).not.toContain('query=');
  });
});
