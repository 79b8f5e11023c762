/**
 * Cron monitors end to end against the built server: the official @sentry/node SDK checks in
 * (`Sentry.captureCheckIn` with a monitor upsert, `Sentry.withMonitor`), a crontab-style client
 * uses Relay's HTTP cron endpoint with fetch (JSON body + Basic auth, `sentry_key` query, key
 * in the path), and the test reads monitors and check-ins back through the web API and the
 * `vigil monitors` command.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientsDir,
  eventually,
  runClient,
  startVigil,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

const client = path.join(clientsDir, 'node-crons.mjs');

interface Monitor {
  id: string;
  slug: string;
  name: string;
  status: string;
  type: string;
  config: Record<string, unknown>;
  project: { slug: string };
  environments: Array<{
    name: string;
    status: string;
    lastCheckIn: string | null;
    nextCheckIn: string | null;
  }>;
}

interface CheckIn {
  id: string;
  environment: string;
  status: string;
  duration: number | null;
  dateCreated: string;
  monitorConfig: Record<string, unknown>;
}

let vigil: VigilProcess;
let publicKey: string;
let projectId: string;

function scenario(name: string): Promise<Record<string, unknown>> {
  return runClient(process.execPath, [client, name], { SENTRY_DSN: vigil.dsn });
}

async function monitors(): Promise<Monitor[]> {
  const res = await api(vigil, '/api/0/organizations/vigil/monitors/');
  expect(res.status).toBe(200);
  return res.body as Monitor[];
}

/** Waits until the monitor has `n` check-ins and every one of them is finished. */
async function finishedCheckIns(slug: string, n: number): Promise<CheckIn[]> {
  return eventually(async () => {
    const res = await api(vigil, `/api/0/organizations/vigil/monitors/${slug}/checkins/`);
    if (res.status !== 200) return undefined;
    const checkIns = res.body as CheckIn[];
    return checkIns.length === n && checkIns.every((c) => c.status !== 'in_progress') ? checkIns : undefined;
  });
}

function cron(pathAndQuery: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${vigil.url}/api/${projectId}/cron/${pathAndQuery}`, init);
}

const hyphenated = (hex: string): string =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

beforeAll(async () => {
  vigil = await startVigil();
  const dsn = new URL(vigil.dsn);
  publicKey = dsn.username;
  projectId = dsn.pathname.replace(/^\//, '');
});

afterAll(async () => {
  await vigil?.dispose();
});

describe('@sentry/node check-ins', () => {
  it('captureCheckIn: in_progress with a crontab upsert, then ok with a duration', async () => {
    const { checkInId } = (await scenario('capture')) as { checkInId: string };
    expect(checkInId).toMatch(/^[0-9a-f]{32}$/);
    const [checkIn] = await finishedCheckIns('e2e-capture', 1);
    expect(checkIn).toMatchObject({
      id: hyphenated(checkInId),
      environment: 'e2e',
      status: 'ok',
      duration: 1250,
    });
    expect(Date.parse(checkIn!.dateCreated)).toBeGreaterThan(Date.now() - 10 * 60_000);

    const monitor = (await monitors()).find((m) => m.slug === 'e2e-capture');
    expect(monitor).toMatchObject({
      name: 'e2e-capture',
      status: 'active',
      type: 'cron_job',
      project: { slug: 'default' },
      config: {
        schedule_type: 'crontab',
        schedule: '*/5 * * * *',
        checkin_margin: 2,
        max_runtime: 10,
        timezone: 'Europe/Vienna',
        failure_issue_threshold: 2,
        recovery_threshold: 1,
      },
    });
    expect(monitor!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(monitor!.environments).toHaveLength(1);
    const env = monitor!.environments[0]!;
    expect(env.name).toBe('e2e');
    expect(env.status).toBe('ok');
    // The next slot of `*/5 * * * *` after the run: a multiple of 5 minutes, in the future.
    const next = new Date(env.nextCheckIn!);
    expect(next.getUTCMinutes() % 5).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.parse(env.lastCheckIn!));

    const details = await api(vigil, `/api/0/projects/vigil/default/monitors/e2e-capture/checkins/`);
    expect(details.status).toBe(200);
    expect((details.body as CheckIn[]).map((c) => c.id)).toEqual([hyphenated(checkInId)]);
  });

  it('withMonitor: an ok run with an interval upsert, then a failing run', async () => {
    await scenario('with-monitor');
    const checkIns = await finishedCheckIns('e2e-with-monitor', 2);
    expect(checkIns.map((c) => c.status)).toEqual(['error', 'ok']);
    expect(checkIns[1]!.duration).toBeGreaterThanOrEqual(140);
    expect(checkIns[0]!.duration).toBeGreaterThanOrEqual(15);
    expect(checkIns[0]!.monitorConfig).toMatchObject({
      schedule_type: 'interval',
      schedule: [1, 'hour'],
      max_runtime: 5,
    });
    const monitor = (await monitors()).find((m) => m.slug === 'e2e-with-monitor');
    expect(monitor?.environments.map((e) => [e.name, e.status])).toEqual([['e2e', 'error']]);
  });
});

describe('HTTP cron endpoint', () => {
  it('POST JSON + Basic auth opens a run, GET with sentry_key closes it, the key in the path reports a failure', async () => {
    const basic = `Basic ${Buffer.from(`${publicKey}:`).toString('base64')}`;
    const open = await cron('e2e-http/', {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'in_progress',
        environment: 'cron-box',
        monitor_config: { schedule: { type: 'interval', value: 10, unit: 'minute' }, checkin_margin: 3 },
      }),
    });
    expect(open.status).toBe(202);
    expect(await open.text()).toBe('');

    const close = await cron(`e2e-http?sentry_key=${publicKey}&status=ok&environment=cron-box`);
    expect(close.status).toBe(202);

    const failedId = '5f1c0c2e6b2d4c0f9a3e8d7b6a5c4b3a';
    const failed = await cron(
      `e2e-http/${publicKey}/?status=error&check_in_id=${failedId}&duration=3&environment=cron-box`,
    );
    expect(failed.status).toBe(202);

    // Newest start first: the failed run reported 3 s of runtime, so it started before the other.
    const checkIns = await finishedCheckIns('e2e-http', 2);
    expect(checkIns.map((c) => [c.status, c.environment])).toEqual([
      ['ok', 'cron-box'],
      ['error', 'cron-box'],
    ]);
    expect(checkIns[1]).toMatchObject({ id: hyphenated(failedId), duration: 3000 });
    // The nil-id `ok` closed the open run: its duration is the time since the run started.
    expect(checkIns[0]!.duration).toBeGreaterThanOrEqual(0);
    expect(checkIns[0]!.duration).toBeLessThan(60_000);

    const monitor = (await monitors()).find((m) => m.slug === 'e2e-http');
    expect(monitor?.config).toMatchObject({
      schedule_type: 'interval',
      schedule: [10, 'minute'],
      checkin_margin: 3,
    });
    // The environment's status follows the check-in reported last.
    expect(monitor?.environments.map((e) => [e.name, e.status])).toEqual([['cron-box', 'error']]);
  });

  it('answers Relay errors: 401 without auth, 400 without status, 403 for an unknown key', async () => {
    const missing = await cron('e2e-http/?status=ok');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ detail: 'missing authorization information' });
    const noStatus = await cron(`e2e-http/${publicKey}/`);
    expect(noStatus.status).toBe(400);
    const unknown = await cron(`e2e-http/${'0'.repeat(32)}/?status=ok`);
    expect(unknown.status).toBe(403);
  });

  it('creates no monitor for a check-in without a config (Sentry drops it)', async () => {
    const unknown = await cron(`e2e-unknown/${publicKey}/?status=ok`);
    expect(unknown.status).toBe(202);
    // The queue is processed in order: once this later upsert is visible, the first was handled.
    const marker = await cron(`e2e-marker/${publicKey}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'ok',
        monitor_config: { schedule: { type: 'crontab', value: '@daily' } },
      }),
    });
    expect(marker.status).toBe(202);
    const [checkIn] = await finishedCheckIns('e2e-marker', 1);
    expect(checkIn).toMatchObject({
      status: 'ok',
      environment: 'production',
      monitorConfig: { schedule: '0 0 * * *' },
    });
    const notFound = await api(vigil, '/api/0/organizations/vigil/monitors/e2e-unknown/checkins/');
    expect(notFound.status).toBe(404);
    expect((await monitors()).map((m) => m.slug)).not.toContain('e2e-unknown');
  });
});

describe('vigil monitors', () => {
  const cli = (...args: string[]): Promise<string> => vigilCli(vigil, args, 'token');

  it('lists monitors and their check-ins', async () => {
    await finishedCheckIns('e2e-http', 2);
    const list = await cli('monitors', 'list');
    expect(list).toMatch(/^default\te2e-capture\t\*\/5 \* \* \* \* \(Europe\/Vienna\)\te2e\tok\t/m);
    expect(list).toMatch(/^default\te2e-http\tevery 10 minute\tcron-box\terror\t/m);
    const checkIns = (await cli('monitors', 'checkins', 'e2e-http', '--project', 'default'))
      .trim()
      .split('\n');
    expect(checkIns).toHaveLength(2);
    expect(checkIns[1]).toMatch(/\tcron-box\terror\t3000\t5f1c0c2e-6b2d-4c0f-9a3e-8d7b6a5c4b3a$/);
  });
});
