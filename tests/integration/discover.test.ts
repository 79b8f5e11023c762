// The events endpoint (`GET /api/0/organizations/{org}/events/`) over every dataset, against the
// whole in-process app (edge → processing → chDB) fed by the official @sentry/node SDK (11.11,
// tests/e2e/clients/node-discover.mjs): five errors (three `TypeError`s of alice, alice and bob,
// a `RangeError` of carol in `staging`, a warning message), four transactions (`GET /checkout`
// ×3 with a failure and the measurement `items`, `GET /cart`) with their child spans, and three
// logs. Checks Sentry's Discover semantics: fields, functions with implicit grouping, aggregate
// filters (HAVING), boolean queries, wildcards, tags and flags, dates, sort, paging, `meta`
// types and units, and Sentry's error messages (reference/sentry-semantics.md §1).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { createProject, getOrganizationBySlug } from '../../src/storage/metadata/index.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { clientsDir, runClient } from '../helpers/vigil-process.js';

interface Sent {
  errors: { alice1: string; alice2: string; bob: string; carol: string; warning: string };
  traces: string[];
}

type Row = Record<string, unknown>;
interface Answer {
  data: Row[];
  meta: { fields: Record<string, string>; units: Record<string, string | null>; dataset: string };
  detail?: string;
}

let server: TestVigil;
let vigil: Vigil;
let sent: Sent;
let otherProjectId: number;

beforeAll(async () => {
  server = await startTestVigil('discover');
  vigil = server.vigil;
  sent = await runClient<Sent>('node', [path.join(clientsDir, 'node-discover.mjs')], {
    SENTRY_DSN: vigil.dsn,
  });
  await vigil.flush();
  const org = await getOrganizationBySlug(vigil.metadata, 'vigil');
  const other = await createProject(vigil.metadata, org!.id, 'other');
  if (!other.ok) throw new Error('createProject failed');
  otherProjectId = other.value.id;
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function get(params: Record<string, string | string[]>) {
  const search = new URLSearchParams(params.start === undefined ? { statsPeriod: '1h' } : {});
  for (const [k, v] of Object.entries(params)) for (const value of [v].flat()) search.append(k, value);
  const res = await vigil.app.inject({
    method: 'GET',
    url: `/api/0/organizations/vigil/events/?${search}`,
    headers: { authorization: `Bearer ${vigil.adminToken}` },
  });
  return { status: res.statusCode, link: res.headers.link as string | undefined, body: res.json<Answer>() };
}

/** The error event ids (by name) a query over the errors dataset matches. */
async function errorsMatching(query: string, extra: Record<string, string> = {}): Promise<string[]> {
  const { status, body } = await get({ dataset: 'errors', field: 'id', query, per_page: '100', ...extra });
  if (status !== 200) throw new Error(`${query}: ${status} ${body.detail}`);
  const names = Object.fromEntries(Object.entries(sent.errors).map(([name, id]) => [id, name]));
  return body.data.map((r) => names[String(r.id)] ?? String(r.id)).sort();
}

describe('the discover dataset (default)', () => {
  it('counts errors and transactions together, grouped by event type', async () => {
    const { status, body } = await get({ field: ['event.type', 'count()'], sort: '-count()' });
    expect(status).toBe(200);
    expect(body.data).toEqual([
      { 'event.type': 'error', 'count()': 5 },
      { 'event.type': 'transaction', 'count()': 4 },
    ]);
    expect(body.meta).toMatchObject({
      dataset: 'discover',
      fields: { 'event.type': 'string', 'count()': 'integer' },
      units: { 'event.type': null, 'count()': null },
      isMetricsData: false,
      datasetReason: 'unchanged',
    });
  });

  it('answers plain rows with the automatic id and project, unset fields of the other kind empty', async () => {
    const { body } = await get({
      field: ['title', 'event.type', 'transaction.duration', 'error.type', 'timestamp'],
      query: 'title:"GET /cart" OR error.type:RangeError',
      sort: 'event.type',
    });
    expect(body.data).toEqual([
      {
        title: 'RangeError: amount out of range',
        'event.type': 'error',
        'transaction.duration': null,
        'error.type': ['RangeError'],
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
        id: sent.errors.carol,
        'project.name': 'default',
      },
      {
        title: 'GET /cart',
        'event.type': 'transaction',
        'transaction.duration': expect.any(Number),
        'error.type': [],
        timestamp: expect.any(String),
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        'project.name': 'default',
      },
    ]);
    expect(body.meta.fields).toMatchObject({
      'transaction.duration': 'duration',
      timestamp: 'date',
      id: 'string',
    });
    expect(body.meta.units['transaction.duration']).toBe('millisecond');
  });
});

describe('the errors dataset', () => {
  it('groups by the plain fields and computes count, count_unique, last_seen', async () => {
    const { status, body } = await get({
      dataset: 'errors',
      field: ['title', 'count()', 'count_unique(user)', 'last_seen()'],
      query: 'error.type:TypeError',
      sort: '-count()',
    });
    expect(status).toBe(200);
    expect(body.data).toEqual([
      {
        title: 'TypeError: cart is undefined',
        'count()': 3,
        'count_unique(user)': 2,
        'last_seen()': expect.stringMatching(/\+00:00$/),
      },
    ]);
    expect(body.meta.fields).toEqual({
      title: 'string',
      'count()': 'integer',
      'count_unique(user)': 'integer',
      'last_seen()': 'date',
    });
    expect(body.meta.dataset).toBe('errors');
  });

  it('filters with HAVING on aggregates, ANDed with row filters', async () => {
    const { body } = await get({
      dataset: 'errors',
      field: ['user.email', 'count()'],
      query: 'count():>1 level:error',
    });
    expect(body.data).toEqual([{ 'user.email': 'alice@example.com', 'count()': 2 }]);
    const none = await get({ dataset: 'errors', field: ['shard', 'count()'], query: 'count():>=3' });
    expect(none.body.data).toEqual([]);
  });

  it.each([
    ['user.email:*@example.com', ['alice1', 'alice2', 'carol']],
    ['user.email:A*@EXAMPLE.*', ['alice1', 'alice2']],
    ['title:*UNDEFINED', ['alice1', 'alice2', 'bob']],
    ['release:discover@*', ['alice1', 'alice2', 'bob', 'carol', 'warning']],
    ['"CART IS undefined"', ['alice1', 'alice2', 'bob']],
    ['shard:a', ['alice1', 'alice2']],
    ['tags[shard]:[a, b] !user.username:alice', ['bob', 'carol']],
    ['flags[checkout-v2]:true', ['alice1']],
    ['!has:user', ['warning']],
    ['has:shard !has:flags[checkout-v2]', ['alice2', 'bob', 'carol']],
    ['(shard:b AND error.type:RangeError) OR user.id:u-alice', ['alice1', 'alice2', 'carol']],
    ['error.type:[TypeError, RangeError] !level:warning', ['alice1', 'alice2', 'bob', 'carol']],
    ['environment:staging', ['carol']],
    ['timestamp:-1h level:warning', ['warning']],
    ['timestamp:+1h', []],
    ['project:default user.id:u-bob', ['bob']],
  ])('finds %s', async (query, expected) => {
    expect(await errorsMatching(query)).toEqual(expected);
  });

  it('filters by absolute dates, the environment and project parameters', async () => {
    const past = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19);
    expect(await errorsMatching(`timestamp:>=${past} user.id:u-bob`)).toEqual(['bob']);
    expect(await errorsMatching('', { environment: 'staging' })).toEqual(['carol']);
    const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();
    expect(await errorsMatching('level:error', { start: iso(-3_600_000), end: iso(60_000) })).toHaveLength(4);
    expect(await errorsMatching('', { start: iso(-7_200_000), end: iso(-3_600_000) })).toEqual([]);
    expect(await errorsMatching('', { project: String(otherProjectId) })).toEqual([]);
    expect(await errorsMatching('', { project: '-1', environment: 'production' })).toHaveLength(4);
  });

  it('answers the issue short id and arrays', async () => {
    const { body } = await get({
      dataset: 'errors',
      field: ['issue', 'error.type', 'error.value', 'error.handled'],
      query: `id:${sent.errors.carol}`,
    });
    expect(body.data).toEqual([
      {
        issue: expect.stringMatching(/^DEFAULT-[0-9A-Z]+$/),
        'error.type': ['RangeError'],
        'error.value': ['amount out of range'],
        'error.handled': true,
        id: sent.errors.carol,
        'project.name': 'default',
      },
    ]);
  });

  it('pages with cursors and a Link header', async () => {
    const seen: string[] = [];
    let cursor = '0:0:0';
    for (let page = 0; page < 3; page++) {
      const { body, link } = await get({
        dataset: 'errors',
        field: ['id', 'timestamp'],
        sort: '-timestamp',
        per_page: '2',
        cursor,
      });
      seen.push(...body.data.map((r) => String(r.id)));
      const next = /rel="next"; results="(true|false)"; cursor="([^"]+)"/.exec(link ?? '');
      expect(next).not.toBeNull();
      if (page < 2) expect(next![1]).toBe('true');
      else expect(next![1]).toBe('false');
      cursor = next![2]!;
    }
    expect(new Set(seen)).toEqual(new Set(Object.values(sent.errors)));
  });
});

describe('the transactions dataset', () => {
  it('computes percentiles, failure rate, rates, measurements and apdex per transaction', async () => {
    const { status, body } = await get({
      dataset: 'transactions',
      field: [
        'transaction',
        'count()',
        'p50()',
        'p95(transaction.duration)',
        'failure_rate()',
        'avg(measurements.items)',
        'max(measurements.items)',
        'epm()',
        'apdex(1000)',
      ],
      sort: 'transaction',
    });
    expect(status).toBe(200);
    expect(body.data).toEqual([
      {
        transaction: 'GET /cart',
        'count()': 1,
        'p50()': expect.any(Number),
        'p95(transaction.duration)': expect.any(Number),
        'failure_rate()': 0,
        'avg(measurements.items)': null,
        'max(measurements.items)': null,
        'epm()': 1 / 60,
        'apdex(1000)': 1,
      },
      {
        transaction: 'GET /checkout',
        'count()': 3,
        'p50()': expect.any(Number),
        'p95(transaction.duration)': expect.any(Number),
        'failure_rate()': 1 / 3,
        'avg(measurements.items)': 4,
        'max(measurements.items)': 6,
        'epm()': 3 / 60,
        'apdex(1000)': 1,
      },
    ]);
    const checkout = body.data[1]!;
    expect(checkout['p95(transaction.duration)']).toBeGreaterThan(checkout['p50()'] as number);
    expect(checkout['p50()']).toBeGreaterThanOrEqual(55);
    expect(body.meta.fields).toMatchObject({
      'p50()': 'duration',
      'p95(transaction.duration)': 'duration',
      'failure_rate()': 'percentage',
      'avg(measurements.items)': 'number',
      'epm()': 'rate',
    });
    expect(body.meta.units).toMatchObject({
      'p50()': 'millisecond',
      'epm()': '1/minute',
      'failure_rate()': null,
    });
  });

  it('filters on durations, statuses and aggregate percentages', async () => {
    // Only the failed checkout slept 120 ms.
    const slow = await get({
      dataset: 'transactions',
      field: ['transaction', 'transaction.status', 'measurements.items', 'transaction.duration'],
      query: 'transaction.duration:>=0.12s',
    });
    expect(slow.body.data).toContainEqual(
      expect.objectContaining({ 'transaction.status': 'internal_error', 'measurements.items': 6 }),
    );
    expect(slow.body.data.every((r) => (r['transaction.duration'] as number) >= 120)).toBe(true);
    const failed = await get({
      dataset: 'transactions',
      field: ['measurements.items'],
      query: '!transaction.status:ok transaction:"GET /checkout"',
    });
    expect(failed.body.data.map((r) => r['measurements.items'])).toEqual([6]);
    const failing = await get({
      dataset: 'transactions',
      field: ['transaction', 'failure_rate()'],
      query: 'failure_rate():>20% measurements.items:>=2',
    });
    expect(failing.body.data).toEqual([{ transaction: 'GET /checkout', 'failure_rate()': 1 / 3 }]);
    const fast = await get({
      dataset: 'transactions',
      field: ['transaction', 'count()'],
      query: 'p95(transaction.duration):<50ms',
    });
    expect(fast.body.data).toEqual([{ transaction: 'GET /cart', 'count()': 1 }]);
  });
});

describe('equations', () => {
  it('computes equations over aggregates per group, sorted by alias or text, dividing by zero as null', async () => {
    for (const sort of ['-equation[0]', '-equation|failure_count() / count()']) {
      const { status, body } = await get({
        dataset: 'transactions',
        field: [
          'transaction',
          'count()',
          'failure_count()',
          'p95(transaction.duration)',
          'equation|failure_count() / count()',
          'equation|count() / failure_count()',
          'equation|(count() + 1) * 2 - p95(transaction.duration) / p95(transaction.duration)',
        ],
        sort,
      });
      expect(status).toBe(200);
      expect(body.data).toEqual([
        {
          transaction: 'GET /checkout',
          'count()': 3,
          'failure_count()': 1,
          'p95(transaction.duration)': expect.any(Number),
          'equation|failure_count() / count()': 1 / 3,
          'equation|count() / failure_count()': 3,
          'equation|(count() + 1) * 2 - p95(transaction.duration) / p95(transaction.duration)': 7,
        },
        {
          transaction: 'GET /cart',
          'count()': 1,
          'failure_count()': 0,
          'p95(transaction.duration)': expect.any(Number),
          'equation|failure_count() / count()': 0,
          'equation|count() / failure_count()': null,
          'equation|(count() + 1) * 2 - p95(transaction.duration) / p95(transaction.duration)': 3,
        },
      ]);
      expect(body.meta.fields).toMatchObject({
        'equation|failure_count() / count()': 'number',
        'equation|(count() + 1) * 2 - p95(transaction.duration) / p95(transaction.duration)': 'duration',
      });
      expect(body.meta.units['equation|failure_count() / count()']).toBeNull();
    }
  });

  it('computes equations with count_if and over plain numeric fields per row', async () => {
    const counted = await get({
      dataset: 'transactions',
      field: [
        'count_if(measurements.items,greater,3)',
        'count()',
        'equation|count_if(measurements.items,greater,3) / count()',
      ],
    });
    expect(counted.body.data).toEqual([
      {
        'count_if(measurements.items,greater,3)': 2,
        'count()': 4,
        'equation|count_if(measurements.items,greater,3) / count()': 0.5,
      },
    ]);
    const rows = await get({
      dataset: 'transactions',
      field: [
        'transaction.duration',
        'measurements.items',
        'equation|measurements.items * 1000 / transaction.duration',
      ],
      query: 'has:measurements.items',
    });
    expect(rows.body.data).toHaveLength(3);
    for (const row of rows.body.data) {
      const items = row['measurements.items'] as number;
      const duration = row['transaction.duration'] as number;
      expect(row['equation|measurements.items * 1000 / transaction.duration']).toBeCloseTo(
        (items * 1000) / duration,
        6,
      );
    }
  });

  it.each([
    [{ field: ['count()', 'equation|count() / 0'] }, 'division by 0 is not allowed'],
    [{ field: ['count()', 'equation|count() + title'] }, 'title not allowed in arithmetic'],
    [{ field: ['equation|count() * 2'] }, 'count() used in an equation but is not a selected function'],
    [
      { field: ['count()', 'equation|count() ^ 2'] },
      'Unable to parse your equation, make sure it is well formed arithmetic',
    ],
    [
      {
        dataset: 'transactions',
        field: ['count()', 'transaction.duration', 'equation|count() - transaction.duration'],
      },
      'Cannot mix functions and fields in arithmetic',
    ],
    [
      { field: ['count()', 'equation|count() * 2'], sort: '-equation[3]' },
      'Cannot sort by a field that is not selected.',
    ],
  ])('%j → 400 %s', async (params, detail) => {
    const { status, body } = await get(params as Record<string, string | string[]>);
    expect(status).toBe(400);
    expect(body.detail).toBe(detail);
  });
});

describe('the spans and logs datasets', () => {
  it('groups spans by op with duration aggregates', async () => {
    const { body } = await get({
      dataset: 'spans',
      field: ['span.op', 'count()', 'max(span.duration)'],
      query: 'span.op:[db.query, http.server] span.duration:>0',
      sort: 'span.op',
    });
    expect(body.data).toEqual([
      { 'span.op': 'db.query', 'count()': 4, 'max(span.duration)': expect.any(Number) },
      { 'span.op': 'http.server', 'count()': 4, 'max(span.duration)': expect.any(Number) },
    ]);
    expect(body.meta).toMatchObject({ dataset: 'spans', fields: { 'max(span.duration)': 'duration' } });
  });

  it('counts logs per severity (aggregate filters do not apply to logs)', async () => {
    const { body } = await get({
      dataset: 'ourlogs',
      field: ['severity', 'count()'],
      query: 'count():>5 order.id:A-*',
      sort: '-count()',
    });
    expect(body.data).toEqual([
      { severity: 'info', 'count()': 2 },
      { severity: 'error', 'count()': 1 },
    ]);
    expect(body.meta.dataset).toBe('logs');
  });
});

describe('errors', () => {
  it.each([
    [{ dataset: 'nope', field: 'id' }, /^dataset must be one of: discover, errors, transactions, /],
    [{ field: 'foo(bar)' }, 'foo is not a valid function'],
    [
      { dataset: 'transactions', field: 'p95(title)' },
      'p95(title): column argument invalid: title is not a numeric column',
    ],
    [{ field: 'count_unique()' }, 'count_unique(): expected 1 argument(s)'],
    [
      { dataset: 'transactions', field: 'percentile(transaction.duration, 2)' },
      'percentile(transaction.duration, 2): percentile argument invalid: 2 must be less than 1',
    ],
    [{ dataset: 'errors', field: 'failure_rate()' }, 'failure_rate is not a valid function'],
    [{ field: 'title', sort: '-user' }, 'Cannot sort by a field that is not selected.'],
    [
      { field: 'title', query: 'count():>1' },
      'Aggregate count used in a condition but is not a selected column, and could not be automatically added.',
    ],
    [
      { field: ['user', 'count_unique(user)'] },
      'A single field cannot be used both inside and outside a function in the same query. To use user you must first remove the function(s): count_unique(user)',
    ],
    [
      { field: ['title', 'count()'], query: 'level:error OR count():>1' },
      'Having an OR between aggregate filters and normal filters is invalid.',
    ],
    [
      { field: 'title', query: 'project:nope' },
      'Invalid query. Project(s) nope do not exist or are not actively selected.',
    ],
    [{ field: 'ti tle' }, 'Invalid characters in field ti tle'],
    [{ field: 'title', per_page: '101' }, 'Invalid per_page value. Cannot exceed 100.'],
    [
      { field: 'title', query: 'title:"open' },
      `Invalid quote at '"open': quotes must enclose text or be escaped.`,
    ],
    [{ field: 'title', query: 'title:a OR' }, "Condition is missing on the right side of 'OR' operator"],
    [{ field: 'title', query: 'timestamp:>yesterday' }, /^timestamp: Invalid date: >yesterday\./],
  ])('%j → 400 %s', async (params, detail) => {
    const { status, body } = await get(params as Record<string, string | string[]>);
    expect(status).toBe(400);
    if (typeof detail === 'string') expect(body.detail).toBe(detail);
    else expect(body.detail).toMatch(detail);
  });
});
