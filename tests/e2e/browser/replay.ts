/**
 * Page script of tests/e2e/browser-replay.test.ts: the real @sentry/browser with its Session
 * Replay integration records every session (`replaysSessionSampleRate: 1`) and sends segments to
 * the DSN baked in at bundle time. Text is not masked, so click breadcrumbs carry the buttons'
 * text; `window.flushReplay()` sends the buffered segment at once instead of after the SDK's
 * 5-second debounce, `minReplayDuration: 0` lets the first segment go out immediately, and
 * `window.stopReplay()` ends the recording.
 */
import * as Sentry from '@sentry/browser';

declare const __DSN__: string;

Sentry.init({
  dsn: __DSN__,
  release: 'web@1.0.0',
  environment: 'e2e',
  replaysSessionSampleRate: 1,
  replaysOnErrorSampleRate: 0,
  integrations: [
    Sentry.replayIntegration({ maskAllText: false, blockAllMedia: false, minReplayDuration: 0 }),
  ],
});

let count = 0;
document.getElementById('add')!.addEventListener('click', () => {
  count += 1;
  document.getElementById('count')!.textContent = `${count} in the cart`;
});
document.getElementById('boom')!.addEventListener('click', () => {
  throw new TypeError('Checkout exploded while replaying');
});

declare global {
  interface Window {
    flushReplay(): Promise<void>;
    replayId(): string | undefined;
    stopReplay(): Promise<void>;
  }
}
window.flushReplay = async () => {
  await Sentry.getReplay()?.flush();
};
window.replayId = () => Sentry.getReplay()?.getReplayId();
// Stops recording after sending what is buffered, so the test knows every segment there will be.
window.stopReplay = async () => {
  await Sentry.getReplay()?.stop();
};
