// Releases created by ingestion, as Sentry's event manager does: the real @sentry/node SDK sends
// an error and a transaction with `release` set and nobody creates the releases through the
// API; the releases API then lists them, linked to the project and dated by their first event,
// `release:latest` in the issue search selects the newest one, and a new release becomes the
// "next release" of issues resolved in the next release.
import * as Sentry from '@sentry/node';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';

/** A fresh server per test: each test's releases are all the server has. */
let server: TestVigil;

beforeEach(async () => {
  server = await startTestVigil('ingest-releases');
}, 60_000);

afterEach(async () => {
  await Sentry.close(2000);
  await server?.close();
});

async function api(url: string): Promise<unknown> {
  const res = await server.vigil.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${server.vigil.adminToken}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Sends what `send` captures with a client of `release`, then waits until it is stored. */
async function withRelease(release: string, send: () => void, agoSeconds = 0): Promise<void> {
  Sentry.init({
    dsn: server.vigil.dsn,
    release,
    defaultIntegrations: false,
    tracesSampleRate: 1,
    beforeSend: (event) => ({ ...event, timestamp: (event.timestamp ?? Date.now() / 1000) - agoSeconds }),
  });
  send();
  await Sentry.flush(5000);
  await server.vigil.flush();
}

it('creates the releases events and transactions name, linked to their project', async () => {
  const before = Date.now();
  await withRelease('shop@1.2.3', () =>
    Sentry.captureException(new Error('first release'), { fingerprint: ['first'] }),
  );
  await withRelease('shop@1.3.0', () => {
    Sentry.startSpan({ name: 'GET /cart', op: 'http.server' }, () => undefined);
  });
  await withRelease('shop@1.2.3', () =>
    Sentry.captureException(new Error('again'), { fingerprint: ['first'] }),
  );

  const releases = (await api('/api/0/organizations/vigil/releases/')) as Array<Record<string, unknown>>;
  const versions = releases.map((r) => r.version).sort();
  expect(versions).toEqual(['shop@1.2.3', 'shop@1.3.0']);
  for (const release of releases) {
    expect((release.projects as Array<{ slug: string }>).map((p) => p.slug)).toEqual(['default']);
    const created = Date.parse(String(release.dateCreated));
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
  }
  const first = releases.find((r) => r.version === 'shop@1.2.3');
  const second = releases.find((r) => r.version === 'shop@1.3.0');
  // Dated by the first event, not by the second event of the same release.
  expect(Date.parse(String(first?.dateCreated))).toBeLessThan(Date.parse(String(second?.dateCreated)));
});

it('lets release:latest select the newest release seen on events', async () => {
  await withRelease('shop@1.4.0', () =>
    Sentry.captureException(new Error('in the latest release'), { fingerprint: ['latest'] }),
  );
  const issues = (await api(
    `/api/0/organizations/vigil/issues/?query=${encodeURIComponent('release:latest')}`,
  )) as Array<{ title: string }>;
  expect(issues.map((i) => i.title)).toEqual(['Error: in the latest release']);
});

it('makes a release first seen on events the next release of issues resolved in the next release', async () => {
  // Releases that are not semantic versions, so "the next release" is the next one created.
  const send = (release: string, agoSeconds?: number) =>
    withRelease(
      release,
      () => Sentry.captureException(new Error('fixed next'), { fingerprint: ['next'] }),
      agoSeconds,
    );
  // A minute old: Sentry does not regress an issue within 5 s of its activation (a race).
  await send('nightly-a', 60);
  const [issue] = (await api(
    `/api/0/organizations/vigil/issues/?query=${encodeURIComponent('fixed next')}`,
  )) as Array<{
    id: string;
  }>;
  const res = await server.vigil.app.inject({
    method: 'PUT',
    url: `/api/0/issues/${issue!.id}/`,
    headers: { authorization: `Bearer ${server.vigil.adminToken}` },
    payload: { status: 'resolved', statusDetails: { inNextRelease: true } },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(await api(`/api/0/issues/${issue!.id}/`)).toMatchObject({ statusDetails: { inNextRelease: true } });

  // Another event of the release it was current in: still resolved.
  await send('nightly-a');
  expect(await api(`/api/0/issues/${issue!.id}/`)).toMatchObject({ status: 'resolved' });

  // nightly-b is created by its first event, which makes it the release the issue was resolved
  // in; the event, from a release after the one the issue was current in, regresses it.
  await send('nightly-b');
  expect(await api(`/api/0/issues/${issue!.id}/`)).toMatchObject({
    status: 'unresolved',
    substatus: 'regressed',
  });
  const { activity } = (await api(`/api/0/issues/${issue!.id}/activities/`)) as {
    activity: Array<{ type: string; data: Record<string, unknown> }>;
  };
  expect(activity.find((a) => a.type === 'set_regression')?.data).toMatchObject({
    version: 'nightly-b',
    resolved_in_version: 'nightly-b',
  });
});
