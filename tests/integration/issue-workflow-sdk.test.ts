// The issue workflow's time- and release-driven transitions, driven the way users drive them:
// issues from the real @sentry/node SDK, actions through the web API, releases from the real
// sentry-cli (`releases new`) and from a script POSTing to the project release route.
// - "Resolved in the next release" once the next release exists (Sentry's
//   `clear_expired_resolutions`): the resolution becomes "resolved in" that release
//   (statusDetails, the activity's version), events of the release the issue was current in do
//   not regress it and events of a later release do. Versions are not semver, so the project
//   orders releases by date and the resolution stays pending until then.
// - Archived until escalating (Sentry's escalating issues): archiving forecasts the issue from its
//   last week of events (one event: a ceiling of 10 an hour), the maintenance job makes
//   yesterday's forecast again, and the event that takes the hour past the ceiling escalates an
//   issue first seen more than a day ago, not a younger one.
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssueMaintenance } from '../../src/server/services/issue-maintenance.js';
import { getForecasts, setForecasts } from '../../src/storage/metadata/index.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { runSentryCli } from '../helpers/sentry-cli.js';
import { api as request } from '../helpers/vigil-process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted, not trusted
type Body = any;

let server: TestVigil;

beforeAll(async () => {
  server = await startTestVigil('issue-workflow-sdk');
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
 * `agoSeconds` ago; resolves once it is stored with its event id and issue id. (An issue
 * regresses only on events more than 5 s after it was last activated, Sentry's race window, so
 * the regression test's issues start a minute back.)
 */
async function sendEvent(
  release: string,
  fingerprint: string,
  agoSeconds = 0,
): Promise<{ eventId: string; issueId: string }> {
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
  return { eventId, issueId: String(event.body.groupID) };
}

/** {@link sendEvent}, answering the issue id. */
async function send(release: string, fingerprint: string, agoSeconds = 0): Promise<string> {
  return (await sendEvent(release, fingerprint, agoSeconds)).issueId;
}

async function issue(id: string): Promise<Body> {
  return (await api('GET', `/api/0/issues/${id}/`)).body;
}

describe('resolved in the next release', () => {
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
    expect(activity.find((a) => a.type === 'set_resolved_in_release')?.data).toEqual({
      version: 'nightly-b',
    });

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
});

describe('archived until escalating', () => {
  /** Waits for the next clock hour when this one has less than a minute left (the counts are hourly). */
  async function withinOneHour(): Promise<void> {
    const left = 3_600_000 - (Date.now() % 3_600_000);
    if (left < 60_000) await new Promise((r) => setTimeout(r, left + 1_000));
  }

  const ids = async (query: string): Promise<string[]> =>
    (
      (await api('GET', `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent(query)}`))
        .body as Body[]
    ).map((i) => String(i.id));

  /** Archives issue `id` until escalating, as the issue stream's "Archive" → "Until escalating". */
  const archive = (id: string) =>
    api('PUT', `/api/0/projects/vigil/default/issues/?id=${id}`, {
      status: 'ignored',
      substatus: 'archived_until_escalating',
      statusDetails: {},
    });

  it('escalates when the events of an hour exceed the forecast made at archiving', async () => {
    await withinOneHour();
    // First seen 25 hours ago: issues younger than a day are not checked.
    const id = await send('esc-1', 'escalating-checkout', 25 * 3600);
    // The bulk answer is the delta.
    const archived = await archive(id);
    expect(archived.body).toMatchObject({
      status: 'ignored',
      statusDetails: { ignoreUntilEscalating: true },
    });
    expect(await issue(id)).toMatchObject({ substatus: 'archived_until_escalating' });
    // One event in the last week: ten times the busiest hour, every day for two weeks.
    const { metadata } = server.vigil;
    expect((await getForecasts(metadata.db, [Number(id)])).get(Number(id))?.forecast).toEqual(
      new Array(14).fill(10),
    );

    // A forecast made before today (UTC) is made again by the maintenance job's daily pass.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await metadata.db.updateTable('group_forecasts').set({ date_added: yesterday }).execute();
    const maintenance = new IssueMaintenance({
      metadata,
      clickhouse: server.vigil.clickhouse,
      logger: server.vigil.logger,
    });
    expect(await maintenance.runOnce()).toMatchObject({ forecasts: 1 });
    const renewed = (await getForecasts(metadata.db, [Number(id)])).get(Number(id));
    expect(renewed?.dateAdded.getTime()).toBeGreaterThan(Date.parse(yesterday));
    expect(await maintenance.runOnce()).toMatchObject({ forecasts: 0 });

    // Ten events this hour do not exceed the ceiling of 10; the eleventh does.
    for (let i = 0; i < 10; i++) await send('esc-1', 'escalating-checkout');
    expect(await issue(id)).toMatchObject({ status: 'ignored', substatus: 'archived_until_escalating' });
    expect(await ids('is:escalating')).not.toContain(id);
    const last = await sendEvent('esc-1', 'escalating-checkout');
    expect(await issue(id)).toMatchObject({ status: 'unresolved', substatus: 'escalating', count: '12' });
    const activity = (await api('GET', `/api/0/issues/${id}/activities/`)).body.activity as Body[];
    expect(activity[0]).toMatchObject({
      type: 'set_escalating',
      data: { event_id: last.eventId, forecast: 10 },
    });
    expect(await ids('is:escalating')).toContain(id);
    expect(await ids('is:unresolved is:for_review')).toContain(id);
    // The forecast stays (used again if the issue is archived again within its 14 days).
    expect((await getForecasts(metadata.db, [Number(id)])).size).toBe(1);
  }, 120_000);

  it('forecasts an issue quiet for a week only once it has events again', async () => {
    await withinOneHour();
    const id = await send('esc-3', 'escalating-quiet', 8 * 86_400);
    const busy = await send('esc-3', 'escalating-busy');
    const { metadata } = server.vigil;
    const forecastOf = async (issueId: string) =>
      (await getForecasts(metadata.db, [Number(issueId)])).get(Number(issueId));
    // No events in the last week: no forecast at archiving (Sentry saves none), none in the daily
    // pass either, which looks at each issue once a day (one per run here) and goes on with the
    // next: the busy one's forecast of yesterday.
    await archive(id);
    await archive(busy);
    expect(await forecastOf(id)).toBeUndefined();
    const yesterday = new Date(Date.now() - 86_400_000);
    await setForecasts(metadata.db, new Map([[Number(busy), [1]]]), yesterday);
    // The job's clock, to be moved to tomorrow.
    let ahead = 0;
    const maintenance = new IssueMaintenance({
      metadata: { ...metadata, now: () => new Date(Date.now() + ahead) },
      clickhouse: server.vigil.clickhouse,
      logger: server.vigil.logger,
      forecastsPerRun: 1,
    });
    expect(await maintenance.runOnce()).toMatchObject({ forecasts: 0 });
    expect(await forecastOf(id)).toBeUndefined();
    expect(await maintenance.runOnce()).toMatchObject({ forecasts: 1 });
    expect(await forecastOf(busy)).toMatchObject({ forecast: new Array(14).fill(10) });
    expect(await maintenance.runOnce()).toMatchObject({ forecasts: 0 });
    // Tomorrow the pass starts over.
    ahead = 86_400_000;
    expect(await maintenance.runOnce()).toMatchObject({ forecasts: 0 });
    expect(await maintenance.runOnce()).toMatchObject({ forecasts: 1 });

    // Its next event is checked against the default ceiling and asks for a forecast, made from
    // the events stored by then: the one after it finds the first stored, and gets one.
    await send('esc-3', 'escalating-quiet');
    await send('esc-3', 'escalating-quiet');
    expect(await forecastOf(id)).toMatchObject({ forecast: new Array(14).fill(10) });
    expect(await issue(id)).toMatchObject({ status: 'ignored', substatus: 'archived_until_escalating' });
  }, 120_000);

  it('does not escalate an issue first seen less than a day ago', async () => {
    await withinOneHour();
    const id = await send('esc-2', 'escalating-young');
    await archive(id);
    // Whatever its ceiling, an issue younger than a day is not checked (Sentry's new-issue path).
    const { metadata } = server.vigil;
    await setForecasts(metadata.db, new Map([[Number(id), new Array(14).fill(1)]]), new Date());
    for (let i = 0; i < 3; i++) await send('esc-2', 'escalating-young');
    expect(await issue(id)).toMatchObject({ status: 'ignored', substatus: 'archived_until_escalating' });
    expect(await ids('is:escalating')).not.toContain(id);
  }, 120_000);
});
