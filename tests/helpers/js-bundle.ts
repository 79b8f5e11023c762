// Real minified bundles for source-map tests: esbuild bundles and minifies a small app with a
// source map, `sentry-cli sourcemaps inject` adds the debug id (snippet, `//# debugId=` comment,
// `debug_id` in the map) as it does in a user's build, and the real @sentry/node SDK captures an
// error thrown inside the bundle, so frames and `debug_meta` are what the SDK really sends.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import * as Sentry from '@sentry/node';
import type { MemoryArtifactFile } from '../../src/processing/sourcemaps/memory-artifact-source.js';

const require = createRequire(import.meta.url);
const SENTRY_CLI = path.resolve('node_modules/.bin/sentry-cli');

/** A built bundle on disk. */
export interface JsBundle {
  /** The build directory (sources under it as given). */
  dir: string;
  /** Absolute path of the minified file (what Node's stack traces name). */
  file: string;
  mapFile: string;
  minified: Buffer;
  sourceMap: Buffer;
  /** The debug id sentry-cli injected (`undefined` when built with `inject: false`). */
  debugId: string | undefined;
}

/** What to build: source files by relative path, the entry, the output name and esbuild options. */
export interface BundleSpec {
  sources: Record<string, string>;
  entry: string;
  /** Output file relative to the build directory; default `dist/app.min.js`. */
  outfile?: string;
  esbuild?: BuildOptions;
  /** Run `sentry-cli sourcemaps inject` (default true). */
  inject?: boolean;
  /** Build directory (sources are written into it); default a fresh temporary one. */
  dir?: string;
}

/** Builds `spec` in a fresh temporary directory: esbuild (CommonJS for Node, minified, source map), then sentry-cli. */
export async function buildBundle(spec: BundleSpec): Promise<JsBundle> {
  const dir = spec.dir ?? mkdtempSync(path.join(os.tmpdir(), 'vigil-js-bundle-'));
  for (const [name, text] of Object.entries(spec.sources)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  const outfile = path.join(dir, spec.outfile ?? 'dist/app.min.js');
  await build({
    entryPoints: [path.join(dir, spec.entry)],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'cjs',
    platform: 'node',
    outfile,
    logLevel: 'silent',
    ...spec.esbuild,
  });
  if (spec.inject !== false)
    execFileSync(SENTRY_CLI, ['sourcemaps', 'inject', path.dirname(outfile)], { stdio: 'pipe' });
  const minified = readFileSync(outfile);
  const debugId = /\/\/# debugId=([0-9a-f-]+)/.exec(minified.toString('utf8'))?.[1];
  return {
    dir,
    file: outfile,
    mapFile: `${outfile}.map`,
    minified,
    sourceMap: readFileSync(`${outfile}.map`),
    debugId,
  };
}

let loads = 0;

/** Loads the bundle (CommonJS) as Node would, returning its exports; a rebuilt file is loaded anew. */
export function loadBundle<T>(bundle: JsBundle): T {
  delete require.cache[require.resolve(bundle.file)];
  const exports = require(bundle.file) as T;
  // The injected snippet registers the debug id under the stack of its load, which is the same
  // for a rebuilt file loaded from the same place, and the SDK re-reads the registrations only
  // when their count changes: an empty entry (ignored by the SDK) makes it see the new debug id.
  // Only a test loads two builds of one path into one process.
  const registry = (globalThis as { _sentryDebugIds?: Record<string, string> })._sentryDebugIds;
  if (registry !== undefined) registry[`vigil-test-reload-${++loads}`] = '';
  return exports;
}

/**
 * The event @sentry/node sends for the error `run` throws, captured by a transport that keeps
 * the envelope instead of sending it. `options` go to `Sentry.init` (release, dist, ...).
 */
export async function captureSdkEvent(
  run: () => unknown,
  options: Partial<Sentry.NodeOptions> = {},
): Promise<Record<string, unknown>> {
  /** The envelope as the SDK hands it to its transport: headers, then `[item headers, payload]` pairs. */
  let envelope: [unknown, Array<[{ type?: string }, unknown]>] | undefined;
  Sentry.init({
    dsn: 'http://public@127.0.0.1:9/1',
    defaultIntegrations: false,
    transport: () => ({
      send: (sent) => {
        envelope = sent as unknown as typeof envelope;
        return Promise.resolve({});
      },
      flush: () => Promise.resolve(true),
    }),
    ...options,
  });
  try {
    run();
    throw new Error('expected the bundle to throw');
  } catch (err) {
    Sentry.captureException(err);
  }
  await Sentry.flush(2000);
  await Sentry.close(2000);
  const item = envelope?.[1].find(([headers]) => headers.type === 'event');
  if (item === undefined) throw new Error('the SDK sent no event');
  return JSON.parse(JSON.stringify(item[1])) as Record<string, unknown>;
}

/**
 * What `sentry-cli sourcemaps upload` puts in a bundle for a build: the minified file and its map
 * (`mapContent`, default the build's) under `~/<path>`, linked by the `sourcemap` header and by
 * their debug id when the build has one.
 */
export function uploadedFiles(
  bundle: JsBundle,
  mapContent: Buffer | string = bundle.sourceMap,
): MemoryArtifactFile[] {
  const debugId: Record<string, string> = bundle.debugId === undefined ? {} : { 'debug-id': bundle.debugId };
  return [
    {
      url: `~${bundle.file}`,
      type: 'minified_source',
      headers: { ...debugId, sourcemap: path.basename(bundle.mapFile) },
      content: bundle.minified,
    },
    { url: `~${bundle.mapFile}`, type: 'source_map', headers: debugId, content: mapContent },
  ];
}
