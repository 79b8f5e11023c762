// A processing thread's symbolication step over a batch of events: which events it resolves or
// leaves alone, how often it asks the artifact source, what a failure leaves, and the parsed-map
// cache.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import {
  buildBundle,
  captureSdkEvent,
  loadBundle,
  uploadedFiles,
  type JsBundle,
} from '../../../tests/helpers/js-bundle.js';
import type { ArtifactFile, ArtifactSource } from './artifact-source.js';
import { ArtifactCache } from './artifacts.js';
import { JsSymbolicator } from './js-symbolicator.js';
import { MemoryArtifactSource } from './memory-artifact-source.js';
import { SourceMapView } from './source-map-view.js';
import { CountingArtifactSource } from '../../../tests/helpers/counting-artifact-source.js';

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

beforeAll(async () => {
  bundle = await buildBundle({ entry: 'src/checkout.js', sources: { 'src/checkout.js': SOURCE } });
  const app = loadBundle<{ checkout(cart: unknown[]): number }>(bundle);
  payload = Buffer.from(JSON.stringify(await captureSdkEvent(() => app.checkout([]), { release: 'shop@1' })));
  memory = new MemoryArtifactSource();
  memory.add({ projectId: 1, files: uploadedFiles(bundle) });
}, 60_000);

const eventOf = (bytes: Buffer): JsonObject => JSON.parse(bytes.toString('utf8')) as JsonObject;
const crashingFrame = (event: JsonObject): JsonObject =>
  (
    ((event.exception as JsonObject).values as JsonObject[])[0]!.stacktrace as { frames: JsonObject[] }
  ).frames.at(-1)!;

it('symbolicates a JavaScript event in place', async () => {
  const event = eventOf(payload);
  expect(await new JsSymbolicator().batch(memory).symbolicate(event, 1)).toBe(true);
  const frame = crashingFrame(event);
  expect([frame.function, frame.filename, frame.lineno, frame.context_line]).toEqual([
    'checkout',
    '../src/checkout.js',
    3,
    "    throw new RangeError('empty cart');",
  ]);
});

it('leaves other events as they are, without a lookup', async () => {
  const python: JsonObject = {
    platform: 'python',
    release: '1.0',
    exception: { values: [{ type: 'E', stacktrace: { frames: [{ abs_path: '/a.py', lineno: 1 }] } }] },
  };
  const noRelease = { ...eventOf(payload), release: undefined, debug_meta: undefined };
  const before = structuredClone([python, noRelease]);
  const source = new CountingArtifactSource(memory);
  const batch = new JsSymbolicator().batch(source);
  expect(await batch.symbolicate(python, 1)).toBe(false);
  expect(await batch.symbolicate(noRelease, 1)).toBe(false);
  expect([python, noRelease]).toEqual(before);
  expect(source.calls).toEqual([]);
  // Project 2 has no artifacts: still symbolicated (errors).
  const other = eventOf(payload);
  expect(await batch.symbolicate(other, 2)).toBe(true);
  expect((other.errors as JsonObject[]).map((e) => e.url)).toContain(bundle.file);
});

it('asks the source once per distinct lookup in a batch', async () => {
  const source = new CountingArtifactSource(memory);
  const batch = new JsSymbolicator().batch(source);
  const events = Array.from({ length: 20 }, () => eventOf(payload));
  await Promise.all(events.map((event) => batch.symbolicate(event, 1)));
  expect(source.calls.length).toBeGreaterThan(0);
  expect(new Set(source.calls).size).toBe(source.calls.length);
  expect(source.calls).toContain(`${bundle.debugId} minified_source`);
  expect(source.calls).toContain(`${bundle.debugId} source_map`);
  expect(new Set(events.map((event) => JSON.stringify(event))).size).toBe(1);
});

it('counts a failing lookup as a missing file and logs it', async () => {
  const failing: ArtifactSource = {
    byDebugId: () => Promise.reject(new Error('metadata store down')),
    byUrl: () => Promise.reject(new Error('metadata store down')),
  };
  const logger = { warn: vi.fn(), error: vi.fn() };
  const event = eventOf(payload);
  await new JsSymbolicator({ logger }).batch(failing).symbolicate(event, 1);
  expect(logger.warn).toHaveBeenCalled();
  expect(logger.error).not.toHaveBeenCalled();
  expect(event.errors).toContainEqual({
    symbolicator_type: 'missing_source',
    type: 'js_no_source',
    url: bundle.file,
  });
});

it('leaves the event as it was when symbolication throws (a bug), and logs it', async () => {
  // A minified file whose headers throw when read: its frames fail, in the thread's stack trace,
  // after the exception's stack trace (the test's own frames, without artifacts) was done.
  const broken: ArtifactSource = {
    byDebugId: async (projectId, debugId, type) => {
      const file = await memory.byDebugId(projectId, debugId, type);
      if (file === undefined || type !== 'minified_source') return file;
      const headers = new Proxy(
        {},
        {
          get: () => {
            throw new Error('bug');
          },
        },
      );
      return { ...file, headers };
    },
    byUrl: (...args) => memory.byUrl(...args),
  };
  const logger = { warn: vi.fn(), error: vi.fn() };
  const event = eventOf(payload);
  const exception = ((event.exception as JsonObject).values as JsonObject[])[0]!;
  const frames = (exception.stacktrace as { frames: JsonObject[] }).frames;
  event.threads = { values: [{ stacktrace: { frames } }] };
  exception.stacktrace = { frames: frames.filter((f) => f.filename !== bundle.file) };
  const before = structuredClone(event);
  expect(await new JsSymbolicator({ logger }).batch(broken).symbolicate(event, 1)).toBe(false);
  expect(logger.error).toHaveBeenCalledOnce();
  expect(event).toEqual(before);
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
