// A small Node app instrumented with the official @sentry/node SDK (11.11, tracesSampleRate 1),
// run by the dynamic sampling integration test as a child process:
// `node node-sampling.mjs <static|stream>` with SENTRY_DSN set. It starts five traces, each with
// its own trace id and the random value the SDK samples with (`sample_rand`, set through the
// scope's propagation context as when a trace is continued): two `GET /health` transactions,
// one `checkout` with two child spans, and two `batch-job`s with one child span each, sample_rand
// 0.25 and 0.75, the second capturing an error. `static` sends transaction events
// (traceLifecycle: 'static'); `stream` sends span v2 containers. Prints the trace ids as JSON.
import { randomBytes } from 'node:crypto';
import * as Sentry from '@sentry/node';

const mode = process.argv[2] ?? 'static';
Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'sampling@1.0',
  environment: 'e2e',
  tracesSampleRate: 1,
  ...(mode === 'static' ? { traceLifecycle: 'static' } : {}),
});

/** Runs `body` as the root span `name` of a new trace whose random value is `sampleRand`. */
function trace(name, sampleRand, body = () => {}) {
  const traceId = randomBytes(16).toString('hex');
  Sentry.withScope((scope) => {
    scope.setPropagationContext({ traceId, sampleRand });
    Sentry.startSpan({ name, op: 'task' }, body);
  });
  return traceId;
}

const child = (name) => Sentry.startSpan({ name, op: 'function' }, () => {});

const ids = {
  health: [trace('GET /health', 0.1), trace('GET /health', 0.1)],
  checkout: trace('checkout', 0.9, () => {
    child('load cart');
    child('charge card');
  }),
  batchKept: trace('batch-job', 0.25, () => child('step')),
  batchDropped: trace('batch-job', 0.75, () => {
    child('step');
    Sentry.captureException(new Error(`batch failed (${mode})`));
  }),
};

await Sentry.flush(10_000);
console.log(JSON.stringify(ids));
