// JavaScript symbolication on real processing threads (reference/sentry-semantics.md §9; the
// worker script bundled from the sources, tests/helpers/processing-worker.ts): the worker parses
// source maps and maps frames, the main thread only answers its artifact lookups. Events of the
// real @sentry/node SDK, thrown in bundles built by esbuild and given debug ids by
// `sentry-cli sourcemaps inject`; the artifacts come from an in-memory source that counts the
// lookups reaching the main thread.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { MemoryArtifactSource } from '../../src/processing/sourcemaps/index.js';
import { CountingArtifactSource } from '../helpers/counting-artifact-source.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { buildBundle, loadBundle, uploadedFiles, type JsBundle } from '../helpers/js-bundle.js';
import { bundleProcessingWorker, type BundledWorker } from '../helpers/processing-worker.js';

type Json = Record<string, unknown>;

const CART_JS = `export function addToCart(cart, item) {
  if (item.quantity <= 0) {
    throw new RangeError('invalid quantity for ' + item.sku);
  }
  cart.push(item);
  return cart;
}
`;

/** Only the source map's `sourcesContent` holds it: a parse of the map on the main thread would show it. */
const MAP_ONLY_MARKER = 'map-only-marker-6f1d2c';
const HANDLERS = 20_000;

/** A big app: many handlers, one of which throws (a source map of several megabytes). */
function bigApp(): string {
  const handlers = Array.from(
    { length: HANDLERS },
    (_, i) => `function handler${i}(input) {
  const label = 'handler number ${i} of the generated application';
  if (input === ${i} && input % 2 === 1) throw new RangeError('handler failed for input ' + input);
  return label.length + input;
}`,
  );
  return `// ${MAP_ONLY_MARKER}\n${handlers.join('\n')}\nconst handlers = [${handlers.map((_, i) => `handler${i}`).join(', ')}];\nexport function dispatch(input) {\n  return handlers[input](input);\n}\n`;
}

let worker: BundledWorker;
let server: TestVigil;
const memory = new MemoryArtifactSource();
const artifacts = new CountingArtifactSource(memory);

/** What `sentry-cli sourcemaps upload` makes available for a build: its minified file and map. */
function upload(build: JsBundle): void {
  memory.add({ projectId: server.projectId, files: uploadedFiles(build) });
}

/** Throws in the bundle and sends the error with the SDK under `release`; resolves once it was sent. */
async function captureIn(release: string, run: () => unknown): Promise<void> {
  Sentry.init({ dsn: server.vigil.dsn, release, defaultIntegrations: false });
  try {
    run();
  } catch (err) {
    Sentry.captureException(err);
  }
  await expect(Sentry.close(5000)).resolves.toBe(true);
}

async function api(url: string): Promise<unknown> {
  const res = await server.vigil.app.inject({
    url,
    headers: { authorization: `Bearer ${server.vigil.adminToken}` },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** The frames of the latest event of the only issue whose title contains `title`. */
async function latestFrames(title: string): Promise<Json[]> {
  const issues = (await api(
    `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent(`is:unresolved "${title}"`)}`,
  )) as Json[];
  expect(issues).toHaveLength(1);
  const event = (await api(`/api/0/issues/${String(issues[0]!.id)}/events/latest/`)) as Json;
  const exception = (event.entries as Json[]).find((e) => e.type === 'exception')!.data as { values: Json[] };
  return (exception.values[0]!.stacktrace as { frames: Json[] }).frames;
}

beforeAll(async () => {
  worker = await bundleProcessingWorker();
  server = await startTestVigil(
    'sourcemaps-workers',
    (config) => {
      config.processing.workers = 1;
      // The default project drops releases `shop@9.*` (Relay's release filter).
      config.projects = [
        {
          organization: 'vigil',
          project: 'default',
          config: { filterSettings: { releases: { releases: ['shop@9.*'] } } },
          warnings: [],
        },
      ];
    },
    { vigil: { artifacts, processingWorkerScript: worker.script } },
  );
}, 120_000);

afterAll(async () => {
  await server?.close();
  worker?.remove();
});

it('never symbolicates an event an inbound filter drops: no artifact lookup', async () => {
  const build = await buildBundle({ entry: 'src/cart.js', sources: { 'src/cart.js': CART_JS } });
  upload(build);
  const app = loadBundle<{ addToCart(cart: unknown[], item: unknown): unknown }>(build);
  const addBadItem = (): unknown => app.addToCart([], { sku: 'A-1', quantity: 0 });

  await captureIn('shop@9.0.1', addBadItem);
  await server.vigil.flush();
  expect(artifacts.calls).toEqual([]);
  expect(await api('/api/0/projects/vigil/default/issues/?query=is:unresolved')).toEqual([]);

  // The same error from a release the filter keeps is resolved through the main thread's lookups.
  await captureIn('shop@1.0.0', addBadItem);
  await server.vigil.flush();
  expect(artifacts.calls).toContain(`${build.debugId} minified_source`);
  expect(artifacts.calls).toContain(`${build.debugId} source_map`);
  expect((await latestFrames('invalid quantity')).at(-1)).toMatchObject({
    function: 'addToCart',
    filename: '../src/cart.js',
    lineNo: 3,
    context: expect.arrayContaining([
      [3, "    throw new RangeError('invalid quantity for ' + item.sku);"],
    ]) as unknown,
  });
});

it('parses a big cold source map on a worker while the ingest edge keeps answering', async () => {
  const build = await buildBundle({ entry: 'src/big.js', sources: { 'src/big.js': bigApp() } });
  expect(build.sourceMap.length).toBeGreaterThan(4_000_000);
  upload(build);
  const app = loadBundle<{ dispatch(input: number): unknown }>(build);
  const parse = vi.spyOn(JSON, 'parse');
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();

  await captureIn('shop@2.0.0', () => app.dispatch(HANDLERS - 1));
  let stored = false;
  const processing = server.vigil.flush().finally(() => {
    stored = true;
  });
  // Meanwhile the edge answers envelopes (client reports: accepted, and cheap to process).
  const answers: number[] = [];
  const clientReport = JSON.stringify({
    timestamp: Date.now() / 1000,
    discarded_events: [{ reason: 'queue_overflow', category: 'error', quantity: 1 }],
  });
  do {
    const res = await fetch(
      `${server.url}/api/${server.projectId}/envelope/?sentry_key=${server.publicKey}`,
      {
        method: 'POST',
        body: `{}\n{"type":"client_report"}\n${clientReport}\n`,
      },
    );
    answers.push(res.status);
  } while (!stored);
  await processing;
  delay.disable();
  const parsedOnMain = parse.mock.calls.some(
    ([text]) => typeof text === 'string' && text.includes(MAP_ONLY_MARKER),
  );
  parse.mockRestore();

  const crashing = (await latestFrames('handler failed for input')).at(-1)!;
  expect(crashing).toMatchObject({ function: `handler${HANDLERS - 1}`, filename: '../src/big.js' });
  // The map was parsed, and not on this thread: on the worker.
  expect(parsedOnMain).toBe(false);
  expect(new Set(answers)).toEqual(new Set([200]));
  console.info(
    `event loop while a worker parsed a ${(build.sourceMap.length / 1e6).toFixed(1)} MB source map: ` +
      `max delay ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, ` +
      `${answers.length} envelopes answered`,
  );
});
