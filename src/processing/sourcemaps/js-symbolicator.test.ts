// The processing loop's symbolication step over a batch of payloads: which payloads it parses,
// replaces or leaves alone, how often it asks the artifact source, and the parsed-map cache.
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import { buildBundle, captureSdkEvent, loadBundle, type JsBundle } from '../../../tests/helpers/js-bundle.js';
import type { ArtifactFile, ArtifactFileType, ArtifactSource } from './artifact-source.js';
import { ArtifactCache } from './artifacts.js';
import { JsSymbolicator, mayNeedSymbolication, type SymbolicationWork } from './js-symbolicator.js';
import { MemoryArtifactSource } from './memory-artifact-source.js';
import { SourceMapView } from './source-map-view.js';

const SOURCE = `export function checkout(cart) {
  if (cart.length === 0) {
    throw new RangeError('empty cart');
  }
  return cart.length;
}
`;

let bundle: JsBundle;
let payload: Buffer;
let memory: MemoryArtifactSource;

/** Counts the lookups that reach the source. */
class CountingSource implements ArtifactSource {
  readonly calls: string[] = [];
  constructor(private readonly inner: ArtifactSource) {}
  byDebugId(projectId: number, debugId: string, type: ArtifactFileType): Promise<ArtifactFile | undefined> {
    this.calls.push(`${debugId} ${type}`);
    return this.inner.byDebugId(projectId, debugId, type);
  }
  byUrl(
    projectId: number,
    release: string,
    dist: string | undefined,
    url: string,
  ): Promise<ArtifactFile | undefined> {
    this.calls.push(`${release} ${url}`);
    return this.inner.byUrl(projectId, release, dist, url);
  }
}

beforeAll(async () => {
  bundle = await buildBundle({ entry: 'src/checkout.js', sources: { 'src/checkout.js': SOURCE } });
  const app = loadBundle<{ checkout(cart: unknown[]): number }>(bundle);
  payload = Buffer.from(JSON.stringify(await captureSdkEvent(() => app.checkout([]), { release: 'shop@1' })));
  memory = new MemoryArtifactSource();
  memory.add({
    projectId: 1,
    files: [
      {
        url: `~${bundle.file}`,
        type: 'minified_source',
        headers: { 'debug-id': bundle.debugId!, sourcemap: path.basename(bundle.mapFile) },
        content: bundle.minified,
      },
      {
        url: `~${bundle.mapFile}`,
        type: 'source_map',
        headers: { 'debug-id': bundle.debugId! },
        content: bundle.sourceMap,
      },
    ],
  });
}, 60_000);

const work = (bytes: Buffer, projectId = 1): SymbolicationWork => ({ payload: bytes, ctx: { projectId } });
const eventOf = (w: SymbolicationWork): JsonObject =>
  JSON.parse(Buffer.from(w.payload).toString('utf8')) as JsonObject;
const crashingFrame = (event: JsonObject): JsonObject =>
  (
    ((event.exception as JsonObject).values as JsonObject[])[0]!.stacktrace as { frames: JsonObject[] }
  ).frames.at(-1)!;

it('replaces the payload of a JavaScript event with the symbolicated event', async () => {
  const w = work(payload);
  await new JsSymbolicator(memory).symbolicate([w]);
  expect(w.payload).not.toBe(payload);
  const frame = crashingFrame(eventOf(w));
  expect([frame.function, frame.filename, frame.lineno, frame.context_line]).toEqual([
    'checkout',
    '../src/checkout.js',
    3,
    "    throw new RangeError('empty cart');",
  ]);
});

it('leaves other payloads as they are, without parsing those that cannot need it', async () => {
  const python = Buffer.from(
    JSON.stringify({
      platform: 'python',
      release: '1.0',
      exception: { values: [{ type: 'E', stacktrace: { frames: [{ abs_path: '/a.py', lineno: 1 }] } }] },
    }),
  );
  const noRelease = Buffer.from(
    JSON.stringify({ ...JSON.parse(payload.toString('utf8')), release: undefined, debug_meta: undefined }),
  );
  const invalid = Buffer.from('{"platform":"node","release":');
  const otherProject = payload; // project 2 has no artifacts: still symbolicated (errors), see below
  expect(mayNeedSymbolication(python)).toBe(false);
  expect(mayNeedSymbolication(invalid)).toBe(true);
  const works = [work(python), work(noRelease), work(invalid)];
  const parse = vi.spyOn(JSON, 'parse');
  await new JsSymbolicator(memory).symbolicate(works);
  // The Python event is never parsed; the others are, and are left alone.
  expect(parse.mock.calls.map(([text]) => text)).not.toContain(python.toString('utf8'));
  parse.mockRestore();
  expect(works.map((w) => w.payload)).toEqual([python, noRelease, invalid]);
  expect(works[0]!.payload).toBe(python);
  expect(works[1]!.payload).toBe(noRelease);
  const other = work(otherProject, 2);
  await new JsSymbolicator(memory).symbolicate([other]);
  expect((eventOf(other).errors as JsonObject[]).map((e) => e.url)).toContain(bundle.file);
});

it('asks the source once per distinct lookup in a batch', async () => {
  const source = new CountingSource(memory);
  const works = Array.from({ length: 20 }, () => work(payload));
  await new JsSymbolicator(source).symbolicate(works);
  expect(source.calls.length).toBeGreaterThan(0);
  expect(new Set(source.calls).size).toBe(source.calls.length);
  expect(source.calls).toContain(`${bundle.debugId} minified_source`);
  expect(source.calls).toContain(`${bundle.debugId} source_map`);
  expect(new Set(works.map((w) => Buffer.from(w.payload).toString('utf8'))).size).toBe(1);
});

it('lets the event loop run during a batch', async () => {
  const symbolicator = new JsSymbolicator(memory, { yieldEveryMs: 0 });
  let ran = false;
  setImmediate(() => {
    ran = true;
  });
  const batch = symbolicator.symbolicate(Array.from({ length: 5 }, () => work(payload)));
  expect(ran).toBe(false);
  await batch;
  expect(ran).toBe(true);
});

it('counts a failing lookup as a missing file and logs it', async () => {
  const failing: ArtifactSource = {
    byDebugId: () => Promise.reject(new Error('metadata store down')),
    byUrl: () => Promise.reject(new Error('metadata store down')),
  };
  const logger = { warn: vi.fn(), error: vi.fn() };
  const w = work(payload);
  await new JsSymbolicator(failing, { logger }).symbolicate([w]);
  expect(logger.warn).toHaveBeenCalled();
  expect(logger.error).not.toHaveBeenCalled();
  expect(eventOf(w).errors).toContainEqual({
    symbolicator_type: 'missing_source',
    type: 'js_no_source',
    url: bundle.file,
  });
});

describe('ArtifactCache', () => {
  const found = (key: string, content: Buffer): { file: ArtifactFile; key: string } => ({
    key,
    file: { url: key, type: 'source_map', headers: {}, content, resolvedWith: 'debug-id' },
  });

  it('parses a source map once per artifact and again when its bytes change', () => {
    const cache = new ArtifactCache();
    const minifiedFound = found('min', bundle.minified);
    const minified = { found: minifiedFound, text: cache.text(minifiedFound) };
    const first = cache.view(minified, { found: found('map', bundle.sourceMap) });
    expect(first).toBeInstanceOf(SourceMapView);
    // The same bytes in another buffer (a store without a cache of its own) are the same artifact.
    expect(cache.view(minified, { found: found('map', Buffer.from(bundle.sourceMap)) })).toBe(first);
    const reuploaded = Buffer.from(bundle.sourceMap.toString('utf8').replace('"version":3', '"version": 3'));
    const second = cache.view(minified, { found: found('map', reuploaded) });
    expect(second).toBeInstanceOf(SourceMapView);
    expect(second).not.toBe(first);
    expect(cache.bytes).toBeGreaterThan(0);
  });

  it('stays within its byte bound', () => {
    const cache = new ArtifactCache(bundle.minified.length * 4 * 3);
    for (let i = 0; i < 10; i++) cache.text(found(`file-${i}`, bundle.minified));
    expect(cache.bytes).toBeLessThanOrEqual(bundle.minified.length * 4 * 3);
  });
});
