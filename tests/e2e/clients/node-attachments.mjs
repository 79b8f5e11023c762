// A small Node app instrumented with the official @sentry/node SDK, run by the e2e tests as a
// child process: `node node-attachments.mjs` with SENTRY_DSN set. It adds two attachments to the
// scope (`scope.addAttachment`: a text file and a binary one holding every byte value) and
// captures an exception, so the SDK sends the event and both attachments in one envelope; then it
// prints the event id and the attachments' bytes (base64) as JSON.
import * as Sentry from '@sentry/node';

Sentry.init({ dsn: process.env.SENTRY_DSN, release: 'e2e-attachments@1.0.0', environment: 'e2e' });

const text = 'order 4711 failed\nline two ✓\n';
const binary = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) % 256);
const eventId = Sentry.withScope((scope) => {
  scope.addAttachment({ filename: 'checkout.log', data: text, contentType: 'text/plain' });
  scope.addAttachment({ filename: 'state.bin', data: binary });
  return Sentry.captureException(new Error('checkout failed with attachments'));
});
await Sentry.flush(5000);
console.log(
  JSON.stringify({
    eventId,
    text: Buffer.from(text).toString('base64'),
    binary: Buffer.from(binary).toString('base64'),
  }),
);
