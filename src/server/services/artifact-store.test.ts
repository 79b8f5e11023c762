// The ArtifactStore's URL candidates (Symbolicator's get_release_file_candidate_urls), debug id
// normalization (symbolic's normalize_debug_id), and its byte-bounded cache of opened bundles
// over a real SQLite metadata store.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrap,
  openMetadataStore,
  putFileBlobs,
  storeArtifactBundle,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { ArtifactStore, candidateUrls } from './artifact-store.js';
import { SourceBundle, normalizeDebugId } from './source-bundle.js';

describe('candidateUrls', () => {
  it('tries the URL, without query, then ~ + path with and without query', () => {
    expect(candidateUrls('http://localhost:3000/static/js/main.js?v=1#L1')).toEqual([
      'http://localhost:3000/static/js/main.js?v=1',
      'http://localhost:3000/static/js/main.js',
      '~/static/js/main.js?v=1',
      '~/static/js/main.js',
    ]);
    expect(candidateUrls('app:///main.js')).toEqual(['app:///main.js', '~/main.js']);
    expect(candidateUrls('~/bundle.js')).toEqual(['~/bundle.js']);
    expect(candidateUrls('/abs/x.js')).toEqual(['/abs/x.js', '~/abs/x.js']);
  });
});

describe('normalizeDebugId', () => {
  it('canonicalizes UUIDs with or without hyphens, braces and appendix', () => {
    const id = '3b4e0a4c-1f6c-4d39-9c8e-6a41c0f1f0a1';
    expect(normalizeDebugId(id.toUpperCase())).toBe(id);
    expect(normalizeDebugId(id.replace(/-/g, ''))).toBe(id);
    expect(normalizeDebugId(`{${id}}`)).toBe(id);
    expect(normalizeDebugId(`${id}-0`)).toBe(id);
    expect(normalizeDebugId(`${id.replace(/-/g, '')}a`)).toBe(`${id}-a`);
    expect(normalizeDebugId('fee22b2d259b1787bb6460488c9e0e0f4632871b')).toBe(
      'fee22b2d-259b-1787-bb64-60488c9e0e0f-4632871b',
    );
    expect(normalizeDebugId('not a debug id')).toBeUndefined();
    expect(normalizeDebugId(42)).toBeUndefined();
  });
});

describe('ArtifactStore cache', () => {
  let dataDir: string;
  let metadata: MetadataStore;
  let projectId: number;
  let organizationId: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-artifact-store-'));
    metadata = await openMetadataStore({ dataDir });
    const boot = await bootstrap(metadata);
    projectId = boot.project.id;
    organizationId = boot.organization.id;
  });

  afterAll(async () => {
    await metadata?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Stores a bundle with one minified file of `size` bytes under `debugId`. */
  async function store(debugId: string, size: number): Promise<void> {
    const manifest = {
      files: {
        'files/a.js': { type: 'minified_source', url: `~/${debugId}.js`, headers: { 'debug-id': debugId } },
      },
      debug_id: debugId,
    };
    // Random content does not compress, so the zip is about `size` bytes too.
    const content = Buffer.from(Array.from({ length: size }, () => Math.floor(Math.random() * 256)));
    const zip = Buffer.from(
      zipSync({ 'manifest.json': strToU8(JSON.stringify(manifest)), 'files/a.js': content }),
    );
    const checksum = createHash('sha1').update(zip).digest('hex');
    await putFileBlobs(metadata, organizationId, [{ checksum, data: zip }]);
    await storeArtifactBundle(metadata, {
      organizationId,
      bundleId: debugId,
      checksum,
      size: zip.length,
      chunks: [checksum],
      artifactCount: 1,
      projectIds: [projectId],
      files: [{ url: `~/${debugId}.js`, debugId, sourceFileType: 2 }],
    });
  }

  it('believes a project has no bundles for a second, then finds the first one uploaded', async () => {
    const id = 'bbbbbbbb-0000-4000-8000-000000000001';
    const artifacts = new ArtifactStore(metadata);
    expect(await artifacts.byDebugId(projectId, id, 'minified_source')).toBeUndefined();
    await store(id, 100);
    // Cached: no query per lookup for projects that never uploaded anything.
    expect(await artifacts.byDebugId(projectId, id, 'minified_source')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await artifacts.byDebugId(projectId, id, 'minified_source'))?.content.length).toBe(100);
  });

  it('keeps opened bundles within its byte budget, evicting the least recently used', async () => {
    const ids = [
      'aaaaaaaa-0000-4000-8000-000000000001',
      'aaaaaaaa-0000-4000-8000-000000000002',
      'aaaaaaaa-0000-4000-8000-000000000003',
    ];
    for (const id of ids) await store(id, 40_000);
    const cache = new ArtifactStore(metadata, { cacheBytes: 200_000 });
    for (const id of ids) {
      expect((await cache.byDebugId(projectId, id, 'minified_source'))?.content.length).toBe(40_000);
      expect(cache.cacheSize).toBeLessThanOrEqual(200_000);
    }
    // Each opened bundle holds its zip and the file read (~80 kB): two fit, the oldest went.
    expect(cache.cacheSize).toBeGreaterThan(150_000);
    const tiny = new ArtifactStore(metadata, { cacheBytes: 10_000 });
    expect((await tiny.byDebugId(projectId, ids[0] ?? '', 'minified_source'))?.content.length).toBe(40_000);
    expect(tiny.cacheSize).toBe(0);
  });

  it('reads the manifest of a zip and refuses one that is not a zip', () => {
    expect(() => SourceBundle.open(Buffer.from('nope'))).toThrow('the bundle is not a valid zip archive');
    expect(() => SourceBundle.open(Buffer.from(zipSync({ 'a.txt': strToU8('x') })))).toThrow(
      'the bundle has no manifest.json',
    );
    const bundle = SourceBundle.open(
      Buffer.from(
        zipSync({
          'manifest.json': strToU8(
            JSON.stringify({
              files: { 'x.js': { url: '~/x.js', headers: { SourceMap: 'x.map' } } },
              release: 'r',
            }),
          ),
        }),
      ),
    );
    expect(bundle.attributes).toEqual({ release: 'r' });
    expect(bundle.files).toEqual([
      { path: 'x.js', url: '~/x.js', type: undefined, headers: { sourcemap: 'x.map' }, debugId: undefined },
    ]);
    expect(bundle.content('x.js')).toBeUndefined();
  });
});
