/**
 * Page script of tests/e2e/browser-tracing-feedback.test.ts: the real @sentry/browser with
 * browser tracing (a pageload span with a fetch span under it) and the user feedback widget.
 * The pageload's trace id is published on `window.__traceId` for the test.
 */
import * as Sentry from '@sentry/browser';

declare const __DSN__: string;

Sentry.init({
  dsn: __DSN__,
  release: 'web@2.0.0',
  environment: 'e2e',
  tracesSampleRate: 1,
  integrations: [
    // A short idle timeout ends the pageload span soon after the page settles.
    Sentry.browserTracingIntegration({ idleTimeout: 1000, finalTimeout: 5000 }),
    Sentry.feedbackIntegration({ autoInject: true, colorScheme: 'light' }),
  ],
});

const pageload = Sentry.getActiveSpan();
(window as unknown as { __traceId?: string }).__traceId = pageload && Sentry.spanToJSON(pageload).trace_id;
void fetch('/api/cart').then((r) => r.text());
