// "Resolved in the next release" once the next release exists (Sentry's
// `clear_expired_resolutions`), driven the way users drive it: issues from the real @sentry/node
// SDK, resolved through the web API, releases created by the real sentry-cli (`releases new`)
// and by a script POSTing to the project release route; the resolution becomes "resolved in"
// that release (statusDetails, the activity's version), events of the release the issue was
// current in do not regress it and events of a later release do. Versions are not semver, so
// the project orders releases by date and the resolution stays pending until then.
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { runSentryCli } from '../helpers/sentry-cli.js';
import { api as request } from '../helpers/vigil-process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted, not trusted
type Body = any;

let server: TestVigil;

beforeAll(async () => {
  server = await startTestVigil('issue-workflow-releases');
}, 60_000);

afterAll(async () => {
  await Sentry.close(2000);
  await server?.close();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const target = { url: server.url, token: server.vigil.adminToken ?? '' };
  const res = await request(target, path, { method, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, body: res.body };
}

async function cli(args: string[]): Promise<string> {
  const target = { url: server.url, token: server.vigil.adminToken ?? '', dir: server.dataDir };
  return runSentryCli(target, args);
}

/**
 * Sends an error from @sentry/node as release `release`, grouped by `fingerprint`, that happened
 * `agoSeconds` ago; returns its issue id. (An issue regresses only on events more than 5 s after
 * it was last activated, Sentry's race window, so the issues start a minute back.)
 */
async function send(release: string, fingerprint: string, agoSeconds = 0): Promise<string> {
  Sentry.init({
    dsn: server.vigil.dsn,
    release,
    defaultIntegrations: false,
    beforeSend: (event) => ({ ...event, timestamp: Date.now() / 1000 - agoSeconds }),
  });
  const eventId = Sentry.withScope((scope) => {
    scope.setFingerprint([fingerprint]);
    return Sentry.captureException(new Error(`checkout failed (${fingerprint})`));
  });
  expect(await Sentry.flush(5000)).toBe(true);
  await Sentry.close(2000);
  await server.vigil.flush();
  const event = await api('GET', `/api/0/projects/vigil/default/events/${eventId}/`);
  expect(event.status).toBe(200);
  return String(event.body.groupID);
}

async function issue(id: string): Promise<Body> {
  return (await api('GET', `/api/0/issues/${id}/`)).body;
}

it('resolves "in the next release" in the release created next, and regresses on later releases only', async () => {
  expect(await cli(['releases', 'new', 'nightly-a'])).toContain('Created release nightly-a');
  const first = await send('nightly-a', 'next-release-cli', 60);
  const resolved = await api('PUT', `/api/0/issues/${first}/`, {
    status: 'resolved',
    statusDetails: { inNextRelease: true },
  });
  expect(resolved.body).toMatchObject({ status: 'resolved', statusDetails: { inNextRelease: true } });

  expect(await cli(['releases', 'new', 'nightly-b'])).toContain('Created release nightly-b');
  const converted = await issue(first);
  expect(converted).toMatchObject({ status: 'resolved', statusDetails: { inRelease: 'nightly-b' } });
  const activity = (await api('GET', `/api/0/issues/${first}/activities/`)).body.activity as Body[];
  expect(activity.find((a) => a.type === 'set_resolved_in_release')?.data).toEqual({ version: 'nightly-b' });

  // A second issue resolved in the next release while nightly-b is the newest, converted by a
  // release a script creates through the project route.
  const second = await send('nightly-b', 'next-release-script', 60);
  await api('PUT', `/api/0/issues/${second}/`, { status: 'resolvedInNextRelease' });
  expect((await issue(second)).statusDetails).toMatchObject({ inNextRelease: true });
  const created = await api('POST', '/api/0/projects/vigil/default/releases/', { version: 'nightly-c' });
  expect(created.status).toBe(201);
  expect((await issue(second)).statusDetails).toMatchObject({ inRelease: 'nightly-c' });
  expect((await issue(first)).statusDetails).toMatchObject({ inRelease: 'nightly-b' });

  // Events of the release an issue was current in do not regress it.
  await send('nightly-a', 'next-release-cli');
  await send('nightly-b', 'next-release-script');
  expect((await issue(first)).status).toBe('resolved');
  expect((await issue(second)).status).toBe('resolved');

  // An event of a release after the one it was resolved in does.
  await send('nightly-c', 'next-release-cli');
  const regressed = await issue(first);
  expect(regressed).toMatchObject({ status: 'unresolved', substatus: 'regressed' });
  expect(regressed.activity[0]).toMatchObject({
    type: 'set_regression',
    data: { version: 'nightly-c', resolved_in_version: 'nightly-b', follows_semver: false },
  });
}, 120_000);
