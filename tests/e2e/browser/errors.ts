/**
 * Page script of tests/e2e/browser-errors.test.ts: the real @sentry/browser reports an uncaught
 * error thrown by a click handler (GlobalHandlers integration) to the DSN baked in at bundle time.
 */
import * as Sentry from '@sentry/browser';

declare const __DSN__: string;

Sentry.init({ dsn: __DSN__, release: 'web@1.0.0', environment: 'e2e' });

document.getElementById('boom')!.addEventListener('click', () => {
  throw new TypeError('Cannot read the checkout total');
});
