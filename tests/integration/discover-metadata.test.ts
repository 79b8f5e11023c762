// The events endpoint's filters and functions that read the metadata store, against the whole
// in-process app fed by the official @sentry/node SDK (tests/e2e/clients/node-discover-plan.mjs,
// one run per project and release): `issue:` short ids, the semver release filters over the
// releases created through the releases API, and per-project transaction thresholds for
// `apdex()` and `user_misery()` (reference/sentry-semantics.md §1, §6; Sentry's
// `src/sentry/search/events/datasets/discover.py` and `filter_aliases.py`).
//
// Data: project `default` has the releases shop@1.2.3, shop@1.10.0+45, shop@2.0.0-rc.1,
// shop@2.0.0+46 and legacy-7 (not semver), project `mobile` the release app@1.0.0. Errors:
// "cart failed" in shop@1.2.3 (u1) and shop@1.10.0+45 (u2), "payment failed" in shop@1.10.0+45
// and shop@2.0.0+46, "search failed" in shop@2.0.0-rc.1, "legacy failed" in legacy-7, and
// "cart failed" in app@1.0.0 (another project, so another issue) and "mobile payment failed" in
// shop@2.0.0+46, a release created for `default` that this event links to `mobile` too. Transactions `GET /a` of exactly 20 ms (u1),
// 200 ms (u2) and 600 ms (u3) in each project.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { clientsDir, runClient } from '../helpers/vigil-process.js';

type Row = Record<string, unknown>;
interface Answer {
  data: Row[];
  meta: { fields: Record<string, string>; units: Record<string, string | null> };
  detail?: string;
}
interface Plan {
  errors?: Array<{ message: string; user?: string }>;
  transactions?: Array<{ name: string; ms: number; user?: string }>;
}

let server: TestVigil;
/** Error event ids by `<release>/<message>`. */
const sent = new Map<string, string>();
let mobileId: number;

async function api(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  const res = await server.vigil.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${server.vigil.adminToken}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.body === '' ? null : (res.json() as unknown) };
}

const TRANSACTIONS: Plan['transactions'] = [
  { name: 'GET /a', ms: 20, user: 'u1' },
  { name: 'GET /a', ms: 200, user: 'u2' },
  { name: 'GET /a', ms: 600, user: 'u3' },
];

async function send(dsn: string, release: string, plan: Plan): Promise<void> {
  const { errors } = await runClient<{ errors: string[] }>(
    'node',
    [path.join(clientsDir, 'node-discover-plan.mjs'), JSON.stringify(plan)],
    { SENTRY_DSN: dsn, SENTRY_RELEASE: release },
  );
  (plan.errors ?? []).forEach(({ message }, i) => sent.set(`${release}/${message}`, errors[i] ?? ''));
}

beforeAll(async () => {
  server = await startTestVigil('discover-metadata');
  const mobile = await api('POST', '/api/0/teams/vigil/vigil/projects/', { name: 'Mobile', slug: 'mobile' });
  mobileId = Number((mobile.body as Row).id);
  const keys = await api('GET', '/api/0/projects/vigil/mobile/keys/');
  const mobileDsn = String(((keys.body as Row[])[0]!.dsn as Row).public);
  const shop = ['shop@1.2.3', 'shop@1.10.0+45', 'shop@2.0.0-rc.1', 'shop@2.0.0+46', 'legacy-7'];
  for (const version of shop) {
    expect(
      (await api('POST', '/api/0/organizations/vigil/releases/', { version, projects: ['default'] })).status,
    ).toBe(201);
  }
  expect(
    (
      await api('POST', '/api/0/organizations/vigil/releases/', {
        version: 'app@1.0.0',
        projects: ['mobile'],
      })
    ).status,
  ).toBe(201);
  const dsn = server.vigil.dsn;
  await Promise.all([
    send(dsn, 'shop@1.2.3', { errors: [{ message: 'cart failed', user: 'u1' }], transactions: TRANSACTIONS }),
    send(dsn, 'shop@1.10.0+45', {
      errors: [
        { message: 'cart failed', user: 'u2' },
        { message: 'payment failed', user: 'u2' },
      ],
    }),
    send(dsn, 'shop@2.0.0-rc.1', { errors: [{ message: 'search failed' }] }),
    send(dsn, 'shop@2.0.0+46', { errors: [{ message: 'payment failed' }] }),
    send(dsn, 'legacy-7', { errors: [{ message: 'legacy failed' }] }),
    send(mobileDsn, 'shop@2.0.0+46', { errors: [{ message: 'mobile payment failed' }] }),
    send(mobileDsn, 'app@1.0.0', {
      errors: [{ message: 'cart failed', user: 'u1' }],
      transactions: TRANSACTIONS,
    }),
  ]);
  await server.vigil.flush();
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function events(params: Record<string, string | string[]>) {
  const search = new URLSearchParams({ statsPeriod: '1h', project: '-1' });
  for (const [k, v] of Object.entries(params)) {
    search.delete(k);
    for (const value of [v].flat()) search.append(k, value);
  }
  const res = await api('GET', `/api/0/organizations/vigil/events/?${search}`);
  return { status: res.status, body: res.body as Answer };
}

/** The errors (as `<release>/<message>`) a query over the errors dataset matches, sorted. */
async function errorsMatching(query: string, extra: Record<string, string> = {}): Promise<string[]> {
  const { status, body } = await events({ dataset: 'errors', field: 'id', query, per_page: '100', ...extra });
  if (status !== 200) throw new Error(`${query}: ${status} ${body.detail}`);
  const names = new Map([...sent].map(([name, id]) => [id, name]));
  return body.data.map((r) => names.get(String(r.id)) ?? String(r.id)).sort();
}

/** Short ids of the issues by title and project. */
async function shortIds(): Promise<Map<string, string>> {
  const { body } = await events({ dataset: 'errors', field: ['issue', 'title', 'project', 'count()'] });
  return new Map(body.data.map((r) => [`${String(r.project)}/${String(r.title)}`, String(r.issue)]));
}

describe('issue: short ids', () => {
  it('answers the short id of each issue and `unknown` for transactions', async () => {
    const ids = await shortIds();
    expect([...ids.keys()].sort()).toEqual([
      'default/Error: cart failed',
      'default/Error: legacy failed',
      'default/Error: payment failed',
      'default/Error: search failed',
      'mobile/Error: cart failed',
      'mobile/Error: mobile payment failed',
    ]);
    expect(ids.get('default/Error: cart failed')).toMatch(/^DEFAULT-[0-9A-Z]+$/);
    expect(ids.get('mobile/Error: cart failed')).toMatch(/^MOBILE-[0-9A-Z]+$/);
    const { body } = await events({ field: ['issue', 'event.type', 'count()'], sort: 'event.type' });
    expect(body.data.find((r) => r['event.type'] === 'transaction')).toEqual({
      issue: 'unknown',
      'event.type': 'transaction',
      'count()': 6,
    });
  });

  it('filters by short id, lists, negation, lower case and issue.id', async () => {
    const ids = await shortIds();
    const cart = ids.get('default/Error: cart failed')!;
    const payment = ids.get('default/Error: payment failed')!;
    expect(await errorsMatching(`issue:${cart}`)).toEqual([
      'shop@1.10.0+45/cart failed',
      'shop@1.2.3/cart failed',
    ]);
    expect(await errorsMatching(`issue:${cart.toLowerCase()}`)).toHaveLength(2);
    expect(await errorsMatching(`issue:[${cart}, ${payment}]`)).toEqual([
      'shop@1.10.0+45/cart failed',
      'shop@1.10.0+45/payment failed',
      'shop@1.2.3/cart failed',
      'shop@2.0.0+46/payment failed',
    ]);
    expect(await errorsMatching(`!issue:${cart} !issue:${payment}`)).toEqual([
      'app@1.0.0/cart failed',
      'legacy-7/legacy failed',
      'shop@2.0.0+46/mobile payment failed',
      'shop@2.0.0-rc.1/search failed',
    ]);
    expect(
      await errorsMatching(`issue:${ids.get('mobile/Error: cart failed')!} OR issue:${cart}`),
    ).toHaveLength(3);
    const { body } = await events({ dataset: 'errors', field: ['issue.id'], query: `issue:${payment}` });
    const issueId = Number(body.data[0]!['issue.id']);
    expect(await errorsMatching(`issue.id:${issueId}`)).toEqual([
      'shop@1.10.0+45/payment failed',
      'shop@2.0.0+46/payment failed',
    ]);
  });

  it('matches events without an issue with issue:unknown and !has:issue', async () => {
    for (const query of ['issue:unknown', '!has:issue']) {
      const { status, body } = await events({ field: ['event.type', 'count()'], query });
      expect(status).toBe(200);
      expect(body.data).toEqual([{ 'event.type': 'transaction', 'count()': 6 }]);
    }
    const { body } = await events({ field: ['event.type', 'count()'], query: 'has:issue' });
    expect(body.data).toEqual([{ 'event.type': 'error', 'count()': 8 }]);
  });

  it("answers Sentry's error for short ids that do not exist", async () => {
    const ids = await shortIds();
    const { status, body } = await events({
      field: 'id',
      query: `issue:[${ids.get('default/Error: cart failed')!}, DEFAULT-ZZZZ]`,
    });
    expect(status).toBe(400);
    expect(body.detail).toBe(
      `Issue IDs do not exist: ['${ids.get('default/Error: cart failed')!}', 'DEFAULT-ZZZZ']`,
    );
  });
});

describe('semver release filters', () => {
  it.each([
    [
      'release.version:>1.2.3',
      [
        'shop@1.10.0+45/cart failed',
        'shop@1.10.0+45/payment failed',
        'shop@2.0.0+46/mobile payment failed',
        'shop@2.0.0+46/payment failed',
        'shop@2.0.0-rc.1/search failed',
      ],
    ],
    ['release.version:>=2.0.0', ['shop@2.0.0+46/mobile payment failed', 'shop@2.0.0+46/payment failed']],
    [
      'release.version:<2.0.0 release.version:>=1.10',
      ['shop@1.10.0+45/cart failed', 'shop@1.10.0+45/payment failed', 'shop@2.0.0-rc.1/search failed'],
    ],
    ['release.version:<=1.2.3', ['app@1.0.0/cart failed', 'shop@1.2.3/cart failed']],
    [
      'release.version:1.*',
      [
        'app@1.0.0/cart failed',
        'shop@1.10.0+45/cart failed',
        'shop@1.10.0+45/payment failed',
        'shop@1.2.3/cart failed',
      ],
    ],
    [
      'release.version:shop@1.*',
      ['shop@1.10.0+45/cart failed', 'shop@1.10.0+45/payment failed', 'shop@1.2.3/cart failed'],
    ],
    [
      '!release.version:2.*',
      [
        'app@1.0.0/cart failed',
        'shop@1.10.0+45/cart failed',
        'shop@1.10.0+45/payment failed',
        'shop@1.2.3/cart failed',
      ],
    ],
    ['release.version:2.0.0-rc.1', ['shop@2.0.0-rc.1/search failed']],
    ['release.package:app', ['app@1.0.0/cart failed']],
    ['release.package:[app, nope]', ['app@1.0.0/cart failed']],
    ['release.build:45', ['shop@1.10.0+45/cart failed', 'shop@1.10.0+45/payment failed']],
    ['release.build:>45', ['shop@2.0.0+46/mobile payment failed', 'shop@2.0.0+46/payment failed']],
    [
      'release.version:>1.2.3 OR release:legacy-7',
      [
        'legacy-7/legacy failed',
        'shop@1.10.0+45/cart failed',
        'shop@1.10.0+45/payment failed',
        'shop@2.0.0+46/mobile payment failed',
        'shop@2.0.0+46/payment failed',
        'shop@2.0.0-rc.1/search failed',
      ],
    ],
    ['release.version:>9.0.0', []],
  ])('%s', async (query, expected) => {
    expect(await errorsMatching(query)).toEqual(expected);
  });

  it("reads only the request's projects' releases", async () => {
    const mobile = { project: String(mobileId) };
    // `mobile`'s releases: app@1.0.0 (API) and shop@2.0.0+46, linked to it by its event (ingestion
    // links a release to the projects of its events, as Sentry does); `default`'s other releases
    // (shop@1.2.3, shop@1.10.0+45, shop@2.0.0-rc.1, legacy-7) are not among them.
    expect(await errorsMatching('release.version:<=1.2.3', mobile)).toEqual(['app@1.0.0/cart failed']);
    expect(await errorsMatching('release.version:>=2.0.0', mobile)).toEqual([
      'shop@2.0.0+46/mobile payment failed',
    ]);
    expect(await errorsMatching('release.version:>=1.10.0', mobile)).toEqual([
      'shop@2.0.0+46/mobile payment failed',
    ]);
  });

  it('filters transactions the same way', async () => {
    const { body } = await events({
      dataset: 'transactions',
      field: ['release', 'count()'],
      query: 'release.version:<1.5',
      sort: 'release',
    });
    expect(body.data).toEqual([
      { release: 'app@1.0.0', 'count()': 3 },
      { release: 'shop@1.2.3', 'count()': 3 },
    ]);
  });

  it.each([
    ['release.version:[1.0.0, 2.0.0]', "Invalid operation 'IN' for semantic version filter."],
    [
      'release.version:1.x.y',
      'Invalid format of semantic version. For searching non-semver releases, use "release:" instead.',
    ],
    ['release.stage:adopted', 'Choose a single environment to filter by release stage.'],
  ])('%s → 400 %s', async (query, detail) => {
    const { status, body } = await events({ field: 'id', query });
    expect(status).toBe(400);
    expect(body.detail).toBe(detail);
  });

  it('refuses release.stage (Vigil records no release adoption)', async () => {
    const { status, body } = await events({
      field: 'id',
      query: 'release.stage:adopted',
      environment: 'production',
    });
    expect(status).toBe(400);
    expect(body.detail).toBe('Invalid key for this search: release.stage');
  });
});

describe('per-project transaction thresholds', () => {
  const thresholdPath = (project: string) =>
    `/api/0/projects/vigil/${project}/transaction-threshold/configure/`;
  const overridePath = (projectId: number, query = '') =>
    `/api/0/organizations/vigil/project-transaction-threshold-override/?project=${projectId}${query}`;
  const misery = (miserable: number, users: number) => (miserable + 5.8875) / (users + 5.8875 + 111.8625);
  let defaultId: number;

  async function perProject(): Promise<Row[]> {
    const { status, body } = await events({
      dataset: 'transactions',
      field: ['project', 'apdex()', 'user_misery()', 'count_miserable(user)'],
      sort: 'project',
    });
    expect(status).toBe(200);
    return body.data;
  }

  beforeAll(async () => {
    defaultId = server.projectId;
  });

  it("answers Sentry's default threshold and validates changes", async () => {
    expect(await api('GET', thresholdPath('default'))).toEqual({
      status: 200,
      body: { projectId: String(defaultId), id: '', threshold: '300', metric: 'duration' },
    });
    expect(await api('POST', thresholdPath('mobile'), { threshold: 150, metric: 'fcp' })).toEqual({
      status: 400,
      body: {
        threshold: ['Invalid threshold - specify a multiple of 100'],
        metric: ['Invalid transaction metric - fcp'],
      },
    });
    expect(await api('POST', thresholdPath('mobile'), { threshold: 'soon' })).toEqual({
      status: 400,
      body: { threshold: ['A valid integer is required.'] },
    });
  });

  it('applies each project its threshold in apdex(), user_misery() and count_miserable(user)', async () => {
    const created = await api('POST', thresholdPath('mobile'), { threshold: 100 });
    expect(created).toMatchObject({
      status: 201,
      body: {
        id: String(mobileId),
        threshold: '100',
        metric: 'duration',
        projectId: String(mobileId),
        editedBy: expect.stringMatching(/^\d+$/),
        dateAdded: expect.any(String),
        dateUpdated: expect.any(String),
      },
    });
    // Updating keeps what is not given.
    expect(await api('POST', thresholdPath('mobile'), { metric: 'duration' })).toMatchObject({
      status: 200,
      body: { threshold: '100', metric: 'duration' },
    });
    expect(await perProject()).toEqual([
      {
        project: 'default',
        'apdex()': 2.5 / 3,
        'user_misery()': misery(0, 3),
        'count_miserable(user)': 0,
        project_threshold_config: ['duration', 300],
      },
      {
        project: 'mobile',
        'apdex()': 1.5 / 3,
        'user_misery()': misery(1, 3),
        'count_miserable(user)': 1,
        project_threshold_config: ['duration', 100],
      },
    ]);
    // Without the project among the fields, rows are grouped by their threshold config.
    const { body } = await events({ field: ['apdex()'], sort: '-apdex' });
    expect(body.data).toEqual([
      { 'apdex()': 2.5 / 3, project_threshold_config: ['duration', 300] },
      { 'apdex()': 1.5 / 3, project_threshold_config: ['duration', 100] },
    ]);
    expect(body.meta.fields).toMatchObject({ 'apdex()': 'number', project_threshold_config: 'string' });
    // An explicit threshold applies to every project's durations.
    const explicit = await events({
      dataset: 'transactions',
      field: ['project', 'apdex(100)'],
      sort: 'project',
    });
    expect(explicit.body.data).toEqual([
      { project: 'default', 'apdex(100)': 1.5 / 3 },
      { project: 'mobile', 'apdex(100)': 1.5 / 3 },
    ]);
  });

  it('applies a transaction override, and the LCP metric only to transactions that have one', async () => {
    expect(
      await api('POST', overridePath(defaultId), {
        transaction: 'GET /a',
        threshold: 1000,
        metric: 'duration',
      }),
    ).toMatchObject({
      status: 201,
      body: {
        id: '1',
        transaction: 'GET /a',
        threshold: '1000',
        metric: 'duration',
        projectId: String(defaultId),
      },
    });
    expect(await api('GET', overridePath(defaultId, '&transaction=GET%20/a'))).toMatchObject({
      status: 200,
      body: { transaction: 'GET /a', threshold: '1000' },
    });
    expect(await api('POST', thresholdPath('mobile'), { metric: 'lcp' })).toMatchObject({ status: 200 });
    expect(await perProject()).toEqual([
      {
        project: 'default',
        'apdex()': 1,
        'user_misery()': misery(0, 3),
        'count_miserable(user)': 0,
        project_threshold_config: ['duration', 1000],
      },
      {
        project: 'mobile',
        'apdex()': 0,
        'user_misery()': 0,
        'count_miserable(user)': 0,
        project_threshold_config: ['lcp', 100],
      },
    ]);
  });

  it('deletes overrides and thresholds back to the default', async () => {
    expect(await api('DELETE', overridePath(defaultId), { transaction: 'GET /a' })).toEqual({
      status: 204,
      body: null,
    });
    expect(await api('GET', overridePath(defaultId, '&transaction=GET%20/a'))).toEqual({
      status: 404,
      body: null,
    });
    expect(await api('DELETE', thresholdPath('mobile'))).toEqual({ status: 204, body: null });
    expect(await api('GET', thresholdPath('mobile'))).toMatchObject({ body: { id: '', threshold: '300' } });
    const rows = await perProject();
    expect(rows.map((r) => [r.project, r['apdex()'], r.project_threshold_config])).toEqual([
      ['default', 2.5 / 3, ['duration', 300]],
      ['mobile', 2.5 / 3, ['duration', 300]],
    ]);
  });

  it("answers Sentry's errors of the override endpoint", async () => {
    expect(
      await api('POST', '/api/0/organizations/vigil/project-transaction-threshold-override/', {
        transaction: 'GET /a',
        threshold: 100,
        metric: 'duration',
      }),
    ).toEqual({ status: 400, body: { detail: 'Only 1 project per transaction threshold' } });
    expect(await api('POST', overridePath(defaultId), { threshold: 150 })).toEqual({
      status: 400,
      body: {
        transaction: ['This field is required.'],
        metric: ['This field is required.'],
        threshold: ['Invalid threshold - specify a multiple of 100'],
      },
    });
  });
});
