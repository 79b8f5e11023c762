// A small Node app instrumented with the official @sentry/node SDK, run by the e2e logs test as
// a child process: `node node-logs.mjs` with SENTRY_DSN set. It writes structured logs with
// attributes through `Sentry.logger` (including one with an e-mail address in its body, which
// the server scrubs), records trace metrics with `Sentry.metrics`, flushes and prints the trace
// id of its scope as JSON so the test can search by trace.
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'e2e-logs@1.0.0',
  environment: 'e2e',
  tracesSampleRate: 0,
  enableLogs: true,
});
Sentry.setUser({ id: 'user-42' });

Sentry.logger.info('Order placed', { 'order.id': 'A-1001', 'order.total': 99.5, 'order.items': 3 });
Sentry.logger.warn(Sentry.logger.fmt`Cart of ${'user-42'} is almost full`, { 'cart.size': 19 });
Sentry.logger.error('Payment failed for jane@example.com', { 'payment.retry': true, password: 'hunter2' });

Sentry.metrics.count('orders.placed', 1, { attributes: { region: 'eu' } });
Sentry.metrics.count('orders.placed', 2, { attributes: { region: 'us' } });
Sentry.metrics.gauge('cart.size', 19, { unit: 'none' });
Sentry.metrics.distribution('checkout.duration', 120, { unit: 'millisecond' });
Sentry.metrics.distribution('checkout.duration', 80, { unit: 'millisecond' });

const traceId = Sentry.getCurrentScope().getPropagationContext().traceId;
await Sentry.flush(10_000);
console.log(JSON.stringify({ traceId }));
