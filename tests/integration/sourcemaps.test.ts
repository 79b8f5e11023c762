// JavaScript source maps through the in-process server (issue 5; reference/sentry-semantics.md
// §9): two builds of one app, minified differently and given debug ids by
// `sentry-cli sourcemaps inject`, throw the same error under the real @sentry/node SDK, which
// sends the events to Vigil. With the builds' artifacts available (an in-memory artifact source
// standing in for uploaded bundles), both events are resolved to the original source before
// grouping, group into one issue, and are served with the original frames, the minified ones
// as `rawStacktrace`, and the resolution errors. Processing runs on the main thread here;
// sourcemaps-workers.test.ts runs it on worker threads.
import path from 'node:path';
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { MemoryArtifactSource } from '../../src/processing/sourcemaps/index.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { buildBundle, loadBundle, uploadedFiles, type JsBundle } from '../helpers/js-bundle.js';

type Json = Record<string, unknown>;

const SOURCES = {
  'src/cart.js': `export class Cart {
  constructor() {
    this.items = [];
  }

  add(item) {
    if (item.quantity <= 0) {
      throw new RangeError(\`invalid quantity for \${item.sku}\`);
    }
    this.items.push(item);
  }
}
`,
  'src/main.js': `import { Cart } from './cart.js';

export function checkout(items) {
  const cart = new Cart();
  items.forEach((item) => cart.add(item));
  return cart;
}
`,
};

let server: TestVigil;
let vigil: Vigil;
const artifacts = new MemoryArtifactSource();

/** What `sentry-cli sourcemaps upload` sends for a build: its minified file and map, linked by debug id. */
function upload(build: JsBundle): void {
  artifacts.add({ projectId: server.projectId, files: uploadedFiles(build) });
}

beforeAll(async () => {
  server = await startTestVigil('sourcemaps', undefined, { vigil: { artifacts } });
  vigil = server.vigil;
}, 120_000);

afterAll(async () => {
  await Sentry.close(2000);
  await server?.close();
});

async function api(url: string): Promise<unknown> {
  const res = await vigil.app.inject({ url, headers: { authorization: `Bearer ${vigil.adminToken}` } });
  expect(res.statusCode).toBe(200);
  return res.json();
}

it('groups the errors of two differently minified builds into one issue of the original source', async () => {
  Sentry.init({ dsn: vigil.dsn, release: 'shop@1.4.0', defaultIntegrations: false });
  const first = await buildBundle({ entry: 'src/main.js', sources: SOURCES });
  const builds = [first];
  const stacks: string[] = [];
  const throwIn = (build: JsBundle): void => {
    upload(build);
    const app = loadBundle<{ checkout(items: unknown[]): unknown }>(build);
    try {
      app.checkout([{ sku: 'A-1', quantity: 0 }]);
    } catch (err) {
      stacks.push((err as Error).stack!);
      Sentry.captureException(err);
    }
  };
  throwIn(first);
  // The next deploy: the same source, minified differently, at the same path.
  builds.push(
    await buildBundle({
      entry: 'src/main.js',
      sources: SOURCES,
      dir: first.dir,
      esbuild: { minify: false, minifyWhitespace: true, minifySyntax: true },
    }),
  );
  throwIn(builds[1]!);
  // The minified builds name the throwing function differently.
  const throwing = stacks.map((stack) => stack.split('\n')[1]!.trim().split(' (')[0]);
  expect(throwing[0]).not.toBe(throwing[1]);
  await expect(Sentry.flush(5000)).resolves.toBe(true);
  await vigil.flush();

  const issues = (await api('/api/0/projects/vigil/default/issues/?query=is:unresolved')) as Json[];
  expect(issues.map((i) => [i.title, i.culprit, i.count])).toEqual([
    // The culprit names the SDK's module of the frame, which symbolication keeps (Sentry's merge).
    ['RangeError: invalid quantity for A-1', 'Cart.add(app.min)', '2'],
  ]);

  const event = (await api(`/api/0/issues/${String(issues[0]!.id)}/events/latest/`)) as Json;
  const exception = (
    (event.entries as Json[]).find((e) => e.type === 'exception')!.data as { values: Json[] }
  ).values[0]!;
  const frames = (exception.stacktrace as { frames: Json[] }).frames;
  const crashing = frames.at(-1)!;
  expect(crashing).toMatchObject({
    function: 'Cart.add',
    filename: '../src/cart.js',
    absPath: path.join(builds[0]!.dir, 'src/cart.js'),
    lineNo: 8,
    inApp: true,
    context: [
      [3, '    this.items = [];'],
      [4, '  }'],
      [5, ''],
      [6, '  add(item) {'],
      [7, '    if (item.quantity <= 0) {'],
      [8, '      throw new RangeError(`invalid quantity for ${item.sku}`);'],
      [9, '    }'],
      [10, '    this.items.push(item);'],
      [11, '  }'],
      [12, '}'],
    ],
  });
  const sourceFrames = frames.filter((f) => String(f.absPath).startsWith(path.join(first.dir, 'src')));
  expect(sourceFrames.map((f) => [f.function, f.filename, f.lineNo])).toEqual([
    ['checkout', '../src/main.js', 5],
    // The anonymous callback keeps the SDK's `?`: its caller's call site maps to no name.
    ['?', '../src/main.js', 5],
    ['Cart.add', '../src/cart.js', 8],
  ]);

  // The latest event came from the second build: its minified frame is kept as raw_stacktrace.
  const raw = (exception.rawStacktrace as { frames: Json[] }).frames.at(-1)!;
  expect([raw.absPath, raw.function, raw.lineNo]).toEqual([
    builds[1]!.file,
    throwing[1]!.slice('at '.length),
    3,
  ]);

  // The test's own file has no artifacts.
  const errors = event.errors as Json[];
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(error).toMatchObject({ type: 'js_no_source', message: 'Source code was not found' });
    expect(String((error.data as Json).url)).not.toContain(first.dir);
  }
});
