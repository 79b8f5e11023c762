// A small Node app with the official @sentry/node SDK and its default release-health
// integrations, run by the e2e tests as a child process:
// `node node-sessions.mjs <scenario> [user id]` with SENTRY_DSN (and optionally
// SENTRY_RELEASE) set. Each run is one process session, as a real app's would be:
// - healthy: the process ends normally → one `exited` update (processSessionIntegration);
// - errored: a handled error → an update with errors 1, then `exited` at the end;
// - crashed: an uncaught exception → the onUncaughtException integration marks the
//   session `crashed`, sends it and exits the process with code 1;
// - requests: an HTTP server handles requests (request-mode sessions): the SDK sends a
//   `sessions` aggregate (3 exited, 1 errored, 1 crashed) when the client is flushed.
import http from 'node:http';
import * as Sentry from '@sentry/node';

const [scenario, userId] = process.argv.slice(2);
Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: process.env.SENTRY_RELEASE ?? 'node-sessions@1.0.0',
  environment: 'e2e',
  tracesSampleRate: 0,
});
if (userId) Sentry.setUser({ id: userId });

async function serveRequests() {
  const server = http.createServer((req, res) => {
    if (req.url === '/handled') {
      Sentry.captureException(new Error('handled request error'));
    } else if (req.url === '/crash') {
      Sentry.captureException(new Error('request crash'), { mechanism: { type: 'e2e', handled: false } });
    }
    res.end('ok');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  for (const path of ['/a', '/b', '/c', '/handled', '/crash']) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    await res.text();
  }
  // Request sessions are recorded when the response closes; give the last one a tick.
  await new Promise((r) => setTimeout(r, 100));
  await new Promise((resolve) => server.close(resolve));
  await Sentry.flush(10_000);
}

switch (scenario) {
  case 'healthy':
    break;
  case 'errored':
    Sentry.captureException(new Error('handled error in session'));
    break;
  case 'crashed':
    setTimeout(() => {
      throw new Error('uncaught crash');
    }, 10);
    break;
  case 'requests':
    await serveRequests();
    break;
  default:
    console.error(`unknown scenario ${scenario}`);
    process.exit(2);
}
