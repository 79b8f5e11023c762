// JavaScript symbolication of real events: esbuild bundles and minifies a small app with a source
// map, `sentry-cli sourcemaps inject` adds the debug id, and @sentry/node captures an error
// thrown inside the bundle (tests/helpers/js-bundle.ts); the artifacts are served from memory
// as sentry-cli's bundles would be (reference/sentry-semantics.md §8.3, §9).
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import { processErrorPayload } from '../items/errors/process.js';
import {
  buildBundle,
  captureSdkEvent,
  loadBundle,
  uploadedFiles,
  type JsBundle,
} from '../../../tests/helpers/js-bundle.js';
import { ArtifactCache, BatchLookups } from './artifacts.js';
import { MemoryArtifactSource } from './memory-artifact-source.js';
import { needsSymbolication, symbolicateEvent } from './symbolicate-event.js';

const CONFIG_JS = `export class ConfigLoader {
  constructor(source) {
    this.source = source;
  }

  parseConfig(text) {
    const entries = text.split(';');
    return entries.map((entry) => this.parseEntry(entry));
  }

  parseEntry(entry) {
    if (!entry.includes('=')) {
      throw new Error(\`invalid config entry: \${entry}\`);
    }
    const [key, value] = entry.split('=');
    return { key, value };
  }
}
`;

const MAIN_JS = `import { ConfigLoader } from './config.js';
import { strictParse } from 'tiny-parse';

export function loadSettings(text) {
  const loader = new ConfigLoader('inline');
  return loader.parseConfig(text);
}

export function run(text) {
  return loadSettings(text);
}

export const runStrict = (text) => strictParse(text);
`;

const TINY_PARSE = `export function strictParse(text) {
  if (text.includes('!')) throw new TypeError('strict parse failed: ' + text);
  return text;
}
`;

const SOURCES = {
  'src/config.js': CONFIG_JS,
  'src/main.js': MAIN_JS,
  'node_modules/tiny-parse/package.json': '{"name":"tiny-parse","module":"index.js","main":"index.js"}',
  'node_modules/tiny-parse/index.js': TINY_PARSE,
};

interface App {
  run(text: string): unknown;
  runStrict(text: string): unknown;
}

type Frame = JsonObject & { data?: JsonObject };

function exceptionOf(event: JsonObject): JsonObject {
  return ((event.exception as JsonObject).values as JsonObject[])[0]!;
}
function framesOf(event: JsonObject, key: 'stacktrace' | 'raw_stacktrace' = 'stacktrace'): Frame[] {
  return (exceptionOf(event)[key] as { frames: Frame[] }).frames;
}
/** The frames of the bundle (the SDK names the minified file; symbolicated ones name the sources). */
function bundleFrames(event: JsonObject, bundle: JsBundle): Frame[] {
  return framesOf(event).filter((f) => String(f.abs_path ?? f.filename).startsWith(bundle.dir));
}

async function symbolicate(event: JsonObject, source: MemoryArtifactSource): Promise<boolean> {
  return symbolicateEvent(event, {
    projectId: 1,
    lookups: new BatchLookups(source, (err) => {
      throw err;
    }),
    cache: new ArtifactCache(),
  });
}

let bundle: JsBundle;
let sdkEvent: JsonObject;

beforeAll(async () => {
  bundle = await buildBundle({ entry: 'src/main.js', sources: SOURCES });
  const app = loadBundle<App>(bundle);
  sdkEvent = (await captureSdkEvent(() => app.run('a=1;bad'), { release: 'app@1.0.0' })) as JsonObject;
}, 60_000);

const fresh = (): JsonObject => structuredClone(sdkEvent);

describe('an event with a sourcemap debug image', () => {
  let event: JsonObject;
  beforeAll(async () => {
    const source = new MemoryArtifactSource();
    // A bundle uploaded without release: only debug ids can find it.
    source.add({ projectId: 1, files: uploadedFiles(bundle) });
    event = fresh();
    expect(await symbolicate(event, source)).toBe(true);
  });

  it('is what the SDK sends: frames in the minified file and a debug image for it', () => {
    expect(sdkEvent.platform).toBe('node');
    expect(sdkEvent.debug_meta).toEqual({
      images: [{ type: 'sourcemap', code_file: bundle.file, debug_id: bundle.debugId }],
    });
    expect(bundleFrames(sdkEvent, bundle).every((f) => f.filename === bundle.file && f.lineno === 3)).toBe(
      true,
    );
  });

  it('resolves the crashing frame to its original function, file, position and source context', () => {
    const frames = framesOf(event);
    const crashing = frames[frames.length - 1]!;
    const sdkCrashing = framesOf(sdkEvent).at(-1)!;
    expect(crashing).toEqual({
      ...sdkCrashing,
      function: 'ConfigLoader.parseEntry',
      filename: '../src/config.js',
      abs_path: path.join(bundle.dir, 'src/config.js'),
      lineno: 13,
      colno: 13,
      pre_context: [
        '    return entries.map((entry) => this.parseEntry(entry));',
        '  }',
        '',
        '  parseEntry(entry) {',
        "    if (!entry.includes('=')) {",
      ],
      context_line: '      throw new Error(`invalid config entry: ${entry}`);',
      post_context: [
        '    }',
        "    const [key, value] = entry.split('=');",
        '    return { key, value };',
        '  }',
        '}',
      ],
      in_app: true,
      data: { sourcemap: bundle.mapFile, resolved_with: 'debug-id', symbolicated: true },
    });
  });

  it('names every frame of the bundle after its enclosing function in the original source', () => {
    expect(bundleFrames(event, bundle).map((f) => [f.function, f.filename, f.lineno])).toEqual([
      ['run', '../src/main.js', 10],
      ['loadSettings', '../src/main.js', 6],
      ['ConfigLoader.parseConfig', '../src/config.js', 8],
      // An anonymous arrow keeps the SDK's name when the caller's call site names nothing.
      ['?', '../src/config.js', 8],
      ['ConfigLoader.parseEntry', '../src/config.js', 13],
    ]);
    expect(bundleFrames(event, bundle).every((f) => f.data?.symbolicated === true)).toBe(true);
  });

  it('keeps the minified frames, with the minified context, as raw_stacktrace', () => {
    const raw = framesOf(event, 'raw_stacktrace');
    const sdkFrames = framesOf(sdkEvent);
    expect(raw).toHaveLength(sdkFrames.length);
    for (const [i, frame] of raw.entries()) {
      const sdkFrame = sdkFrames[i]!;
      expect(frame.function).toBe(sdkFrame.function);
      expect(frame.lineno).toBe(sdkFrame.lineno);
      expect(frame.abs_path).toBe(sdkFrame.filename);
    }
    const rawCrashing = raw.at(-1)!;
    // One long minified line, cut around the column.
    expect(rawCrashing.context_line).toMatch(
      /^\{snip\} .*throw new Error\(`invalid config entry: \$\{\w+\}`\).* \{snip\}$/,
    );
    expect(rawCrashing.post_context).toEqual([
      '//# sourceMappingURL=app.min.js.map',
      '',
      `//# debugId=${bundle.debugId}`,
    ]);
    expect(rawCrashing.data).toBeUndefined();
  });

  it('leaves Node built-ins and frames without a position alone, not in-app', () => {
    const builtIns = framesOf(event).filter((f) => String(f.filename).startsWith('node:'));
    expect(builtIns.length).toBeGreaterThan(0);
    for (const frame of builtIns) {
      expect(frame.in_app).toBe(false);
      expect(frame.data).toBeUndefined();
      expect(frame.abs_path).toBeUndefined();
    }
    const arrayMap = framesOf(event).find((f) => f.function === 'Array.map')!;
    expect(arrayMap).toEqual(framesOf(sdkEvent).find((f) => f.function === 'Array.map'));
  });

  it('reports files without artifacts as js_no_source, except under node_modules', () => {
    const errors = event.errors as JsonObject[];
    // The test's own files have no artifacts (vitest's frames in node_modules are not reported).
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error).toEqual({ symbolicator_type: 'missing_source', type: 'js_no_source', url: error.url });
      expect(String(error.url)).not.toContain('node_modules');
      expect(String(error.url).startsWith(bundle.dir)).toBe(false);
    }
    expect(new Set(errors.map((e) => e.url)).size).toBe(errors.length);
  });
});

it('finds artifacts by release and URL when the build has no debug ids', async () => {
  const plain = await buildBundle({ entry: 'src/main.js', sources: SOURCES, inject: false });
  const app = loadBundle<App>(plain);
  const event = (await captureSdkEvent(() => app.run('x'), {
    release: 'app@2.0.0',
    dist: '7',
  })) as JsonObject;
  expect(event.debug_meta).toBeUndefined();
  const source = new MemoryArtifactSource();
  source.add({ projectId: 1, release: 'app@2.0.0', dist: '7', files: uploadedFiles(plain) });
  expect(await symbolicate(event, source)).toBe(true);
  const crashing = framesOf(event).at(-1)!;
  expect([crashing.function, crashing.filename, crashing.lineno]).toEqual([
    'ConfigLoader.parseEntry',
    '../src/config.js',
    13,
  ]);
  expect(crashing.data).toEqual({ sourcemap: plain.mapFile, resolved_with: 'release', symbolicated: true });
});

it('marks frames of node_modules sources as not in-app', async () => {
  const app = loadBundle<App>(bundle);
  const event = (await captureSdkEvent(() => app.runStrict('oops!'), { release: 'app@1.0.0' })) as JsonObject;
  expect(framesOf(event).at(-1)!.in_app).toBe(true);
  const source = new MemoryArtifactSource();
  source.add({ projectId: 1, files: uploadedFiles(bundle) });
  await symbolicate(event, source);
  const crashing = framesOf(event).at(-1)!;
  expect([crashing.function, crashing.filename, crashing.in_app]).toEqual([
    'strictParse',
    '../node_modules/tiny-parse/index.js',
    false,
  ]);
  expect(crashing.context_line).toBe(
    "  if (text.includes('!')) throw new TypeError('strict parse failed: ' + text);",
  );
});

it("gives webpack sources Sentry's filename, module and in-app flag", async () => {
  // The same map with its sources under `webpack:///`, as webpack writes them.
  const map = JSON.parse(bundle.sourceMap.toString('utf8')) as JsonObject;
  map.sourceRoot = 'webpack:///';
  const source = new MemoryArtifactSource();
  source.add({ projectId: 1, files: uploadedFiles(bundle, JSON.stringify(map)) });
  const event = fresh();
  await symbolicate(event, source);
  const frames = bundleFrames(sdkEvent, bundle).length;
  const resolved = framesOf(event).filter((f) => String(f.abs_path).startsWith('webpack:'));
  expect(resolved).toHaveLength(frames);
  expect(resolved.at(-1)).toMatchObject({
    abs_path: 'webpack:///../src/config.js',
    filename: '../src/config.js',
    module: 'src/config',
    in_app: true,
    function: 'ConfigLoader.parseEntry',
  });
});

describe('resolution errors', () => {
  it('js_no_source for a minified file whose source map was not uploaded', async () => {
    const source = new MemoryArtifactSource();
    source.add({ projectId: 1, files: uploadedFiles(bundle).slice(0, 1) });
    const event = fresh();
    await symbolicate(event, source);
    const crashing = framesOf(event).at(-1)!;
    expect(crashing.function).toBe(framesOf(sdkEvent).at(-1)!.function);
    expect(crashing.data).toEqual({ symbolicated: false });
    // The minified file's context stands in for the original's.
    expect(crashing.context_line).toBe(framesOf(event, 'raw_stacktrace').at(-1)!.context_line);
    expect(event.errors).toContainEqual({
      symbolicator_type: 'missing_sourcemap',
      type: 'js_no_source',
      url: bundle.file,
    });
  });

  it('js_no_source for a frame whose minified file was not uploaded', async () => {
    const event = fresh();
    await symbolicate(event, new MemoryArtifactSource());
    expect(
      bundleFrames(event, bundle).every(
        (f) => f.data?.symbolicated === false && f.context_line === undefined,
      ),
    ).toBe(true);
    expect(event.errors).toContainEqual({
      symbolicator_type: 'missing_source',
      type: 'js_no_source',
      url: bundle.file,
    });
  });

  it('js_invalid_source for a source map that does not parse', async () => {
    const source = new MemoryArtifactSource();
    source.add({
      projectId: 1,
      files: uploadedFiles(bundle, '{"version":3,"sources":[],"mappings":'.repeat(2)),
    });
    const event = fresh();
    await symbolicate(event, source);
    expect(framesOf(event).at(-1)!.data).toEqual({ resolved_with: 'debug-id', symbolicated: false });
    expect(event.errors).toContainEqual({
      symbolicator_type: 'malformed_sourcemap',
      type: 'js_invalid_source',
      url: bundle.mapFile,
    });
  });

  it('js_invalid_sourcemap_location for a map without mappings', async () => {
    const empty = JSON.stringify({ version: 3, sources: ['../src/config.js'], names: [], mappings: '' });
    const source = new MemoryArtifactSource();
    source.add({ projectId: 1, files: uploadedFiles(bundle, empty) });
    const event = fresh();
    await symbolicate(event, source);
    const sdkCrashing = framesOf(sdkEvent).at(-1)!;
    expect(event.errors).toContainEqual({
      symbolicator_type: 'invalid_location',
      type: 'js_invalid_sourcemap_location',
      column: sdkCrashing.colno,
      row: sdkCrashing.lineno,
      source: bundle.file,
    });
  });

  describe('a source map without sourcesContent', () => {
    let noContent: JsBundle;
    let event: JsonObject;
    beforeAll(async () => {
      noContent = await buildBundle({
        entry: 'src/main.js',
        sources: SOURCES,
        esbuild: { sourcesContent: false },
      });
      const app = loadBundle<App>(noContent);
      event = (await captureSdkEvent(() => app.run('nope'), { release: 'app@3.0.0' })) as JsonObject;
    }, 60_000);

    it('resolves the position and reports js_missing_sources_content', async () => {
      const source = new MemoryArtifactSource();
      source.add({ projectId: 1, files: uploadedFiles(noContent) });
      const copy = structuredClone(event);
      await symbolicate(copy, source);
      const crashing = framesOf(copy).at(-1)!;
      expect([crashing.function, crashing.lineno, crashing.context_line]).toEqual([
        'ConfigLoader.parseEntry',
        13,
        undefined,
      ]);
      expect(copy.errors).toContainEqual({
        symbolicator_type: 'missing_source_content',
        type: 'js_missing_sources_content',
        source: path.join(noContent.dir, 'src/config.js'),
        sourcemap: noContent.mapFile,
      });
    });

    it('takes the context from the original file when it was uploaded for the release', async () => {
      const source = new MemoryArtifactSource();
      source.add({ projectId: 1, files: uploadedFiles(noContent) });
      source.add({
        projectId: 1,
        release: 'app@3.0.0',
        files: [
          { url: `~${path.join(noContent.dir, 'src/config.js')}`, type: 'source', content: CONFIG_JS },
          { url: `~${path.join(noContent.dir, 'src/main.js')}`, type: 'source', content: MAIN_JS },
        ],
      });
      const copy = structuredClone(event);
      await symbolicate(copy, source);
      expect(framesOf(copy).at(-1)!.context_line).toBe(
        '      throw new Error(`invalid config entry: ${entry}`);',
      );
      expect((copy.errors as JsonObject[]).map((e) => e.type)).not.toContain('js_missing_sources_content');
    });
  });
});

describe('events symbolication leaves alone', () => {
  it('a Python event with a release', async () => {
    const event: JsonObject = {
      platform: 'python',
      release: 'app@1.0.0',
      exception: {
        values: [
          {
            type: 'ValueError',
            stacktrace: { frames: [{ abs_path: '/app/x.py', lineno: 3, function: 'f' }] },
          },
        ],
      },
    };
    const before = structuredClone(event);
    expect(await symbolicate(event, new MemoryArtifactSource())).toBe(false);
    expect(event).toEqual(before);
  });

  it('a JavaScript event with neither release nor debug images', async () => {
    const event = fresh();
    delete event.release;
    delete event.debug_meta;
    expect(needsSymbolication(event)).toBe(false);
    const before = structuredClone(event);
    expect(await symbolicate(event, new MemoryArtifactSource())).toBe(false);
    expect(event).toEqual(before);
  });

  it('a JavaScript message without stack traces', async () => {
    const event: JsonObject = { platform: 'javascript', release: 'web@1', message: 'hello' };
    expect(await symbolicate(event, new MemoryArtifactSource())).toBe(false);
    expect(event).toEqual({ platform: 'javascript', release: 'web@1', message: 'hello' });
  });
});

describe('grouping', () => {
  const ctx = { projectId: 1, receivedAt: Date.now() / 1000, clientIp: '127.0.0.1' };
  let minified: { bundle: JsBundle; event: JsonObject };
  let readable: { bundle: JsBundle; event: JsonObject };

  /** The same call, so that the test's own frames are the same for both builds. */
  const capture = async (build: JsBundle): Promise<JsonObject> => {
    const app = loadBundle<App>(build);
    return (await captureSdkEvent(() => app.run('k=v;broken'), { release: 'app@4.0.0' })) as JsonObject;
  };

  beforeAll(async () => {
    // Two builds of the same source to the same path, minified differently: other function
    // names and columns in the minified file.
    const first = await buildBundle({ entry: 'src/main.js', sources: SOURCES });
    minified = { bundle: first, event: await capture(first) };
    const second = await buildBundle({
      entry: 'src/main.js',
      sources: SOURCES,
      dir: first.dir,
      esbuild: { minify: false, minifyWhitespace: true, minifySyntax: true },
    });
    readable = { bundle: second, event: await capture(second) };
    // Each event names its own build.
    expect(JSON.stringify(minified.event.debug_meta)).toContain(first.debugId);
    expect(JSON.stringify(readable.event.debug_meta)).toContain(second.debugId);
    expect(first.debugId).not.toBe(second.debugId);
  }, 60_000);

  const hashes = (event: JsonObject): string[] => {
    const result = processErrorPayload(structuredClone(event), ctx);
    if (result.kind !== 'ok') throw new Error(`dropped: ${result.reason}`);
    return result.value.hashes;
  };

  it('puts the minified events of two builds in different groups', () => {
    expect(framesOf(minified.event).at(-1)!.function).not.toBe(framesOf(readable.event).at(-1)!.function);
    expect(hashes(minified.event)).not.toEqual(hashes(readable.event));
  });

  it('puts them in one group once resolved, by the original source (not raw_stacktrace)', async () => {
    const source = new MemoryArtifactSource();
    source.add({ projectId: 1, files: uploadedFiles(minified.bundle) });
    source.add({ projectId: 1, files: uploadedFiles(readable.bundle) });
    const a = structuredClone(minified.event);
    const b = structuredClone(readable.event);
    await symbolicate(a, source);
    await symbolicate(b, source);
    expect(framesOf(a).at(-1)!.context_line).toBe(framesOf(b).at(-1)!.context_line);
    expect(hashes(a)).toEqual(hashes(b));
    expect(hashes(a)).not.toEqual(hashes(minified.event));
  });
});
