// The key cache over a real SQLite metadata store: keys come with their project's stored config,
// cached for the TTL, re-read at once after invalidateProject; a stored config that no longer
// parses is logged and replaced by the defaults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_PROJECT_CONFIG,
  parseProjectConfig,
  type ProjectConfig,
} from '../../processing/project-config/index.js';
import {
  bootstrap,
  openMetadataStore,
  setProjectConfigJson,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { KeyCache } from './key-cache.js';
import { saveProjectConfig } from './project-configs.js';

let dir: string;
let store: MetadataStore;
let publicKey: string;
let projectId: number;
let clock: number;
let warnings: unknown[];
let cache: KeyCache;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-key-cache-'));
  store = await openMetadataStore({ dataDir: dir });
  const boot = await bootstrap(store);
  publicKey = boot.key.public_key;
  projectId = boot.project.id;
  clock = 1_000_000;
  warnings = [];
  cache = new KeyCache(store, {
    ttlMs: 60_000,
    now: () => clock,
    logger: { warn: (obj: unknown) => void warnings.push(obj) },
  });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const localhostOn = { filterSettings: { localhost: { isEnabled: true } } };

function parseConfig(json: object): ProjectConfig {
  const parsed = parseProjectConfig(json);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

/** Waits (a few event-loop turns at most) until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setImmediate(r));
  expect(done()).toBe(true);
}

describe('KeyCache', () => {
  it('resolves a key with the defaults when its project has no stored config', async () => {
    const info = await cache.lookup(publicKey);
    expect(info).toMatchObject({ projectId, isActive: true });
    expect(info?.config).toBe(DEFAULT_PROJECT_CONFIG);
    expect(await cache.lookup('0'.repeat(32))).toBeUndefined();
  });

  it("carries the project's stored config, kept for the TTL like the key", async () => {
    expect((await saveProjectConfig(store, projectId, localhostOn)).ok).toBe(true);
    const first = await cache.lookup(publicKey);
    expect(first?.config.filterSettings.localhost.isEnabled).toBe(true);
    expect(first?.config.source).toBe(JSON.stringify(localhostOn));
    expect(await cache.projectConfig(projectId)).toBe(first?.config);

    // Another process (the CLI) changes the config: seen once the TTL has passed.
    expect((await saveProjectConfig(store, projectId, {})).ok).toBe(true);
    clock += 59_000;
    expect((await cache.lookup(publicKey))?.config).toBe(first?.config);
    clock += 2_000;
    expect((await cache.lookup(publicKey))?.config.filterSettings.localhost.isEnabled).toBe(false);
  });

  it('serves a changed config at once after invalidateProject', async () => {
    expect((await cache.lookup(publicKey))?.config).toBe(DEFAULT_PROJECT_CONFIG);
    expect((await saveProjectConfig(store, projectId, localhostOn)).ok).toBe(true);
    expect((await cache.lookup(publicKey))?.config).toBe(DEFAULT_PROJECT_CONFIG);
    cache.invalidateProject(projectId);
    expect((await cache.lookup(publicKey))?.config.filterSettings.localhost.isEnabled).toBe(true);
    expect((await cache.projectConfig(projectId)).filterSettings.localhost.isEnabled).toBe(true);
  });

  it('does not cache, nor share, a load that an invalidation overtook', async () => {
    // Config reads that finish when the test says so.
    const reads: Array<(config: ProjectConfig) => void> = [];
    const racing = new KeyCache(store, {
      now: () => clock,
      loadConfig: () => new Promise((resolve) => reads.push(resolve)),
    });
    const stale = parseConfig({});
    const fresh = parseConfig(localhostOn);
    const before = racing.lookup(publicKey);
    await until(() => reads.length === 1);
    racing.invalidateProject(projectId);
    const after = racing.lookup(publicKey);
    reads[0]!(stale);
    expect((await before)?.config).toBe(stale);
    await until(() => reads.length === 2);
    reads[1]!(fresh);
    expect((await after)?.config).toBe(fresh);
    expect((await racing.lookup(publicKey))?.config).toBe(fresh);
    expect(await racing.projectConfig(projectId)).toBe(fresh);
  });

  it('logs a stored config that no longer parses and uses the defaults', async () => {
    // Written around the validation, as an older Vigil or a hand edit could have.
    await setProjectConfigJson(store, projectId, { quotas: 'none' });
    const info = await cache.lookup(publicKey);
    expect(info?.config).toBe(DEFAULT_PROJECT_CONFIG);
    expect(warnings).toEqual([{ projectId, errors: ['quotas: expected a list'] }]);
  });

  it('peeks at cached keys without waiting, loading the others in the background', async () => {
    expect(cache.peek(publicKey)).toBeUndefined();
    await until(() => cache.peek(publicKey) !== undefined);
    expect(cache.peek(publicKey)).toMatchObject({ projectId, isActive: true });
    // Expired: the stale info is answered while it is loaded again.
    clock += 61_000;
    const stale = cache.peek(publicKey);
    expect(stale).toMatchObject({ projectId });
    await until(() => cache.peek(publicKey) !== stale);
    expect(cache.peek('c'.repeat(32))).toBeUndefined();
  });
});
