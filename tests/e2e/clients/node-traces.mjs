// A small Node app instrumented with the official @sentry/node SDK (11.11), run by the e2e traces
// test as a child process: `node node-traces.mjs <static|stream>` with SENTRY_DSN set. It runs a
// `checkout` transaction with nested child spans (one with attributes, one that sleeps) and
// captures an error inside the innermost span, then flushes and prints the trace id and the span
// ids as JSON. `static` sends the classic transaction event (traceLifecycle: 'static'); `stream`
// uses the SDK's default, streamed spans (span v2 containers).
import * as Sentry from '@sentry/node';

const mode = process.argv[2] ?? 'stream';
Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: `e2e-traces@${mode}`,
  environment: 'e2e',
  tracesSampleRate: 1,
  ...(mode === 'static' ? { traceLifecycle: 'static' } : {}),
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = {};

await Sentry.startSpan({ name: 'checkout', op: 'task', attributes: { 'cart.id': 'C-7' } }, async (root) => {
  ids.traceId = root.spanContext().traceId;
  ids.root = root.spanContext().spanId;
  await Sentry.startSpan({ name: 'load cart', op: 'db.query' }, async (db) => {
    ids.db = db.spanContext().spanId;
    db.setAttribute('db.rows', 3);
    await sleep(60);
    await Sentry.startSpan({ name: 'price lookup', op: 'cache.get' }, async (cache) => {
      ids.cache = cache.spanContext().spanId;
      cache.setAttribute('cache.hit', false);
      await sleep(30);
      Sentry.captureException(new Error(`price service unavailable (${mode})`));
    });
  });
  await Sentry.startSpan({ name: 'charge card', op: 'http.client' }, async () => {
    await sleep(20);
  });
});

await Sentry.flush(10_000);
console.log(JSON.stringify(ids));
