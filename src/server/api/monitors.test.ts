// The monitor API over real embedded stores (SQLite + chDB): check-ins go through the processing
// loop's check-in handler (pipeline → monitor upsert → id resolution → rows), then the routes
// are read with app.inject.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openClickHouse, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import { CHECK_INS_TABLE, CheckInIdResolver } from '../../storage/clickhouse/check-ins.js';
import {
  bootstrap,
  createProject,
  openMetadataStore,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { CheckInItemHandler } from '../services/check-in-handler.js';
import { TokenAuth } from './auth.js';
import { apiErrorHandler } from './errors.js';
import { monitorRoutes } from './monitors.js';
import { DEFAULT_PROJECT_CONFIG } from '../../processing/project-config/index.js';

const MIN = 60;
const HOUR = 60 * MIN;
// A whole hour in the recent past (rows older than the retention are dropped by the TTL).
const NOW = Math.floor(Date.now() / 1000 / HOUR) * HOUR - HOUR + 30 * MIN;
const TOP = NOW - 30 * MIN; // the hour NOW is in
const ID = (n: number): string => n.toString(16).padStart(32, 'a');

let dir: string;
let metadata: MetadataStore;
let clickhouse: ClickHouseStore;
let app: FastifyInstance;
let token: string;
let projectId: number;
let otherProjectId: number;

/** Runs check-in payloads through the processing loop's check-in handler (pipeline → monitors → ids → rows). */
async function ingest(...items: Array<[object, number, number?]>): Promise<void> {
  const rows: string[] = [];
  const handler = new CheckInItemHandler({
    metadata,
    resolver,
    sink: { push: (lines) => (rows.push(...lines), true) },
    outcomes: { record: () => undefined },
  });
  for (const [payload, receivedAt, project] of items) {
    const accepted = {
      envelope: { headers: {}, items: [] },
      projectId: project ?? projectId,
      organizationId: 1,
      keyId: 1,
      publicKey: 'k'.repeat(32),
      meta: { receivedAt, clientIp: '127.0.0.1' },
      sizeBytes: 0,
      config: DEFAULT_PROJECT_CONFIG,
    };
    handler.handle(accepted, {
      headers: { type: 'check_in' },
      payload: Buffer.from(JSON.stringify(payload)),
    });
  }
  await handler.flush();
  await clickhouse.insertJsonLines(CHECK_INS_TABLE, rows);
}

let resolver: CheckInIdResolver;

async function get(url: string): Promise<{ status: number; body: unknown; link?: string }> {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json(), link: res.headers.link as string | undefined };
}

const hourly = { schedule: { type: 'crontab', value: '0 * * * *' }, max_runtime: 20 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-monitors-api-'));
  metadata = await openMetadataStore({ dataDir: dir });
  const boot = await bootstrap(metadata);
  token = boot.token!;
  projectId = boot.project.id;
  const other = await createProject(metadata, boot.organization.id, 'worker');
  if (!other.ok) throw new Error(other.error.detail);
  otherProjectId = other.value.id;
  clickhouse = await openClickHouse({ dataDir: dir });
  await migrate(clickhouse);
  resolver = new CheckInIdResolver(clickhouse);

  await ingest(
    // backup: hourly, last two runs ok, the latest run (nil id) closed by an HTTP-style ok.
    [
      { check_in_id: ID(1), monitor_slug: 'backup', status: 'in_progress', monitor_config: hourly },
      TOP - HOUR,
    ],
    [{ check_in_id: ID(1), monitor_slug: 'backup', status: 'ok', duration: 60 }, TOP - HOUR + MIN],
    [{ monitor_slug: 'backup', status: 'in_progress', environment: 'staging' }, TOP + MIN],
    [{ monitor_slug: 'backup', status: 'in_progress' }, TOP],
    [{ monitor_slug: 'backup', status: 'ok' }, TOP + 2 * MIN],
    // reports: every 2 hours, last run failed; one run still open (timed out after 20 min).
    [
      {
        check_in_id: ID(2),
        monitor_slug: 'Reports',
        status: 'error',
        duration: 5,
        monitor_config: { schedule: { type: 'interval', value: 2, unit: 'hour' }, max_runtime: 20 },
      },
      NOW - 10 * MIN,
    ],
    [{ check_in_id: ID(3), monitor_slug: 'reports', status: 'in_progress' }, NOW - 50 * MIN],
    // ghost: no monitor config and no monitor: dropped.
    [{ monitor_slug: 'ghost', status: 'ok' }, NOW],
    // worker project: same slug as a monitor of the default project.
    [
      { check_in_id: ID(4), monitor_slug: 'backup', status: 'ok', monitor_config: hourly },
      TOP,
      otherProjectId,
    ],
  );

  app = Fastify();
  app.setErrorHandler(apiErrorHandler);
  await monitorRoutes(app, {
    metadata,
    clickhouse,
    auth: new TokenAuth(metadata),
    publicUrl: 'http://vigil.test',
    now: () => new Date(NOW * 1000),
  });
});

afterAll(async () => {
  await app?.close();
  await clickhouse?.close();
  await metadata?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const iso = (s: number): string => new Date(s * 1000).toISOString();

describe('GET /api/0/organizations/{org}/monitors/', () => {
  it('lists monitors in Sentry shape with derived environments', async () => {
    const res = await get('/api/0/organizations/vigil/monitors/');
    expect(res.status).toBe(200);
    const monitors = res.body as Array<Record<string, unknown>>;
    expect(monitors.map((m) => [m.slug, (m.project as { slug: string }).slug])).toEqual([
      ['backup', 'default'],
      ['backup', 'worker'],
      ['reports', 'default'],
    ]);
    const backup = monitors[0]!;
    expect(backup).toMatchObject({
      name: 'backup',
      status: 'active',
      isMuted: false,
      type: 'cron_job',
      owner: null,
      config: {
        schedule_type: 'crontab',
        schedule: '0 * * * *',
        checkin_margin: null,
        max_runtime: 20,
        timezone: null,
        failure_issue_threshold: null,
        recovery_threshold: null,
      },
      project: { slug: 'default', hasMonitors: true },
    });
    expect(backup.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(backup.environments).toEqual([
      // Still in progress at NOW, 29 min after its start, past max_runtime 20: timed out.
      expect.objectContaining({ name: 'staging', status: 'error', lastCheckIn: iso(TOP + MIN) }),
      {
        name: 'production',
        status: 'ok',
        isMuted: false,
        dateCreated: backup.dateCreated,
        lastCheckIn: iso(TOP),
        nextCheckIn: iso(TOP + HOUR),
        nextCheckInLatest: iso(TOP + HOUR + MIN),
        activeIncident: null,
      },
    ]);
    const reports = monitors[2]!;
    expect(reports.config).toMatchObject({ schedule_type: 'interval', schedule: [2, 'hour'] });
    expect(reports.environments).toEqual([
      expect.objectContaining({ name: 'production', status: 'error', lastCheckIn: iso(NOW - 10 * MIN - 5) }),
    ]);
  });

  it('filters by project, environment and query, and paginates', async () => {
    const worker = await get(`/api/0/organizations/vigil/monitors/?project=${otherProjectId}`);
    expect((worker.body as Array<{ slug: string }>).map((m) => m.slug)).toEqual(['backup']);
    const staging = (await get('/api/0/organizations/vigil/monitors/?environment=staging')).body as Array<{
      slug: string;
      environments: Array<{ name: string }>;
    }>;
    expect(staging.map((m) => [m.slug, m.environments.map((e) => e.name)])).toEqual([
      ['backup', ['staging']],
    ]);
    const search = (await get('/api/0/organizations/vigil/monitors/?query=REP')).body as Array<{
      slug: string;
    }>;
    expect(search.map((m) => m.slug)).toEqual(['reports']);
    const page = await get('/api/0/organizations/vigil/monitors/?per_page=2');
    expect((page.body as unknown[]).length).toBe(2);
    expect(page.link).toContain('rel="next"; results="true"; cursor="0:2:0"');
  });

  it('answers 401 without a token and 404 for another organization', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/0/organizations/vigil/monitors/' });
    expect(res.statusCode).toBe(401);
    expect((await get('/api/0/organizations/acme/monitors/')).status).toBe(404);
  });
});

describe('monitor details and check-ins', () => {
  it('returns one monitor at the organization and project paths', async () => {
    const org = await get('/api/0/organizations/vigil/monitors/reports/');
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ slug: 'reports', name: 'reports' });
    const project = await get('/api/0/projects/vigil/worker/monitors/backup/');
    expect(project.body).toMatchObject({ slug: 'backup', project: { slug: 'worker' } });
    expect((await get('/api/0/organizations/vigil/monitors/ghost/')).status).toBe(404);
    expect((await get('/api/0/projects/vigil/worker/monitors/reports/')).status).toBe(404);
  });

  it('lists check-ins newest first with Sentry fields; nil ids update the open run', async () => {
    const res = await get('/api/0/organizations/vigil/monitors/backup/checkins/');
    expect(res.status).toBe(200);
    const checkIns = res.body as Array<Record<string, unknown>>;
    expect(checkIns.map((c) => [c.environment, c.status, c.duration, c.dateCreated])).toEqual([
      ['staging', 'timeout', null, iso(TOP + MIN)],
      ['production', 'ok', 120_000, iso(TOP)],
      ['production', 'ok', 60_000, iso(TOP - HOUR)],
    ]);
    expect(checkIns[2]).toEqual({
      id: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa1',
      environment: 'production',
      status: 'ok',
      duration: 60_000,
      dateCreated: iso(TOP - HOUR),
      expectedTime: iso(TOP - HOUR),
      monitorConfig: expect.objectContaining({ schedule: '0 * * * *' }),
    });
  });

  it('filters check-ins by environment, time range and project path, and paginates', async () => {
    const staging = (await get('/api/0/organizations/vigil/monitors/backup/checkins/?environment=staging'))
      .body as unknown[];
    expect(staging).toHaveLength(1);
    const recent = (await get('/api/0/organizations/vigil/monitors/reports/checkins/?statsPeriod=20m'))
      .body as Array<{ id: string; status: string; duration: number }>;
    expect(recent).toEqual([
      expect.objectContaining({ status: 'error', duration: 5000, expectedTime: null }),
    ]);
    const worker = (await get('/api/0/projects/vigil/worker/monitors/backup/checkins/')).body as Array<{
      id: string;
    }>;
    expect(worker.map((c) => c.id)).toEqual(['aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa4']);
    const page = await get('/api/0/organizations/vigil/monitors/backup/checkins/?per_page=1&cursor=0:1:0');
    expect((page.body as Array<{ environment: string }>).map((c) => c.environment)).toEqual(['production']);
    expect(page.link).toContain('rel="previous"; results="true"');
    expect(page.link).toContain('rel="next"; results="true"; cursor="0:2:0"');
  });
});
