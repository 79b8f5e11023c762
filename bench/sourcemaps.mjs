// JavaScript symbolication cost (`npm run bench`, after `npm run build`): a real bundle (an
// app plus the `yaml` library, bundled and minified by esbuild with a source map, debug id
// injected by sentry-cli), events captured from @sentry/node for errors thrown at several depths
// inside it, and the processing loop's symbolication step over batches of them. Reports the
// first (cold) event — artifact lookups, map decoding, scope extraction — and microseconds
// per event with a warm cache (lookups from memory, parsed map cached), whole step: byte scan,
// JSON parse, resolution of every frame, JSON serialization; wall clock and CPU time (the
// machine may be shared), next to a bare JSON round trip of the symbolicated event for scale.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import * as Sentry from '@sentry/node';
import { JsSymbolicator, MemoryArtifactSource } from '../dist/processing/sourcemaps/index.js';

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
const symbolicator = new JsSymbolicator(artifacts);
const works = (n) =>
  Array.from({ length: n }, (_, i) => ({ payload: payloads[i % payloads.length], ctx: { projectId: 1 } }));

let start = process.hrtime.bigint();
const first = works(1);
await symbolicator.symbolicate(first);
const coldMs = Number(process.hrtime.bigint() - start) / 1e6;
if (first[0].payload === payloads[0]) throw new Error('the event was not symbolicated');
const resolved = JSON.parse(first[0].payload.toString('utf8'));
const crashing = resolved.exception.values[0].stacktrace.frames.at(-1);
if (crashing.function !== 'OrderService.linePrice')
  throw new Error(`unexpected frame ${JSON.stringify(crashing)}`);

const batches = Number(process.env.BENCH_BATCHES ?? 40);
const batchSize = 100;
for (let i = 0; i < 5; i++) await symbolicator.symbolicate(works(batchSize)); // warm-up
start = process.hrtime.bigint();
const cpu = process.cpuUsage();
for (let i = 0; i < batches; i++) await symbolicator.symbolicate(works(batchSize));
const events = batches * batchSize;
const warmUs = Number(process.hrtime.bigint() - start) / 1e3 / events;
const { user, system } = process.cpuUsage(cpu);
const warmCpuUs = (user + system) / events;
// For scale: what any pass that parses and re-serializes the symbolicated event costs.
const symbolicatedPayloads = works(payloads.length);
await symbolicator.symbolicate(symbolicatedPayloads);
const jsonCpu = process.cpuUsage();
for (let i = 0; i < events; i++) {
  const p = symbolicatedPayloads[i % symbolicatedPayloads.length].payload;
  Buffer.from(JSON.stringify(JSON.parse(p.toString('utf8'))));
}
const jsonCpuUsage = process.cpuUsage(jsonCpu);
const jsonCpuUs = (jsonCpuUsage.user + jsonCpuUsage.system) / events;

const frames = resolved.exception.values[0].stacktrace.frames.length;
console.log(
  JSON.stringify(
    {
      bench: 'sourcemaps',
      minifiedBytes: minified.length,
      sourceMapBytes: sourceMap.length,
      avgPayloadBytes: Math.round(payloads.reduce((n, p) => n + p.length, 0) / payloads.length),
      framesPerEvent: frames,
      coldFirstEventMs: Math.round(coldMs * 10) / 10,
      warmMicrosecondsPerEvent: Math.round(warmUs * 10) / 10,
      warmCpuMicrosecondsPerEvent: Math.round(warmCpuUs * 10) / 10,
      symbolicatedPayloadBytes: Math.round(
        symbolicatedPayloads.reduce((n, w) => n + w.payload.length, 0) / symbolicatedPayloads.length,
      ),
      jsonRoundTripCpuMicrosecondsPerEvent: Math.round(jsonCpuUs * 10) / 10,
      cachedBytes: symbolicator.cachedBytes,
    },
    null,
    2,
  ),
);
rmSync(dir, { recursive: true, force: true });
