// A small Node app instrumented with the official @sentry/node SDK (11.11), run by the Discover
// integration test as a child process: `node node-discover.mjs` with SENTRY_DSN set. It sends
// what the events endpoint's datasets read:
// - errors: three `TypeError: cart is undefined` (users alice twice and bob, tag shard a/a/b, the
//   feature flag `checkout-v2` on for alice), one `RangeError: amount out of range` (carol, shard
//   b, environment `staging`) and one warning message `Disk almost full` (no user);
// - transactions (`traceLifecycle: 'static'`, so transaction events), each in its own trace:
//   `GET /checkout` three times (about 30, 60 and 120 ms, the last with status
//   `internal_error`, measurement `items` 2, 4, 6) and `GET /cart` once (about 10 ms), each with
//   one `db.query` child span;
// - structured logs through `Sentry.logger` (two info, one error).
// Prints the event ids of the errors and the trace ids as JSON.
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'discover@1.0',
  environment: 'production',
  tracesSampleRate: 1,
  traceLifecycle: 'static',
  enableLogs: true,
  integrations: [Sentry.featureFlagsIntegration()],
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Captures `error` with `user`, the tag `shard` and, optionally, a feature flag turned on. */
function capture(error, { user, shard, flag }) {
  return Sentry.withScope((scope) => {
    scope.setUser(user);
    scope.setTag('shard', shard);
    if (flag) Sentry.getClient()?.getIntegrationByName('FeatureFlags')?.addFeatureFlag(flag, true);
    return Sentry.captureException(error);
  });
}

const alice = { id: 'u-alice', email: 'alice@example.com', username: 'alice' };
const bob = { id: 'u-bob', email: 'bob@example.org' };
const carol = { id: 'u-carol', email: 'carol@example.com' };

const errors = {
  alice1: capture(new TypeError('cart is undefined'), { user: alice, shard: 'a', flag: 'checkout-v2' }),
  alice2: capture(new TypeError('cart is undefined'), { user: alice, shard: 'a' }),
  bob: capture(new TypeError('cart is undefined'), { user: bob, shard: 'b' }),
  carol: Sentry.withScope((scope) => {
    scope.setUser(carol);
    scope.setTag('shard', 'b');
    scope.setLevel('error');
    return Sentry.captureEvent({
      environment: 'staging',
      exception: { values: [{ type: 'RangeError', value: 'amount out of range' }] },
    });
  }),
  warning: Sentry.captureMessage('Disk almost full', 'warning'),
};

/** One transaction `name` lasting about `ms`, with a `db.query` child span. */
async function transaction(name, ms, { failed = false, items } = {}) {
  let traceId;
  await Sentry.startNewTrace(() =>
    Sentry.startSpan({ name, op: 'http.server', forceTransaction: true }, async (span) => {
      traceId = span.spanContext().traceId;
      if (items !== undefined) Sentry.setMeasurement('items', items, 'none');
      await Sentry.startSpan({ name: 'SELECT cart', op: 'db.query' }, () => sleep(ms / 2));
      await sleep(ms / 2);
      if (failed) span.setStatus({ code: 2, message: 'internal_error' });
    }),
  );
  return traceId;
}

const traces = [
  await transaction('GET /checkout', 30, { items: 2 }),
  await transaction('GET /checkout', 60, { items: 4 }),
  await transaction('GET /checkout', 120, { failed: true, items: 6 }),
  await transaction('GET /cart', 10),
];

Sentry.logger.info('order placed', { 'order.id': 'A-1' });
Sentry.logger.info('order shipped', { 'order.id': 'A-1' });
Sentry.logger.error('payment failed', { 'order.id': 'A-2' });

await Sentry.flush(10_000);
console.log(JSON.stringify({ errors, traces }));
