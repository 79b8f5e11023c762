// A small Node app instrumented with the official @sentry/node SDK, run by the e2e tests as a
// child process: `node node-feedback.mjs` with SENTRY_DSN set. It reports an error, then the
// user's feedback about it with `Sentry.captureFeedback` (a `feedback` envelope item), flushes,
// and prints both event ids as JSON.
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'e2e-feedback@1.0.0',
  environment: 'e2e',
  tracesSampleRate: 0,
});
Sentry.setUser({ id: 'node-user', email: 'node-user@example.org' });

const errorId = Sentry.captureException(new Error('payment service unavailable'));
// The error must be stored before the feedback that links to it is read back.
await Sentry.flush(5000);
const feedbackId = Sentry.captureFeedback({
  message: 'The pay button does nothing',
  name: 'Jane Node',
  email: 'jane@example.org',
  url: 'https://shop.example.org/pay',
  associatedEventId: errorId,
});
await Sentry.flush(5000);
console.log(JSON.stringify({ errorId, feedbackId }));
