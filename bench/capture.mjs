// Captures what the official @sentry/node SDK sends for a spread of realistic errors
// (different error kinds and call paths, cause chains, users, tags, 20 breadcrumbs,
// feature flags), by pointing the SDK at a local HTTP server that records the bodies.
// Shared by the benchmarks so they replay real SDK payloads, not hand-written ones.
import http from 'node:http';
import * as Sentry from '@sentry/node';

/** Returns the raw envelope bodies of `count` error events (default 200). */
export async function captureErrorEnvelopes(count = 200) {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  Sentry.init({
    dsn: `http://0123456789abcdef0123456789abcdef@127.0.0.1:${port}/1`,
    release: 'shop@4.2.0',
    environment: 'production',
    sendClientReports: false,
    // The default Dedupe integration would drop repeats of one error; the pool wants them.
    integrations: (defaults) => [
      ...defaults.filter((i) => i.name !== 'Dedupe'),
      Sentry.featureFlagsIntegration(),
    ],
  });
  const flags = Sentry.getClient().getIntegrationByName('FeatureFlags');
  const handlers = {
    checkout: (i) => {
      throw new TypeError(`Cannot read properties of undefined (reading 'price') for cart ${i}`);
    },
    payment: (i) => {
      throw new Error(`payment declined for order ${1000 + i}`, {
        cause: new RangeError('amount out of range'),
      });
    },
    search: (i) => JSON.parse(`{"q": ${i}`),
    profile: (i) => {
      const user = i % 2 ? null : {};
      return user.name.first;
    },
  };
  const names = Object.keys(handlers);
  for (let i = 0; i < count; i++) {
    const name = names[i % names.length];
    Sentry.withScope((scope) => {
      scope.setUser({ id: `user-${i % 37}`, email: `user${i % 37}@example.com`, ip_address: '10.0.0.1' });
      scope.setTag('route', `/api/${name}`);
      scope.setTag('region', ['eu', 'us', 'ap'][i % 3]);
      flags.addFeatureFlag('new-checkout', i % 2 === 0);
      for (let b = 0; b < 20; b++) {
        Sentry.addBreadcrumb({
          category: 'http',
          message: `GET /api/items/${b}`,
          data: { status_code: 200 },
        });
      }
      try {
        handlers[name](i);
      } catch (err) {
        Sentry.captureException(err);
      }
    });
    if (i % 50 === 49) await Sentry.flush(5000);
  }
  await Sentry.flush(5000);
  await Sentry.close();
  server.close();
  return bodies;
}
