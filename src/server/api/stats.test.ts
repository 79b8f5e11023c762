// The stats_v2 endpoint through Fastify's inject over real stores (SQLite metadata, embedded
// chDB) holding hourly outcome rows made by the OutcomeCounter.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../protocol/outcome.js';
import { closeTestStore, openTestStore } from '../../storage/clickhouse/test-store.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { OUTCOMES_TABLE, encodeOutcomeRow } from '../../storage/clickhouse/outcomes.js';
import {
  bootstrap,
  createApiToken,
  createProject,
  openMetadataStore,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { OutcomeCounter } from '../services/outcome-counter.js';
import { TokenAuth } from './auth.js';
import { apiErrorHandler } from './errors.js';
import { statsRoutes } from './stats.js';

const HOUR = 3600;
const NOW = Math.floor(Date.now() / 1000 / HOUR) * HOUR + 1800;
type Json = Record<string, unknown>;

let dataDir: string;
let clickhouse: ClickHouseStore;
let metadata: MetadataStore;
let app: FastifyInstance;
let token: string;
let readOnly: string;
let org: number;
let p1: number;
let p2: number;

async function get(query: string, bearer = token): Promise<{ status: number; body: Json }> {
  const res = await app.inject({
    url: `/api/0/organizations/vigil/stats_v2/?${query}`,
    headers: { authorization: `Bearer ${bearer}` },
  });
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-api-stats-'));
  metadata = await openMetadataStore({ dataDir });
  const boot = await bootstrap(metadata);
  token = boot.token!;
  readOnly = (await createApiToken(metadata, boot.organization.id, 'ro', ['project:read'])).token;
  org = boot.organization.id;
  p1 = boot.project.id;
  const other = await createProject(metadata, org, 'other');
  if (!other.ok) throw new Error('createProject failed');
  p2 = other.value.id;
  clickhouse = await openTestStore('api-stats');

  const counter = new OutcomeCounter(() => NOW);
  const rec = (projectId: number, o: Omit<Outcome, 'scoping'>): void =>
    counter.record({ ...o, scoping: { organizationId: org, projectId, keyId: 1 } });
  rec(p1, { outcome: 'accepted', reason: null, category: 'error', quantity: 1 });
  rec(p1, { outcome: 'accepted', reason: null, category: 'error', quantity: 1 });
  rec(p1, { outcome: 'accepted', reason: null, category: 'default', quantity: 1 });
  rec(p1, { outcome: 'accepted', reason: null, category: 'error', quantity: 1, timestamp: NOW - 2 * HOUR });
  rec(p1, { outcome: 'invalid', reason: 'invalid_json', category: 'error', quantity: 1 });
  rec(p1, { outcome: 'client_discard', reason: 'before_send', category: 'error', quantity: 4 });
  rec(p2, { outcome: 'rate_limited', reason: 'quota', category: 'transaction', quantity: 3 });
  rec(p2, { outcome: 'accepted', reason: null, category: 'attachment', quantity: 2048 });
  // Another organization's outcomes are never visible.
  counter.record({
    outcome: 'accepted',
    reason: null,
    category: 'error',
    quantity: 99,
    scoping: { organizationId: org + 1, projectId: 99, keyId: 9 },
  });
  // Two inserts of the same hour: readers must sum rows that have not merged yet.
  const rows = counter.takeRows();
  await clickhouse.insertJsonLines(OUTCOMES_TABLE, rows.slice(0, 3).map(encodeOutcomeRow));
  await clickhouse.insertJsonLines(OUTCOMES_TABLE, rows.slice(3).map(encodeOutcomeRow));

  app = Fastify();
  app.setErrorHandler(apiErrorHandler);
  await statsRoutes(app, {
    metadata,
    clickhouse,
    auth: new TokenAuth(metadata),
    now: () => new Date(NOW * 1000),
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await closeTestStore(clickhouse);
  await metadata?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('GET /organizations/{org}/stats_v2/', () => {
  it('sums quantity per outcome and category, folding default into error, over hourly intervals', async () => {
    const { status, body } = await get(
      'field=sum(quantity)&groupBy=outcome&groupBy=category&statsPeriod=3h&interval=1h',
    );
    expect(status).toBe(200);
    expect(body.intervals).toHaveLength(4);
    const groups = body.groups as Array<{ by: Json; totals: Json; series: Json }>;
    const find = (outcome: string, category: string) =>
      groups.find((g) => g.by.outcome === outcome && g.by.category === category);
    expect(find('accepted', 'error')).toMatchObject({
      totals: { 'sum(quantity)': 4 },
      series: { 'sum(quantity)': [0, 1, 0, 3] },
    });
    expect(find('client_discard', 'error')?.totals).toEqual({ 'sum(quantity)': 4 });
    expect(find('rate_limited', 'transaction')?.totals).toEqual({ 'sum(quantity)': 3 });
    expect(find('accepted', 'attachment')?.totals).toEqual({ 'sum(quantity)': 2048 });
    expect(groups.some((g) => g.by.category === 'default')).toBe(false);
    expect(groups.reduce((n, g) => n + Number(g.totals['sum(quantity)']), 0)).toBe(4 + 1 + 4 + 3 + 2048);
  });

  it('filters by category, outcome, reason and project, and counts times_seen', async () => {
    const byReason = await get(
      'field=sum(quantity)&field=sum(times_seen)&category=error&groupBy=reason&outcome=invalid&outcome=client_discard&statsPeriod=1h',
    );
    expect(
      (byReason.body.groups as Array<{ by: Json; totals: Json }>).map((g) => [g.by.reason, g.totals]),
    ).toEqual([
      ['before_send', { 'sum(quantity)': 4, 'sum(times_seen)': 1 }],
      ['invalid_json', { 'sum(quantity)': 1, 'sum(times_seen)': 1 }],
    ]);
    const byProject = await get(
      `field=sum(quantity)&groupBy=project&category=transaction&project=${p2}&statsPeriod=1h`,
    );
    expect(byProject.body.groups).toEqual([
      { by: { project: p2 }, totals: { 'sum(quantity)': 3 }, series: { 'sum(quantity)': [0, 3] } },
    ]);
    const none = await get(`field=sum(quantity)&category=transaction&project=${p1}&statsPeriod=1h`);
    expect(none.body.groups).toEqual([
      { by: {}, totals: { 'sum(quantity)': 0 }, series: { 'sum(quantity)': [0, 0] } },
    ]);
  });

  it("answers Sentry's 400s", async () => {
    expect((await get('groupBy=outcome&category=error')).body).toEqual({
      detail: 'At least one "field" is required.',
    });
    expect((await get('field=sum(quantity)&groupBy=outcome')).body).toEqual({
      detail: 'Query must have category as groupby or filter',
    });
    expect((await get('field=sum(bytes)&category=error')).body).toEqual({
      detail: 'Invalid field: "sum(bytes)"',
    });
    expect((await get('field=sum(quantity)&groupBy=release&category=error')).body).toEqual({
      detail: 'Invalid groupBy: "release"',
    });
    expect((await get('field=sum(quantity)&category=error&category=attachment')).body).toEqual({
      detail: 'if filtering by attachment no other category may be present',
    });
    expect((await get('field=sum(quantity)&category=error&outcome=lost&statsPeriod=1h')).body).toEqual({
      detail: 'Invalid outcome: "lost"',
    });
    expect((await get('field=sum(quantity)&category=error&interval=5m')).status).toBe(400);
    expect((await get('field=sum(quantity)&category=error', readOnly)).status).toBe(403);
  });
});
