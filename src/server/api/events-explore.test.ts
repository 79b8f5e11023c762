// The explore endpoint for logs and trace metrics through Fastify's inject, over real stores
// (SQLite metadata, embedded chDB) holding rows made by the pipelines from SDK-shaped containers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_CONTAINER_CONTENT_TYPE, processLogItem } from '../../processing/items/logs/index.js';
import {
  TRACE_METRIC_CONTAINER_CONTENT_TYPE,
  processTraceMetricItem,
} from '../../processing/items/trace-metrics/index.js';
import {
  CLICKHOUSE_MIGRATIONS,
  migrate,
  openClickHouse,
  type ClickHouseStore,
} from '../../storage/clickhouse/index.js';
import { LOGS_MIGRATION, LOGS_TABLE, encodeLogRow } from '../../storage/clickhouse/logs.js';
import {
  TRACE_METRICS_MIGRATION,
  TRACE_METRICS_TABLE,
  encodeTraceMetricRow,
} from '../../storage/clickhouse/trace-metrics.js';
import {
  bootstrap,
  createApiToken,
  createProject,
  openMetadataStore,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { TokenAuth } from './auth.js';
import { apiErrorHandler } from './errors.js';
import { eventRoutes } from './events.js';

const NOW = Math.floor(Date.now() / 1000) - 60;
const TRACE_A = 'a'.repeat(32);
const TRACE_B = 'b'.repeat(32);

let dataDir: string;
let clickhouse: ClickHouseStore;
let metadata: MetadataStore;
let app: FastifyInstance;
let token: string;
let readOnlyToken: string;
let projectId: number;
let otherProjectId: number;

const attr = (value: string | number | boolean) => ({
  type:
    typeof value === 'string'
      ? 'string'
      : typeof value === 'boolean'
        ? 'boolean'
        : Number.isInteger(value)
          ? 'integer'
          : 'double',
  value,
});

async function storeLogs(project: number, items: unknown[]): Promise<void> {
  const result = processLogItem(
    Buffer.from(JSON.stringify({ version: 2, items })),
    { content_type: LOG_CONTAINER_CONTENT_TYPE, item_count: items.length },
    { projectId: project, organizationId: 1, receivedAt: NOW + 1 },
  );
  if (result.kind !== 'ok') throw new Error(result.reason);
  await clickhouse.insertJsonLines(LOGS_TABLE, result.value.records.map(encodeLogRow));
}

async function storeMetrics(items: unknown[]): Promise<void> {
  const result = processTraceMetricItem(
    Buffer.from(JSON.stringify({ version: 2, items })),
    { content_type: TRACE_METRIC_CONTAINER_CONTENT_TYPE, item_count: items.length },
    { projectId, organizationId: 1, receivedAt: NOW + 1 },
  );
  if (result.kind !== 'ok') throw new Error(result.reason);
  await clickhouse.insertJsonLines(TRACE_METRICS_TABLE, result.value.records.map(encodeTraceMetricRow));
}

const log = (
  secondsAgo: number,
  level: string,
  body: string,
  attributes: Record<string, unknown> = {},
  trace = TRACE_A,
) => ({
  timestamp: NOW - secondsAgo + 0.25,
  trace_id: trace,
  level,
  body,
  attributes: {
    'sentry.environment': attr('production'),
    'sentry.release': attr('shop@1.2.3'),
    ...Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, attr(v as string | number | boolean)]),
    ),
  },
});

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-api-logs-'));
  metadata = await openMetadataStore({ dataDir });
  const boot = await bootstrap(metadata);
  token = boot.token!;
  projectId = boot.project.id;
  readOnlyToken = (await createApiToken(metadata, boot.organization.id, 'ro', ['project:read'])).token;
  const other = await createProject(metadata, boot.organization.id, 'other');
  if (!other.ok) throw new Error('createProject failed');
  otherProjectId = other.value.id;
  clickhouse = await openClickHouse({ dataDir });
  await migrate(clickhouse, [
    ...CLICKHOUSE_MIGRATIONS.filter((m) => m.version < 4),
    LOGS_MIGRATION,
    TRACE_METRICS_MIGRATION,
  ]);

  await storeLogs(projectId, [
    log(300, 'info', 'User alice logged in', { 'user.id': 'alice', attempt: 1 }),
    log(
      200,
      'error',
      'Payment failed: card declined',
      { 'user.id': 'bob', amount: 12.5, retry: true },
      TRACE_B,
    ),
    log(100, 'warn', 'Slow query took 2300ms', { 'db.system': 'postgresql', attempt: 3 }),
    log(3 * 86_400, 'info', 'an old log'),
  ]);
  await storeLogs(otherProjectId, [
    log(150, 'info', 'User carol logged in in the other project', { 'user.id': 'carol' }),
  ]);
  const metric = (name: string, type: string, value: number, route: string) => ({
    timestamp: NOW - 30,
    trace_id: TRACE_A,
    name,
    type,
    value,
    unit: type === 'distribution' ? 'millisecond' : undefined,
    attributes: { route: attr(route) },
  });
  await storeMetrics([
    metric('checkout.duration', 'distribution', 120, '/a'),
    metric('checkout.duration', 'distribution', 80, '/b'),
    metric('orders', 'counter', 1, '/a'),
    metric('orders', 'counter', 2, '/a'),
  ]);

  app = Fastify();
  app.setErrorHandler(apiErrorHandler);
  await app.register(eventRoutes, {
    metadata,
    clickhouse,
    auth: new TokenAuth(metadata),
    now: () => new Date((NOW + 10) * 1000),
  });
});

afterAll(async () => {
  await app?.close();
  await clickhouse?.close();
  await metadata?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type Answer = {
  data: Array<Record<string, unknown>>;
  meta: { fields: Record<string, string>; units: Record<string, string | null>; dataset: string };
};

async function get(params: Record<string, string | string[]>, bearer = token) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const value of [v].flat()) search.append(k, value);
  const res = await app.inject({
    method: 'GET',
    url: `/api/0/organizations/vigil/events/?${search}`,
    headers: { authorization: `Bearer ${bearer}` },
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Answer & { detail?: string }>() };
}

const messages = (body: Answer): unknown[] => body.data.map((r) => r.message);

describe('GET /api/0/organizations/{org}/events/?dataset=logs', () => {
  it("answers the logs homepage query in Sentry's shape, newest first", async () => {
    const { status, body } = await get({
      dataset: 'logs',
      field: ['sentry.item_id', 'project.id', 'trace', 'severity_number', 'severity', 'timestamp', 'message'],
      sort: '-timestamp',
      statsPeriod: '14d',
      per_page: '1000',
      project: String(projectId),
    });
    expect(status).toBe(200);
    expect(messages(body)).toEqual([
      'Slow query took 2300ms',
      'Payment failed: card declined',
      'User alice logged in',
      'an old log',
    ]);
    const first = body.data[0]!;
    expect(first).toMatchObject({
      'project.id': projectId,
      trace: TRACE_A,
      severity: 'warn',
      severity_number: 13,
      timestamp: `${new Date((NOW - 100) * 1000).toISOString().slice(0, 19)}+00:00`,
      timestamp_precise: (NOW - 100) * 1e9 + 250_000_000,
    });
    expect(first['sentry.item_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(body.meta).toMatchObject({
      dataset: 'logs',
      fields: {
        'sentry.item_id': 'string',
        'project.id': 'integer',
        severity_number: 'integer',
        timestamp: 'date',
        timestamp_precise: 'number',
        message: 'string',
      },
    });
  });

  it('searches free text, severity, trace and attributes', async () => {
    const ask = async (query: string) =>
      messages((await get({ dataset: 'ourlogs', field: ['message'], query, statsPeriod: '1d' })).body);
    expect(await ask('payment')).toEqual(['Payment failed: card declined']);
    expect(await ask('severity:[warn,error]')).toEqual([
      'Slow query took 2300ms',
      'Payment failed: card declined',
    ]);
    expect(await ask(`trace:${TRACE_B.toUpperCase()}`)).toEqual(['Payment failed: card declined']);
    expect(await ask('user.id:alice')).toEqual(['User alice logged in']);
    expect(await ask('!user.id:alice logged')).toEqual(['User carol logged in in the other project']);
    expect(await ask('tags[attempt,number]:>2')).toEqual(['Slow query took 2300ms']);
    expect(await ask('attempt:1')).toEqual(['User alice logged in']);
    expect(await ask('retry:true')).toEqual(['Payment failed: card declined']);
    expect(await ask('has:db.system')).toEqual(['Slow query took 2300ms']);
    expect(await ask('user.id:al*')).toEqual(['User alice logged in']);
    expect(await ask('severity_number:>=13 environment:production')).toHaveLength(2);
  });

  it('reads attribute fields with their types, and sorts and pages with cursors', async () => {
    const { body, headers } = await get({
      dataset: 'logs',
      field: ['message', 'user.id', 'tags[amount,number]', 'release', 'environment', 'payload_size'],
      query: 'has:user.id',
      sort: 'message',
      per_page: '2',
      statsPeriod: '1d',
    });
    expect(body.data).toEqual([
      {
        message: 'Payment failed: card declined',
        'user.id': 'bob',
        'tags[amount,number]': 12.5,
        release: 'shop@1.2.3',
        environment: 'production',
        payload_size: expect.any(Number),
      },
      {
        message: 'User alice logged in',
        'user.id': 'alice',
        'tags[amount,number]': null,
        release: 'shop@1.2.3',
        environment: 'production',
        payload_size: expect.any(Number),
      },
    ]);
    expect(body.meta.fields).toMatchObject({
      'user.id': 'string',
      'tags[amount,number]': 'number',
      payload_size: 'size',
    });
    expect(body.meta.units.payload_size).toBe('byte');
    expect(headers.link).toContain('rel="next"; results="true"; cursor="0:2:0"');
    const next = await get({
      dataset: 'logs',
      field: ['message'],
      query: 'has:user.id',
      sort: 'message',
      per_page: '2',
      cursor: '0:2:0',
      statsPeriod: '1d',
    });
    expect(messages(next.body)).toEqual(['User carol logged in in the other project']);
    expect(next.headers.link).toContain('rel="next"; results="false"');
  });

  it('rejects bad requests with Sentry-like messages', async () => {
    expect((await get({ dataset: 'logs', field: 'message', per_page: '10000' })).body.detail).toBe(
      'Invalid per_page value. Cannot exceed 9999.',
    );
    expect((await get({ dataset: 'logs' })).body.detail).toBe('No columns selected');
    expect((await get({ dataset: 'nope', field: 'message' })).body.detail).toMatch(
      /^dataset must be one of: discover, errors, transactions, .*logs, ourlogs, tracemetrics$/,
    );
    expect((await get({ dataset: 'logs', field: 'message', sort: '-count()' })).body.detail).toBe(
      'Cannot sort by a field that is not selected.',
    );
    expect((await get({ dataset: 'logs', field: 'message', query: 'a OR' })).body.detail).toBe(
      "Condition is missing on the right side of 'OR' operator",
    );
    expect((await get({ dataset: 'logs', field: 'message', query: 'message:"unterminated' })).status).toBe(
      400,
    );
    expect((await get({ dataset: 'logs', field: 'message' }, readOnlyToken)).status).toBe(403);
    expect((await get({ dataset: 'logs', field: 'message' }, 'nope')).status).toBe(401);
  });
});

describe('GET /api/0/organizations/{org}/events/?dataset=tracemetrics', () => {
  it('lists metric samples with their fields', async () => {
    const { status, body } = await get({
      dataset: 'tracemetrics',
      field: ['metric.name', 'metric.type', 'metric.unit', 'value', 'route'],
      query: 'metric.name:checkout.duration',
      sort: '-value',
      statsPeriod: '1h',
    });
    expect(status).toBe(200);
    // Sentry's auto fields add the item id and the project to a query without functions.
    const sample = {
      'metric.name': 'checkout.duration',
      'metric.type': 'distribution',
      'metric.unit': 'millisecond',
      'project.name': 'default',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
    };
    expect(body.data).toEqual([
      { ...sample, value: 120, route: '/a' },
      { ...sample, value: 80, route: '/b' },
    ]);
    expect(body.meta.fields).toMatchObject({ value: 'number', 'metric.name': 'string' });
  });

  it('aggregates per metric', async () => {
    const { status, body } = await get({
      dataset: 'tracemetrics',
      field: ['metric.name', 'sum(value)', 'avg(value)', 'count()', 'max(value)'],
      sort: 'metric.name',
      statsPeriod: '1h',
    });
    expect(status).toBe(200);
    expect(body.data).toEqual([
      {
        'metric.name': 'checkout.duration',
        'sum(value)': 200,
        'avg(value)': 100,
        'count()': 2,
        'max(value)': 120,
      },
      { 'metric.name': 'orders', 'sum(value)': 3, 'avg(value)': 1.5, 'count()': 2, 'max(value)': 2 },
    ]);
    expect(body.meta.fields).toMatchObject({ 'count()': 'integer', 'sum(value)': 'number' });
    const one = await get({
      dataset: 'tracemetrics',
      field: ['sum(value)'],
      metricName: 'orders',
      query: 'route:/a',
      statsPeriod: '1h',
    });
    expect(one.body.data).toEqual([{ 'sum(value)': 3 }]);
    // Plain fields group the functions, attributes included.
    const byRoute = await get({
      dataset: 'tracemetrics',
      field: ['route', 'sum(value)'],
      sort: '-sum(value)',
      statsPeriod: '1h',
    });
    expect(byRoute.body.data).toEqual([
      { route: '/a', 'sum(value)': 123 },
      { route: '/b', 'sum(value)': 80 },
    ]);
  });
});
