// Chunk upload, artifact-bundle assembly, the bundle list/delete and the artifact lookup
// through Fastify's inject over a real SQLite metadata store: Sentry's options and error
// bodies, multipart chunks (raw and gzip) checked by sha1, the assemble states from not_found
// with the missing chunks to created and ok (or error with Sentry's details), and the assembled
// bundle found through the ArtifactStore and the lookup endpoint.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  bootstrap,
  createApiToken,
  createOrganization,
  openMetadataStore,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { ArtifactAssembler } from '../services/artifact-assembler.js';
import { ArtifactStore } from '../services/artifact-store.js';
import { CHUNK_SIZE } from './chunk-upload.js';
import { apiRoutes } from './index.js';

const DEBUG_ID = 'c0ffee00-1234-4abc-8def-0123456789ab';
const BUNDLE_ID = '11111111-2222-4333-8444-555555555555';
const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex');

let dataDir: string;
let metadata: MetadataStore;
let app: FastifyInstance;
let assembler: ArtifactAssembler;
let projectId: number;
const tokens = { all: '', read: '', write: '', events: '', rival: '' };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-artifacts-api-'));
  metadata = await openMetadataStore({ dataDir });
  const boot = await bootstrap(metadata);
  tokens.all = boot.token ?? '';
  projectId = boot.project.id;
  const token = async (scopes: string[], orgId = boot.organization.id) =>
    (await createApiToken(metadata, orgId, scopes.join(','), scopes)).token;
  tokens.read = await token(['project:read']);
  tokens.write = await token(['project:write']);
  tokens.events = await token(['event:read']);
  const rival = await createOrganization(metadata, 'rival');
  if (!rival.ok) throw new Error(rival.error.detail);
  tokens.rival = await token(['project:releases'], rival.value.id);
  assembler = new ArtifactAssembler(metadata);
  app = Fastify();
  // The artifact routes need no telemetry store.
  await app.register(apiRoutes, {
    metadata,
    clickhouse: {} as ClickHouseStore,
    publicUrl: 'http://vigil.test',
    assembler,
  });
});

afterAll(async () => {
  await app?.close();
  await metadata?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { body?: unknown; token?: string | null; userAgent?: string } = {},
): Promise<{ status: number; body: unknown; raw: Buffer; headers: Record<string, unknown> }> {
  const token = options.token === undefined ? tokens.all : options.token;
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.userAgent === undefined ? {} : { 'user-agent': options.userAgent }),
    },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
  const json = res.headers['content-type']?.toString().startsWith('application/json') === true;
  return {
    status: res.statusCode,
    body: json ? (res.json() as unknown) : null,
    raw: res.rawPayload,
    headers: res.headers,
  };
}

/** POSTs chunks as sentry-cli does: one multipart part per chunk named by its sha1. */
async function uploadChunks(
  parts: Array<{ data: Buffer; name?: string; gzip?: boolean }>,
  token = tokens.all,
): Promise<{ status: number; body: unknown }> {
  const boundary = '------------------------vigilChunkBoundary';
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const field = part.gzip === true ? 'file_gzip' : 'file';
    pieces.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${part.name ?? sha1(part.data)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      part.gzip === true ? gzipSync(part.data) : part.data,
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await app.inject({
    method: 'POST',
    url: '/api/0/organizations/vigil/chunk-upload/',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    payload: Buffer.concat(pieces),
  });
  return { status: res.statusCode, body: res.body === '' ? null : (res.json() as unknown) };
}

/** A source bundle as sentry-cli builds it: a minified file with its map, by debug id. */
function sourceBundle(attributes: Record<string, string> = {}, files?: Record<string, unknown>): Buffer {
  const manifest = {
    files: files ?? {
      'files/_/_/app.min.js': {
        type: 'minified_source',
        url: '~/app.min.js',
        headers: { 'Debug-Id': DEBUG_ID.toUpperCase(), Sourcemap: 'app.min.js.map' },
      },
      'files/_/_/app.min.js.map': {
        type: 'source_map',
        url: '~/app.min.js.map',
        headers: { 'debug-id': DEBUG_ID },
      },
    },
    debug_id: BUNDLE_ID,
    org: 'vigil',
    project: 'default',
    ...attributes,
  };
  return Buffer.from(
    zipSync({
      'manifest.json': strToU8(JSON.stringify(manifest)),
      'files/_/_/app.min.js': strToU8(
        'function a(){throw new Error("x")}\n//# sourceMappingURL=app.min.js.map',
      ),
      'files/_/_/app.min.js.map': strToU8('{"version":3,"sources":["app.ts"],"mappings":"AAAA"}'),
    }),
  );
}

const assemble = (body: unknown, token?: string) =>
  call('POST', '/api/0/organizations/vigil/artifactbundle/assemble/', { body, token });

describe('chunk-upload options', () => {
  it('answers Sentry defaults with a relative url for sentry-cli ≥ 1.70.1', async () => {
    const res = await call('GET', '/api/0/organizations/vigil/chunk-upload/', {
      userAgent: 'sentry-cli/3.8.0',
    });
    expect(res).toMatchObject({ status: 200 });
    expect(res.body).toEqual({
      url: 'organizations/vigil/chunk-upload/',
      chunkSize: 8388608,
      chunksPerRequest: 64,
      maxFileSize: 2147483648,
      maxRequestSize: 33554432,
      concurrency: 8,
      hashAlgorithm: 'sha1',
      compression: ['gzip'],
      accept: ['artifact_bundles', 'artifact_bundles_v2'],
    });
    for (const userAgent of ['sentry-cli/1.70.0', 'curl/8']) {
      const old = await call('GET', '/api/0/organizations/vigil/chunk-upload/', { userAgent });
      expect((old.body as { url: string }).url).toBe(
        'http://vigil.test/api/0/organizations/vigil/chunk-upload/',
      );
    }
  });

  it('needs a release scope of the organization', async () => {
    const url = '/api/0/organizations/vigil/chunk-upload/';
    expect((await call('GET', url, { token: null })).status).toBe(401);
    expect((await call('GET', url, { token: tokens.events })).status).toBe(403);
    expect((await call('GET', url, { token: tokens.rival })).status).toBe(404);
    expect((await call('GET', url, { token: tokens.read })).status).toBe(200);
    expect((await uploadChunks([{ data: Buffer.from('x') }], tokens.read)).status).toBe(403);
  });
});

describe('chunk upload', () => {
  it('stores raw and gzip chunks by sha1; an empty request is fine', async () => {
    const a = Buffer.from('chunk a');
    const b = Buffer.from('chunk b, compressed on the wire');
    // Larger than Fastify's default body limit (1 MiB): chunk requests are streamed.
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    expect((await uploadChunks([{ data: a }, { data: b, gzip: true }, { data: big }])).status).toBe(200);
    expect(
      (await assemble({ checksum: sha1(big), chunks: [sha1(big)], projects: ['default'] })).body,
    ).toEqual({
      state: 'created',
      missingChunks: [],
    });
    await assembler.drain();
    const missing = await assemble({
      checksum: sha1(Buffer.concat([a, b])),
      chunks: [sha1(a), sha1(b), 'e'.repeat(40)],
      projects: ['default'],
    });
    expect(missing.body).toEqual({ state: 'not_found', missingChunks: ['e'.repeat(40)] });
    expect((await call('POST', '/api/0/organizations/vigil/chunk-upload/')).status).toBe(200);
  });

  it("refuses what Sentry refuses, with Sentry's errors", async () => {
    const x = Buffer.from('x');
    expect(await uploadChunks([{ data: x, name: 'f'.repeat(40) }])).toEqual({
      status: 400,
      body: { error: 'Checksum mismatch' },
    });
    expect(
      await uploadChunks([
        { data: x, name: sha1(x), gzip: true },
        { data: Buffer.from('y'), name: sha1(x) },
      ]),
    ).toEqual({ status: 400, body: { error: 'Checksum mismatch' } });
    expect(await uploadChunks([{ data: Buffer.alloc(CHUNK_SIZE + 1), gzip: true }])).toEqual({
      status: 400,
      body: { error: 'Chunk size too large' },
    });
    const tooMuch = Array.from({ length: 5 }, (_, i) => ({ data: Buffer.alloc(CHUNK_SIZE, i), gzip: true }));
    expect(await uploadChunks(tooMuch)).toEqual({ status: 400, body: { error: 'Request too large' } });
    const many = Array.from({ length: 65 }, (_, i) => ({ data: Buffer.from(`chunk ${i}`) }));
    expect(await uploadChunks(many)).toEqual({ status: 400, body: { error: 'Too many chunks' } });
  });
});

describe('artifact bundle assembly', () => {
  it("validates the request with Sentry's messages", async () => {
    const checksum = 'a'.repeat(40);
    const cases: Array<[unknown, string]> = [
      [{ lol: 'test' }, "'checksum' is a required property"],
      [
        { checksum: 'invalid', chunks: [], projects: ['default'] },
        'The checksum field is required and must be a 40-character hexadecimal string.',
      ],
      [{ checksum, chunks: [] }, "'projects' is a required property"],
      [{ checksum, chunks: [], projects: [] }, 'You need to specify at least one project'],
      [
        { checksum, chunks: [], projects: [projectId] },
        'The projects field is required and must be provided as an array of strings.',
      ],
      [
        { checksum, chunks: ['x'], projects: ['default'] },
        'The chunks field is required and must be provided as an array of 40-character hexadecimal strings.',
      ],
      [
        { checksum, chunks: [], projects: ['default'], version: 'release/1' },
        'The version field cannot be empty and cannot contain any "/" characters.',
      ],
      [
        { checksum, chunks: [], projects: ['default'], version: '', dist: 'android' },
        'The version field cannot be empty and cannot contain any "/" characters.',
      ],
      [
        { checksum, chunks: [], projects: ['default'], dist: 'android' },
        'You need to specify a release together with a dist',
      ],
      [{ checksum, chunks: [], projects: ['default', 'nope'] }, 'One or more projects are invalid'],
      [
        { checksum, chunks: [], projects: ['default'], extra: 1 },
        "Additional properties are not allowed ('extra' was unexpected)",
      ],
    ];
    for (const [body, error] of cases) {
      expect(await assemble(body)).toMatchObject({ status: 400, body: { error } });
    }
    const broken = await app.inject({
      method: 'POST',
      url: '/api/0/organizations/vigil/artifactbundle/assemble/',
      headers: { authorization: `Bearer ${tokens.all}`, 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ error: 'Invalid json body' });
    expect(await assemble({ checksum, chunks: [], projects: [String(projectId)] })).toMatchObject({
      status: 200,
      body: { state: 'not_found', missingChunks: [] },
    });
    expect((await assemble({ checksum, chunks: [], projects: ['default'] }, tokens.read)).status).toBe(403);
    expect((await assemble({ checksum, chunks: [], projects: ['default'] }, tokens.rival)).status).toBe(404);
  });

  it('goes from not_found with the missing chunks to created, then ok; the bundle is indexed', async () => {
    const zip = sourceBundle({ release: 'web@3.0.0', dist: 'web' });
    const half = Math.ceil(zip.length / 2);
    const chunks = [zip.subarray(0, half), zip.subarray(half)];
    const request = {
      checksum: sha1(zip),
      chunks: chunks.map(sha1),
      projects: ['default'],
      version: 'web@3.0.0',
    };
    expect((await assemble(request)).body).toEqual({ state: 'not_found', missingChunks: chunks.map(sha1) });
    await uploadChunks([{ data: chunks[0] ?? Buffer.alloc(0) }]);
    expect((await assemble(request)).body).toEqual({
      state: 'not_found',
      missingChunks: [sha1(chunks[1] ?? Buffer.alloc(0))],
    });
    await uploadChunks([{ data: chunks[1] ?? Buffer.alloc(0), gzip: true }]);
    expect((await assemble(request)).body).toEqual({ state: 'created', missingChunks: [] });
    await assembler.drain();
    expect((await assemble(request)).body).toEqual({ state: 'ok', detail: null, missingChunks: [] });
    // A poll without chunks also sees the state.
    expect((await assemble({ ...request, chunks: [] })).body).toMatchObject({ state: 'ok' });

    const store = new ArtifactStore(metadata);
    const minified = await store.byDebugId(projectId, DEBUG_ID, 'minified_source');
    expect(minified).toMatchObject({
      url: '~/app.min.js',
      headers: { 'debug-id': DEBUG_ID.toUpperCase(), sourcemap: 'app.min.js.map' },
    });
    // The request's version wins; the manifest's dist applies.
    expect(
      (await store.byUrl(projectId, 'web@3.0.0', 'web', 'https://example.com/app.min.js.map'))?.type,
    ).toBe('source_map');
    expect(
      await store.byUrl(projectId, 'web@3.0.0', undefined, 'https://example.com/app.min.js'),
    ).toBeUndefined();
  });

  it("records Sentry's error details for bundles it cannot store", async () => {
    const cases: Array<[Buffer, string, string]> = [
      [Buffer.from('definitely not a zip'), '', 'the bundle is invalid'],
      [
        sourceBundle({}, { 'files/_/_/a.js': { type: 'minified_source', url: '~/a.js', headers: {} } }),
        '',
        'uploading a bundle without debug ids or release is prohibited',
      ],
      [
        sourceBundle({ debug_id: 'dddddddd-2222-4333-8444-555555555555' }),
        'f'.repeat(40),
        'Reported checksum mismatch',
      ],
    ];
    for (const [zip, claimed, detail] of cases) {
      await uploadChunks([{ data: zip }]);
      const request = { checksum: claimed || sha1(zip), chunks: [sha1(zip)], projects: ['default'] };
      expect((await assemble(request)).body).toEqual({ state: 'created', missingChunks: [] });
      await assembler.drain();
      expect((await assemble(request)).body).toEqual({ state: 'error', detail, missingChunks: [] });
    }
  });
});

describe('bundle list, delete and lookup', () => {
  it('lists the project bundles in Sentry shape and deletes one', async () => {
    const list = await call('GET', '/api/0/projects/vigil/default/files/artifact-bundles/');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      {
        bundleId: BUNDLE_ID,
        associations: [{ release: 'web@3.0.0', dist: 'web' }],
        fileCount: 2,
        dateModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    ]);
    expect(String(list.headers.link)).toContain('rel="next"; results="false"');
    expect(
      (await call('GET', '/api/0/projects/vigil/default/files/artifact-bundles/?query=web@3')).body,
    ).toHaveLength(1);
    expect(
      (await call('GET', '/api/0/projects/vigil/default/files/artifact-bundles/?query=nothing')).body,
    ).toEqual([]);
    expect(
      (await call('GET', '/api/0/projects/vigil/default/files/artifact-bundles/?sortBy=name')).status,
    ).toBe(400);
  });

  it('finds bundles by debug id, release + url and release, and downloads them', async () => {
    const base = '/api/0/projects/vigil/default/artifact-lookup/';
    const byDebugId = await call('GET', `${base}?debug_id=${DEBUG_ID.replace(/-/g, '')}`);
    expect(byDebugId.body).toEqual([
      {
        id: expect.stringMatching(/^artifact_bundle\/\d+$/),
        type: 'bundle',
        url: expect.stringMatching(
          /^http:\/\/vigil\.test\/api\/0\/projects\/vigil\/default\/artifact-lookup\/\?download=artifact_bundle\/\d+$/,
        ),
        resolved_with: 'debug-id',
      },
    ]);
    const byUrl = await call('GET', `${base}?release=web@3.0.0&dist=web&url=app.min`);
    expect(byUrl.body).toEqual([expect.objectContaining({ resolved_with: 'index' })]);
    const byRelease = await call('GET', `${base}?release=web@3.0.0&dist=web&url=elsewhere.js`);
    expect(byRelease.body).toEqual([expect.objectContaining({ resolved_with: 'release' })]);
    expect((await call('GET', `${base}?release=web@3.0.0`)).body).toEqual([]);

    const id = (byDebugId.body as Array<{ id: string }>)[0]?.id ?? '';
    const download = await call('GET', `${base}?download=${id}`);
    expect(download.status).toBe(200);
    expect(download.raw.subarray(0, 2).toString()).toBe('PK');
    expect((await call('GET', `${base}?download=${id}`, { token: tokens.read })).status).toBe(403);
    expect((await call('GET', `${base}?download=artifact_bundle/999999`)).status).toBe(404);
  });

  it('deletes with the release scope only, and 404s for unknown bundles', async () => {
    const url = '/api/0/projects/vigil/default/files/artifact-bundles/';
    expect((await call('DELETE', `${url}?bundleId=${BUNDLE_ID}`, { token: tokens.write })).status).toBe(403);
    expect(await call('DELETE', url)).toMatchObject({
      status: 404,
      body: { error: 'Supplied an invalid bundle_id None' },
    });
    expect(await call('DELETE', `${url}?bundleId=nope`)).toMatchObject({
      status: 404,
      body: { error: "Couldn't find a bundle with bundle_id nope" },
    });
    expect((await call('DELETE', `${url}?bundleId=${BUNDLE_ID}`)).status).toBe(204);
    expect((await call('GET', url)).body).toEqual([]);
    expect(await new ArtifactStore(metadata).byDebugId(projectId, DEBUG_ID, 'source_map')).toBeUndefined();
  });
});
