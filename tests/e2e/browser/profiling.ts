/**
 * Page script of tests/e2e/profiles.test.ts: the real @sentry/browser with UI profiling in trace
 * lifecycle (`browserProfilingIntegration`, `profileSessionSampleRate: 1`, `profileLifecycle:
 * 'trace'`). A click starts a root span that burns CPU; the SDK's JS Self-Profiling profiler
 * (enabled by the page's `Document-Policy: js-profiling` header) runs while the span is open and
 * sends its chunk as a `profile_chunk` item when the span ends. The page exposes the span's trace
 * id and the profiler's id (the `profile` context the SDK sets) for the test.
 */
import * as Sentry from '@sentry/browser';

declare const __DSN__: string;

Sentry.init({
  dsn: __DSN__,
  release: 'web-profiling@1.0.0',
  environment: 'e2e',
  integrations: [Sentry.browserProfilingIntegration()],
  tracesSampleRate: 1,
  profileSessionSampleRate: 1,
  profileLifecycle: 'trace',
});

function fibonacci(n: number): number {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

const status = document.getElementById('status')!;
document.getElementById('work')!.addEventListener('click', () => {
  void Sentry.startSpan({ name: 'checkout', forceTransaction: true }, async (span) => {
    const deadline = performance.now() + 600;
    while (performance.now() < deadline) {
      fibonacci(20);
      // Yield now and then so the profiler's sampling keeps running on this thread.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const context = Sentry.getGlobalScope().getScopeData().contexts.profile as
      { profiler_id?: string } | undefined;
    status.dataset.traceId = span.spanContext().traceId;
    status.dataset.profilerId = context?.profiler_id ?? '';
  });
  status.textContent = 'started';
});
