// The sessions endpoint through Fastify's inject, over real stores (SQLite metadata, embedded
// chDB) holding rows made by the session pipeline from SDK-shaped payloads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processSessionItem } from '../../processing/items/sessions/index.js';
import { migrate, openClickHouse, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import { SESSIONS_TABLE, encodeSessionRow } from '../../storage/clickhouse/sessions.js';
import {
  bootstrap,
  createApiToken,
  createProject,
  openMetadataStore,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { TokenAuth } from './auth.js';
import { apiErrorHandler } from './errors.js';
import { sessionRoutes } from './sessions.js';

const HOUR = 3600;
// "Now" for the endpoint: half past a recent hour (rows must be within the table's TTL).
const NOW = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 2 * HOUR + 1800;
const iso = (s: number): string => new Date(s * 1000).toISOString();
const isoZ = (s: number): string => `${iso(s).slice(0, 19)}Z`;

let dataDir: string;
let clickhouse: ClickHouseStore;
let metadata: MetadataStore;
let app: FastifyInstance;
let token: string;
let readOnlyToken: string;
let otherProjectId: number;

async function store(
  projectId: number,
  type: 'session' | 'sessions',
  payload: unknown,
  receivedAt = NOW,
): Promise<void> {
  const result = processSessionItem(Buffer.from(JSON.stringify(payload)), type, {
    projectId,
    receivedAt,
    clientIp: '192.0.2.1',
  });
  if (result.kind !== 'ok') throw new Error(result.reason);
  await clickhouse.insertJsonLines(SESSIONS_TABLE, result.value.map(encodeSessionRow));
}

const session = (sid: string, status: string, did: string, started: number, extra: object = {}) => ({
  sid,
  did,
  init: true,
  started: iso(started),
  timestamp: iso(started + 5),
  status,
  attrs: { release: 'web@1.0.0', environment: 'production' },
  ...extra,
});

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-api-sessions-'));
  metadata = await openMetadataStore({ dataDir });
  const boot = await bootstrap(metadata);
  token = boot.token!;
  readOnlyToken = (await createApiToken(metadata, boot.organization.id, 'ro', ['project:read'])).token;
  const other = await createProject(metadata, boot.organization.id, 'other');
  if (!other.ok) throw new Error('createProject failed');
  otherProjectId = other.value.id;
  clickhouse = await openClickHouse({ dataDir });
  await migrate(clickhouse);

  const p = boot.project.id;
  // web@1.0.0: healthy, errored (two updates), crashed (two updates); 3 users, 1 crashed.
  await store(p, 'session', session('11111111111111111111111111111111', 'exited', 'alice', NOW - 3000));
  await store(
    p,
    'session',
    session('22222222222222222222222222222222', 'ok', 'bob', NOW - 2900, { errors: 1 }),
  );
  await store(
    p,
    'session',
    session('22222222222222222222222222222222', 'exited', 'bob', NOW - 2900, {
      init: false,
      seq: 2,
      errors: 1,
    }),
  );
  await store(p, 'session', session('33333333333333333333333333333333', 'ok', 'carol', NOW - 600));
  await store(
    p,
    'session',
    session('33333333333333333333333333333333', 'crashed', 'carol', NOW - 600, { init: false, seq: 5 }),
  );
  // web@2.0.0 (staging): request-mode aggregates, 4 exited and 1 crashed.
  await store(p, 'sessions', {
    aggregates: [{ started: iso(NOW - 1200), exited: 4, crashed: 1 }],
    attrs: { release: 'web@2.0.0', environment: 'staging' },
  });
  // The other project: one healthy session.
  await store(
    otherProjectId,
    'session',
    session('44444444444444444444444444444444', 'exited', 'alice', NOW - 100),
  );

  app = Fastify();
  app.setErrorHandler(apiErrorHandler);
  await app.register(sessionRoutes, {
    metadata,
    clickhouse,
    auth: new TokenAuth(metadata),
    now: () => new Date(NOW * 1000),
  });
});

afterAll(async () => {
  await app?.close();
  await clickhouse?.close();
  await metadata?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function get(
  query: string,
  bearer = token,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({
    method: 'GET',
    url: `/api/0/organizations/vigil/sessions/?${query}`,
    headers: { authorization: `Bearer ${bearer}` },
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

type Group = {
  by: Record<string, unknown>;
  totals: Record<string, unknown>;
  series: Record<string, unknown[]>;
};
const HEALTH_FIELDS =
  'field=sum(session)&field=crash_free_rate(session)&field=count_unique(user)&field=crash_free_rate(user)';

describe('GET /api/0/organizations/{org}/sessions/', () => {
  it("answers Sentry's shape: per-release totals and hourly series over the period", async () => {
    const { status, body } = await get(
      `${HEALTH_FIELDS}&groupBy=release&statsPeriod=24h&interval=1h&project=-1`,
    );
    expect(status).toBe(200);
    const end = NOW + 1800; // now rounded up to the hour
    expect(body.start).toBe(isoZ(end - 25 * HOUR));
    expect(body.end).toBe(isoZ(end));
    expect(body.intervals).toHaveLength(25);
    expect(body.query).toBe('');
    const groups = body.groups as Group[];
    expect(groups.map((g) => [g.by, g.totals])).toEqual([
      [
        { release: 'web@2.0.0' },
        {
          'sum(session)': 5,
          'crash_free_rate(session)': 0.8,
          'count_unique(user)': 0,
          'crash_free_rate(user)': null,
        },
      ],
      [
        { release: 'web@1.0.0' },
        {
          'sum(session)': 4,
          'crash_free_rate(session)': 0.75,
          'count_unique(user)': 3,
          'crash_free_rate(user)': 1 - 1 / 3,
        },
      ],
    ]);
    const v1 = groups[1]!;
    // alice's and bob's sessions started in the previous hour; carol's (crashed) and alice's in
    // the other project in the current one.
    expect(v1.series['sum(session)']!.slice(-3)).toEqual([0, 2, 2]);
    expect(v1.series['crash_free_rate(session)']!.slice(-3)).toEqual([null, 1, 0.5]);
  });

  it('filters with project, projectSlug, environment and query', async () => {
    const only = await get(`field=sum(session)&statsPeriod=24h&projectSlug=default`);
    expect((only.body.groups as Group[])[0]!.totals).toEqual({ 'sum(session)': 8 });
    const other = await get(`field=sum(session)&statsPeriod=24h&project=${otherProjectId}`);
    expect((other.body.groups as Group[])[0]!.totals).toEqual({ 'sum(session)': 1 });
    const staging = await get('field=sum(session)&statsPeriod=24h&environment=staging&groupBy=environment');
    expect((staging.body.groups as Group[]).map((g) => g.by)).toEqual([{ environment: 'staging' }]);
    // No project parameter: all projects (3 sessions in `default`, 1 in `other`).
    const release = await get(
      `field=sum(session)&statsPeriod=24h&query=${encodeURIComponent('release:web@1.0.0')}`,
    );
    expect((release.body.groups as Group[])[0]!.totals).toEqual({ 'sum(session)': 4 });
    expect(release.body.query).toBe('release:web@1.0.0');
    const not = await get(
      `field=sum(session)&statsPeriod=24h&query=${encodeURIComponent('!release:[web@1.0.0,x] environment:staging')}`,
    );
    expect((not.body.groups as Group[])[0]!.totals).toEqual({ 'sum(session)': 5 });
  });

  it('groups by session.status and filters by it', async () => {
    const { body } = await get(
      `field=sum(session)&field=count_unique(user)&groupBy=session.status&statsPeriod=24h&projectSlug=default`,
    );
    expect(
      Object.fromEntries((body.groups as Group[]).map((g) => [g.by['session.status'], g.totals])),
    ).toEqual({
      abnormal: { 'sum(session)': 0, 'count_unique(user)': 0 },
      crashed: { 'sum(session)': 2, 'count_unique(user)': 1 },
      errored: { 'sum(session)': 1, 'count_unique(user)': 1 },
      healthy: { 'sum(session)': 5, 'count_unique(user)': 1 },
      unhandled: { 'sum(session)': 0, 'count_unique(user)': 0 },
    });
    const crashed = await get(
      `field=sum(session)&statsPeriod=24h&projectSlug=default&query=${encodeURIComponent('session.status:crashed')}`,
    );
    expect((crashed.body.groups as Group[])[0]!.totals).toEqual({ 'sum(session)': 2 });
    const none = await get(
      `field=sum(session)&statsPeriod=24h&query=${encodeURIComponent('session.status:foo')}`,
    );
    expect(none.body.groups).toEqual([]);
  });

  it('drops series or totals on request', async () => {
    const { body } = await get('field=sum(session)&statsPeriod=24h&includeSeries=0');
    expect(body.groups).toEqual([{ by: {}, totals: { 'sum(session)': 9 } }]);
  });

  it.each([
    ['statsPeriod=24h', 'Request is missing a "field"'],
    ['field=sum(sessions)&statsPeriod=24h', 'Invalid field: "sum(sessions)"'],
    ['field=sum(session)&groupBy=os&statsPeriod=24h', 'Invalid groupBy: "os"'],
    [
      'field=sum(session)&interval=90s&statsPeriod=24h',
      'The interval has to be a multiple of the minimum interval of one minute.',
    ],
    [
      'field=sum(session)&interval=7h&statsPeriod=24h',
      'The interval should divide one day without a remainder.',
    ],
    ['field=sum(session)&interval=2d&statsPeriod=24h', 'The interval has to be less than one day.'],
    [
      'field=sum(session)&interval=1h',
      'Your interval and date range would create too many results. Use a larger interval, or a smaller date range.',
    ],
    [
      'field=crash_free_rate(session)&groupBy=session.status&statsPeriod=24h',
      'Cannot group field crash_free_rate(session) by session.status',
    ],
    [
      `field=sum(session)&statsPeriod=24h&query=${encodeURIComponent('release:web*')}`,
      'Invalid condition: wildcard search is not supported',
    ],
    [
      `field=sum(session)&statsPeriod=24h&query=${encodeURIComponent('browser:firefox')}`,
      'Invalid search filter: browser',
    ],
    ['field=sum(session)&statsPeriod=24h&projectSlug=nope', 'Invalid project slug'],
    ['field=sum(session)&statsPeriod=24h&project=999', 'No projects available'],
    ['field=sum(session)&start=2024-01-01T00:00:00', 'start and end are both required'],
  ])('%s → 400', async (query, detail) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body).toEqual({ detail });
  });

  it('takes start/end, with statsPeriod winning over them as in Sentry', async () => {
    const range = `start=${encodeURIComponent(iso(NOW - 2 * HOUR))}&end=${encodeURIComponent(iso(NOW))}`;
    const { status, body } = await get(`field=sum(session)&${range}`);
    expect(status).toBe(200);
    expect(body.start).toBe(isoZ(NOW - 2 * HOUR - 1800));
    expect(body.end).toBe(isoZ(NOW + 1800));
    expect(body.intervals).toHaveLength(3);
    expect((body.groups as Group[])[0]!.totals).toEqual({ 'sum(session)': 9 });
    const both = await get(`field=sum(session)&statsPeriod=1h&${range}`);
    expect(both.body.intervals).toHaveLength(2);
  });

  it('needs a token with event scopes', async () => {
    const anonymous = await app.inject({
      method: 'GET',
      url: '/api/0/organizations/vigil/sessions/?field=sum(session)',
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await get('field=sum(session)&statsPeriod=24h', readOnlyToken)).status).toBe(403);
    const foreign = await app.inject({
      method: 'GET',
      url: '/api/0/organizations/other-org/sessions/?field=sum(session)',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(foreign.statusCode).toBe(404);
  });
});
