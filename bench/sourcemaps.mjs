// JavaScript symbolication cost (`npm run bench`, after `npm run build`): a real bundle (an
// app plus the `yaml` library, bundled and minified by esbuild with a source map, debug id
// injected by sentry-cli), events captured from @sentry/node for errors thrown at several depths
// inside it. Reports (1) the symbolication step on the calling thread, as a processing thread
// runs it over parsed events: the first (cold) event — artifact lookups, map decoding, scope
// extraction — and microseconds per event with a warm cache, wall clock and CPU time (the
// machine may be shared); (2) the whole error pipeline through a pool of one worker thread, where
// the worker symbolicates and the main thread answers its artifact lookups: the cold first event
// and the main thread's longest event-loop stall meanwhile, then per event (warm, batches of 100)
// wall time and main-thread busy time, with and without symbolication.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import * as Sentry from '@sentry/node';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { JsSymbolicator, MemoryArtifactSource } from '../dist/processing/sourcemaps/index.js';
import { ProcessingPool } from '../dist/server/services/processing-pool.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-sourcemaps-'));
mkdirSync(path.join(dir, 'src'));
writeFileSync(
  path.join(dir, 'src/app.js'),
  `import { parse } from 'yaml';

export class OrderService {
  constructor(config) {
    this.config = parse(config);
  }

  priceOf(order) {
    return order.lines.reduce((sum, line) => sum + this.linePrice(line), 0);
  }

  linePrice(line) {
    const product = this.config.products[line.sku];
    if (product === undefined) throw new Error('unknown product ' + line.sku);
    return product.price * line.quantity;
  }
}

export function handle(request) {
  const service = new OrderService('products:\\n  A: { price: 3 }\\n');
  const depth = request.depth;
  const nested = (n) => (n === 0 ? service.priceOf(request.order) : nested(n - 1));
  return nested(depth);
}
`,
);
const outfile = path.join(dir, 'dist/app.min.js');
await build({
  entryPoints: [path.join(dir, 'src/app.js')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'cjs',
  platform: 'node',
  outfile,
  nodePaths: [path.resolve('node_modules')],
  logLevel: 'silent',
});
execFileSync(path.resolve('node_modules/.bin/sentry-cli'), ['sourcemaps', 'inject', path.dirname(outfile)], {
  stdio: 'pipe',
});
const minified = readFileSync(outfile);
const sourceMap = readFileSync(`${outfile}.map`);
const debugId = /\/\/# debugId=([0-9a-f-]+)/.exec(minified.toString('utf8'))[1];

const payloads = [];
Sentry.init({
  dsn: 'http://public@127.0.0.1:9/1',
  release: 'shop@4.2.0',
  sendClientReports: false,
  integrations: (defaults) => defaults.filter((i) => i.name !== 'Dedupe'),
  transport: () => ({
    send: (envelope) => {
      for (const [headers, item] of envelope[1])
        if (headers.type === 'event') payloads.push(Buffer.from(JSON.stringify(item)));
      return Promise.resolve({});
    },
    flush: () => Promise.resolve(true),
  }),
});
const app = require(outfile);
for (let i = 0; i < 50; i++) {
  try {
    app.handle({
      depth: i % 5,
      order: {
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: `X${i}`, quantity: 2 },
        ],
      },
    });
  } catch (err) {
    Sentry.captureException(err);
  }
}
await Sentry.flush(5000);
await Sentry.close(2000);

const artifacts = new MemoryArtifactSource();
artifacts.add({
  projectId: 1,
  files: [
    {
      url: `~${outfile}`,
      type: 'minified_source',
      headers: { 'debug-id': debugId, sourcemap: 'app.min.js.map' },
      content: minified,
    },
    { url: `~${outfile}.map`, type: 'source_map', headers: { 'debug-id': debugId }, content: sourceMap },
  ],
});
const round = (n) => Math.round(n * 10) / 10;
const parsedEvents = (n) =>
  Array.from({ length: n }, (_, i) => JSON.parse(payloads[i % payloads.length].toString('utf8')));

// 1. The symbolication step on the calling thread, over parsed events (what a processing thread runs).
const symbolicator = new JsSymbolicator();
let start = process.hrtime.bigint();
const [first] = parsedEvents(1);
if (!(await symbolicator.batch(artifacts).symbolicate(first, 1)))
  throw new Error('the event was not symbolicated');
const coldMs = Number(process.hrtime.bigint() - start) / 1e6;
const crashing = first.exception.values[0].stacktrace.frames.at(-1);
if (crashing.function !== 'OrderService.linePrice')
  throw new Error(`unexpected frame ${JSON.stringify(crashing)}`);

const batches = Number(process.env.BENCH_BATCHES ?? 40);
const batchSize = 100;
const symbolicateBatch = (events) => {
  const batch = symbolicator.batch(artifacts);
  return Promise.all(events.map((event) => batch.symbolicate(event, 1)));
};
for (let i = 0; i < 5; i++) await symbolicateBatch(parsedEvents(batchSize)); // warm-up
const events = batches * batchSize;
const inputs = Array.from({ length: batches }, () => parsedEvents(batchSize));
start = process.hrtime.bigint();
const cpu = process.cpuUsage();
for (const input of inputs) await symbolicateBatch(input);
const warmUs = Number(process.hrtime.bigint() - start) / 1e3 / events;
const { user, system } = process.cpuUsage(cpu);
const warmCpuUs = (user + system) / events;

// 2. The whole error pipeline through a pool of one worker thread: the worker parses and maps,
// this thread answers its artifact lookups. Main-thread time from its event-loop utilization.
const logger = pino({ level: 'silent' });
const works = (n) =>
  Array.from({ length: n }, (_, i) => ({
    payload: payloads[i % payloads.length],
    ctx: { projectId: 1, receivedAt: Date.now() / 1000 },
    config: '{}',
  }));
const withSymbolication = new ProcessingPool(logger, 1, { artifacts });
const withoutSymbolication = new ProcessingPool(logger, 1);
if (withSymbolication.size !== 1) throw new Error('no worker thread (build first)');
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
start = process.hrtime.bigint();
const [coldResult] = await withSymbolication.run(works(1));
const coldPoolMs = Number(process.hrtime.bigint() - start) / 1e6;
delay.disable();
if (coldResult.kind !== 'ok' || !coldResult.line.includes('OrderService.linePrice'))
  throw new Error('the worker did not symbolicate the event');

async function perEvent(pool) {
  for (let i = 0; i < 5; i++) await pool.run(works(batchSize)); // warm-up
  const elu = performance.eventLoopUtilization();
  const began = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) await pool.run(works(batchSize));
  const wallUs = Number(process.hrtime.bigint() - began) / 1e3 / events;
  const mainUs = (performance.eventLoopUtilization(elu).active * 1e3) / events;
  return { wallUs: round(wallUs), mainThreadUs: round(mainUs) };
}
const pipelineWith = await perEvent(withSymbolication);
const pipelineWithout = await perEvent(withoutSymbolication);
await withSymbolication.close();
await withoutSymbolication.close();

const frames = first.exception.values[0].stacktrace.frames.length;
console.log(
  JSON.stringify(
    {
      bench: 'sourcemaps',
      minifiedBytes: minified.length,
      sourceMapBytes: sourceMap.length,
      avgPayloadBytes: Math.round(payloads.reduce((n, p) => n + p.length, 0) / payloads.length),
      framesPerEvent: frames,
      // On the calling thread (a processing thread's share): the first event, then per event warm.
      coldFirstEventMs: round(coldMs),
      warmMicrosecondsPerEvent: round(warmUs),
      warmCpuMicrosecondsPerEvent: round(warmCpuUs),
      cachedBytes: symbolicator.cachedBytes,
      // Through one worker thread: the cold first event, and the main thread's longest stall meanwhile.
      poolColdFirstEventMs: round(coldPoolMs),
      poolColdMainThreadMaxDelayMs: round(delay.max / 1e6),
      // Whole pipeline per event (batches of 100): wall time and main-thread busy time.
      pipelineWithSymbolication: pipelineWith,
      pipelineWithoutSymbolication: pipelineWithout,
    },
    null,
    2,
  ),
);
rmSync(dir, { recursive: true, force: true });
