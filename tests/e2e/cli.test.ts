/**
 * The command-line tools against the built server: `sentry-cli send-event` (npm
 * @sentry/cli) sends an event, and the `vigil` command manages projects, keys, tokens and
 * project configs (quotas, filters) and lists issues.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  repoRoot,
  run,
  startVigil,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

const sentryCli = path.join(repoRoot, 'node_modules/.bin/sentry-cli');
let vigil: VigilProcess;

/** `vigil ...args --data-dir <the server's>`: the commands that open the stores themselves. */
const cli = (...args: string[]): Promise<string> => vigilCli(vigil, args, 'local');

beforeAll(async () => {
  vigil = await startVigil();
});

afterAll(async () => {
  await vigil?.dispose();
});

describe('sentry-cli send-event', () => {
  it('a message event becomes an issue with the message, level and tags', async () => {
    await run(
      sentryCli,
      [
        'send-event',
        '-m',
        'Deploy hook failed for build 4711',
        '--level',
        'warning',
        '--tag',
        'origin:cli',
        '--no-environ',
      ],
      {
        env: { ...process.env, SENTRY_DSN: vigil.dsn },
        timeout: 30_000,
      },
    );
    const issue = await eventually(async () => {
      const res = await api(
        vigil,
        `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent('origin:cli')}`,
      );
      return (res.body as Array<Record<string, string>>)[0];
    });
    expect(issue.title).toBe('Deploy hook failed for build 4711');
    expect(issue.level).toBe('warning');
    expect(issue.count).toBe('1');
  });
});

describe('vigil CLI', () => {
  it('creates and lists projects, lists keys as DSNs, creates a working token, lists issues', async () => {
    const created = await cli('projects', 'create', 'checkout', '--platform', 'node');
    expect(created).toMatch(/created project checkout \(id 2\)/);
    const dsn = /DSN: (\S+)/.exec(created)![1]!;
    expect(dsn).toMatch(new RegExp(`^http://[0-9a-f]{32}@127\\.0\\.0\\.1:8000/2$`));
    const projects = await cli('projects', 'list');
    expect(
      projects
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[1]),
    ).toEqual(['default', 'checkout']);
    const keys = await cli('keys', 'list', '--project', 'checkout');
    expect(keys.trim()).toBe(`checkout\tactive\t${dsn}`);
    await expect(cli('projects', 'create', 'checkout')).rejects.toThrow(/already|taken/i);

    const token = (await cli('tokens', 'create', '--name', 'ci')).trim();
    expect(token).toMatch(/^sntryu_[0-9a-f]{64}$/);
    const viaToken = await api({ url: vigil.url, token }, '/api/0/organizations/vigil/issues/?query=');
    expect(viaToken.status).toBe(200);
    const denied = await api(
      { url: vigil.url, token: 'sntryu_' + '0'.repeat(64) },
      '/api/0/organizations/vigil/issues/',
    );
    expect(denied.status).toBe(401);

    await eventually(async () =>
      (await cli('issues', 'list', '--url', vigil.url)).includes('Deploy hook failed'),
    );
    const listed = await cli('issues', 'list', '--url', vigil.url, '--query', 'level:warning origin:cli');
    const [line] = listed.trim().split('\n');
    expect(line!.split('\t')).toEqual([
      expect.stringMatching(/^DEFAULT-\d+$/),
      'unresolved',
      'warning',
      '1',
      'Deploy hook failed for build 4711',
    ]);
    expect((await cli('issues', 'list', '--url', vigil.url, '--project', 'checkout')).trim()).toBe('');
  }, 120_000); // a dozen CLI processes, each opening the stores (~1.5 s each on an idle machine)
});

describe('vigil quotas, filters and project-config', () => {
  it('change the stored project config that the running server serves, and report bad input', async () => {
    await cli('projects', 'create', 'billing');
    // A new project starts with Sentry's default inbound filters.
    expect((await cli('filters', 'list', 'billing')).trim().split('\n')).toEqual([
      'localhost\toff',
      'browser-extensions\ton',
      'legacy-browsers\tandroid,chrome,edge,firefox,ie,opera,opera_mini,safari',
      'web-crawlers\ton',
      'filtered-transaction\ton',
    ]);

    const quotas = await cli(
      'quotas',
      'set',
      'billing',
      '--id',
      'errors',
      '--category',
      'error',
      '--scope',
      'project',
      '--limit',
      '10',
      '--window',
      '60',
      '--reason-code',
      'too_many',
    );
    expect(quotas.trim()).toBe('errors\terror\tproject\t10\t60s\ttoo_many');
    await cli('filters', 'disable', 'billing', 'web-crawlers');
    await cli(
      'filters',
      'set',
      'billing',
      '--error-messages',
      'ResizeObserver loop*',
      '--client-ips',
      '10.0.0.0/8',
    );

    // What the CLI stored is what the server's API reads.
    const config = await api(vigil, '/api/0/projects/vigil/billing/config/');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      quotas: [
        {
          id: 'errors',
          categories: ['error'],
          scope: 'project',
          limit: 10,
          window: 60,
          reasonCode: 'too_many',
        },
      ],
      filterSettings: {
        browserExtensions: { isEnabled: true },
        errorMessages: { patterns: ['ResizeObserver loop*'] },
        clientIps: { blacklistedIps: ['10.0.0.0/8'] },
      },
    });
    expect(config.body).not.toHaveProperty('filterSettings.webCrawlers');
    const filters = await api(vigil, '/api/0/projects/vigil/billing/filters/');
    expect(
      (filters.body as Array<{ id: string; active: unknown }>).find((f) => f.id === 'web-crawlers')?.active,
    ).toBe(false);

    // And what the API stores is what the CLI reads.
    const put = await api(vigil, '/api/0/projects/vigil/billing/config/', {
      method: 'PUT',
      body: { datascrubbingSettings: { scrubIpAddresses: true } },
    });
    expect(put.status).toBe(200);
    expect(JSON.parse(await cli('project-config', 'get', 'billing'))).toEqual({
      datascrubbingSettings: { scrubIpAddresses: true },
    });

    await expect(cli('quotas', 'set', 'billing', '--id', 'x', '--limit', 'lots')).rejects.toThrow(
      /--limit must be a non-negative integer/,
    );
    const bad = path.join(vigil.dataDir, 'bad-config.json');
    writeFileSync(bad, JSON.stringify({ filterSettings: { localhost: { isEnabled: 'yes' } } }));
    await expect(cli('project-config', 'set', 'billing', '--file', bad)).rejects.toThrow(
      /filterSettings\.localhost\.isEnabled: expected boolean/,
    );
    await expect(cli('filters', 'enable', 'billing', 'cors')).rejects.toThrow(/unknown filter "cors"/);
  }, 120_000); // as above
});
