// `vigil project-config`, `vigil quotas` and `vigil filters` run in-process against a temporary
// SQLite data dir (the commands open the metadata store themselves), reading back what they
// stored with the store's own functions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HEALTH_CHECK_GLOBS } from '../processing/filters/config.js';
import { getProjectConfigJson, openMetadataStore } from '../storage/metadata/index.js';
import { formatFilters, registerFilterCommands } from './filters.js';
import { registerProjectConfigCommands } from './project-config.js';
import { quotaFromFlags, registerQuotaCommands } from './quotas.js';

let dir: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-config-'));
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `vigil <args> --data-dir <dir>` in-process and returns what it printed. */
async function vigil(...args: string[]): Promise<string[]> {
  const program = new Command('vigil').exitOverride();
  registerProjectConfigCommands(program);
  registerQuotaCommands(program);
  registerFilterCommands(program);
  out = [];
  await program.parseAsync(['node', 'vigil', ...args, '--data-dir', dir]);
  return out;
}

async function stored(): Promise<unknown> {
  const store = await openMetadataStore({ dataDir: dir });
  try {
    return await getProjectConfigJson(store, 1);
  } finally {
    await store.close();
  }
}

describe('vigil project-config', () => {
  it("bootstraps project default with Sentry's default filters, then replaces its config from a file", async () => {
    const first = JSON.parse((await vigil('project-config', 'get', 'default')).join('\n')) as object;
    expect(first).toMatchObject({ filterSettings: { webCrawlers: { isEnabled: true } } });

    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'quotas: []\nfilterSettings:\n  localhost: { isEnabled: true }\ntypo: 1\n');
    const printed = await vigil('project-config', 'set', 'default', '--file', file);
    expect(JSON.parse(printed.join('\n'))).toEqual({
      quotas: [],
      filterSettings: { localhost: { isEnabled: true } },
    });
    expect(err).toEqual(['warning: typo: unknown key (ignored)']);
    expect(await stored()).toEqual({ quotas: [], filterSettings: { localhost: { isEnabled: true } } });
  });

  it('refuses an invalid config, listing the errors by path, and keeps the stored one', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ quotas: [{ id: 'q', limit: 'many' }] }));
    await expect(vigil('project-config', 'set', 'default', '--file', file)).rejects.toThrow(
      /invalid project config:\n {2}quotas\[0\]: limit must be a non-negative integer/,
    );
    await expect(vigil('project-config', 'get', 'nope')).rejects.toThrow(/no project with slug "nope"/);
    expect(await stored()).toHaveProperty('filterSettings.webCrawlers');
  });
});

describe('vigil quotas', () => {
  it('sets, replaces, lists and removes quotas by id', async () => {
    await vigil(
      'quotas',
      'set',
      'default',
      '--id',
      'errors',
      '--category',
      'error',
      '--category',
      'default',
      '--scope',
      'project',
      '--limit',
      '100',
      '--window',
      '60',
      '--reason-code',
      'too_many',
    );
    await vigil('quotas', 'set', 'default', '--id', 'block-replays', '--category', 'replay', '--limit', '0');
    const listed = await vigil(
      'quotas',
      'set',
      'default',
      '--id',
      'errors',
      '--category',
      'error',
      '--scope',
      'key',
      '--scope-id',
      '7',
      '--limit',
      '5',
      '--window',
      '3600',
    );
    expect(listed).toEqual([
      'errors\terror\tkey:7\t5\t3600s\t-',
      'block-replays\treplay\torganization\t0\t-\t-',
    ]);
    expect(await vigil('quotas', 'list', 'default')).toEqual(listed);
    expect(await stored()).toMatchObject({
      quotas: [
        { id: 'errors', categories: ['error'], scope: 'key', scopeId: '7', limit: 5, window: 3600 },
        { id: 'block-replays', categories: ['replay'], scope: 'organization', limit: 0 },
      ],
    });
    await vigil('quotas', 'remove', 'default', '--id', 'errors');
    await vigil('quotas', 'remove', 'default', '--id', 'block-replays');
    expect(await vigil('quotas', 'list', 'default')).toEqual([]);
    expect(await stored()).not.toHaveProperty('quotas');
    await expect(vigil('quotas', 'remove', 'default', '--id', 'errors')).rejects.toThrow(
      /no quota with id "errors"/,
    );
  });

  it('rejects unknown categories, bad numbers and a counted quota without a window', async () => {
    expect(() => quotaFromFlags({ id: 'q', category: ['errors'], limit: '1' })).toThrow(
      /unknown data category "errors"/,
    );
    expect(() => quotaFromFlags({ id: 'q', limit: '-1' })).toThrow(/--limit must be a non-negative integer/);
    await expect(vigil('quotas', 'set', 'default', '--id', 'q', '--limit', '10')).rejects.toThrow(
      /--window is required/,
    );
  });
});

describe('vigil filters', () => {
  it("lists Sentry's filters and the option lists of a config", () => {
    expect(formatFilters({})).toEqual([
      'localhost\toff',
      'browser-extensions\toff',
      'legacy-browsers\toff',
      'web-crawlers\toff',
      'filtered-transaction\toff',
    ]);
  });

  it('enables and disables filters, sets legacy browser subfilters and the option lists', async () => {
    await vigil('filters', 'disable', 'default', 'web-crawlers');
    await vigil('filters', 'enable', 'default', 'localhost');
    const printed = await vigil(
      'filters',
      'enable',
      'default',
      'legacy-browsers',
      '--subfilters',
      'safari,ie',
    );
    expect(printed).toEqual([
      'localhost\ton',
      'browser-extensions\ton',
      'legacy-browsers\tie,safari',
      'web-crawlers\toff',
      'filtered-transaction\ton',
    ]);
    const lists = await vigil(
      'filters',
      'set',
      'default',
      '--error-messages',
      'TypeError: *',
      'ChunkLoadError*',
      '--releases',
      '1.0-BETA*',
      '--client-ips',
      '10.0.0.0/8',
    );
    expect(lists.slice(5)).toEqual([
      'client-ip\t10.0.0.0/8',
      'release\t1.0-beta*',
      'error-message\tTypeError: *',
      'error-message\tChunkLoadError*',
    ]);
    expect(await stored()).toEqual({
      filterSettings: {
        browserExtensions: { isEnabled: true },
        legacyBrowsers: { isEnabled: true, options: ['ie', 'safari'] },
        ignoreTransactions: { patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true },
        localhost: { isEnabled: true },
        errorMessages: { patterns: ['TypeError: *', 'ChunkLoadError*'] },
        releases: { releases: ['1.0-beta*'] },
        clientIps: { blacklistedIps: ['10.0.0.0/8'] },
      },
    });
    await vigil('filters', 'set', 'default', '--releases');
    expect((await vigil('filters', 'list', 'default')).filter((l) => l.startsWith('release'))).toEqual([]);
    await expect(vigil('filters', 'enable', 'default', 'cors')).rejects.toThrow(/unknown filter "cors"/);
    await expect(vigil('filters', 'enable', 'default', 'localhost', '--subfilters', 'ie')).rejects.toThrow(
      /legacy-browsers only/,
    );
  });
});
