// An issue's tag and feature-flag distributions, its event stats, its event list with a query
// and its details, over HTTP on real stores (SQLite metadata, embedded chDB), in Sentry's shapes
// (tagstore `TagKeySerializer` / `TagValueSerializer` / `UserTagValueSerializer`, `group_stats`,
// `group_events`, `group_details`). Fixture: tests/helpers/issue-fixtures.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssueFixture, type IssueFixture } from '../helpers/issue-fixtures.js';

type Json = Record<string, unknown>;

let fx: IssueFixture;

beforeAll(async () => {
  fx = await startIssueFixture('group-tags');
}, 120_000);

afterAll(async () => {
  await fx?.close();
});

const issue = (name: 'a' | 'b' | 'f'): string => `/api/0/issues/${fx.ids[name]}`;

describe('GET /issues/{id}/tags/', () => {
  it('lists the keys by event count with their top values', async () => {
    const res = await fx.get(`${issue('a')}/tags/`);
    expect(res.status).toBe(200);
    const tags = res.body as Json[];
    expect(tags.map((t) => [t.key, t.name, t.totalValues])).toEqual([
      ['browser', 'Browser', 6],
      ['environment', 'Environment', 6],
      ['level', 'Level', 6],
      ['release', 'Release', 6],
      ['user', 'User', 5],
    ]);
    const browser = tags[0] ?? {};
    expect(browser.uniqueValues).toBeUndefined();
    expect(browser.topValues).toEqual([
      {
        key: 'browser',
        name: 'Chrome',
        value: 'Chrome',
        count: 4,
        firstSeen: new Date(fx.now.getTime() - 5 * 3_600_000).toISOString(),
        lastSeen: new Date(fx.now.getTime() - 10 * 60_000).toISOString(),
      },
      {
        key: 'browser',
        name: 'Firefox',
        value: 'Firefox',
        count: 2,
        firstSeen: new Date(fx.now.getTime() - 3 * 86_400_000).toISOString(),
        lastSeen: new Date(fx.now.getTime() - 26 * 3_600_000).toISOString(),
      },
    ]);
    const user = tags.find((t) => t.key === 'user') ?? {};
    expect(user.topValues).toMatchObject([
      { key: 'user', name: '1', value: 'id:1', count: 3, query: 'user.id:"1"' },
      { key: 'user', name: '2', value: 'id:2', count: 2, query: 'user.id:"2"' },
    ]);
  });

  it('honours key (with sentry: prefixes), limit, environment and the time range', async () => {
    const keyed = (await fx.get(`${issue('a')}/tags/?key=browser&key=sentry:release&limit=1`)).body as Json[];
    expect(keyed.map((t) => t.key)).toEqual(['browser', 'release']);
    expect(keyed.map((t) => (t.topValues as Json[]).map((v) => v.value))).toEqual([
      ['Chrome'],
      ['app@1.0.0'],
    ]);
    // Without `limit`, asking for keys gives 9 values per key, else 10 (Sentry's defaults).
    const staging = (await fx.get(`${issue('a')}/tags/?environment=staging`)).body as Json[];
    expect(staging.map((t) => [t.key, t.totalValues])).toEqual([
      ['browser', 1],
      ['environment', 1],
      ['level', 1],
      ['release', 1],
    ]);
    const lastHour = (await fx.get(`${issue('a')}/tags/?statsPeriod=1h&key=browser`)).body as Json[];
    expect(lastHour).toMatchObject([
      { key: 'browser', totalValues: 2, topValues: [{ value: 'Chrome', count: 2 }] },
    ]);
  });

  it('reads feature flags with useFlagsBackend=1', async () => {
    const flags = (await fx.get(`${issue('a')}/tags/?useFlagsBackend=1`)).body as Json[];
    expect(flags).toMatchObject([
      { key: 'beta', name: 'Beta', totalValues: 3, topValues: [{ value: 'true', count: 3 }] },
    ]);
    expect((await fx.get(`${issue('b')}/tags/?useFlagsBackend=1`)).body).toEqual([]);
  });
});

describe('GET /issues/{id}/tags/{key}/', () => {
  it('answers the key with distinct values, total and top values', async () => {
    const res = await fx.get(`/api/0/organizations/vigil/issues/${fx.ids.b}/tags/user/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      key: 'user',
      name: 'User',
      uniqueValues: 3,
      totalValues: 3,
      topValues: [
        {
          value: 'email:u1@example.com',
          name: 'u1@example.com',
          query: 'user.email:"u1@example.com"',
          count: 1,
        },
        { value: 'email:u2@example.com', count: 1 },
        { value: 'email:u3@example.com', count: 1 },
      ],
    });
  });

  it('is a 404 for a key no event has', async () => {
    expect(await fx.get(`${issue('a')}/tags/nope/`)).toEqual({
      status: 404,
      body: { detail: 'The requested resource does not exist' },
      headers: expect.anything() as unknown,
    });
  });
});

describe('GET /issues/{id}/tags/{key}/values/', () => {
  it('pages the values in the requested order', async () => {
    const byCount = await fx.get(`${issue('a')}/tags/browser/values/?sort=count`);
    expect((byCount.body as Json[]).map((v) => [v.value, v.count])).toEqual([
      ['Chrome', 4],
      ['Firefox', 2],
    ]);
    // The default order is first seen, newest first.
    const byAge = await fx.get(`${issue('a')}/tags/browser/values/`);
    expect((byAge.body as Json[]).map((v) => v.value)).toEqual(['Chrome', 'Firefox']);
    const byDate = await fx.get(`${issue('a')}/tags/browser/values/?sort=date&per_page=1`);
    expect((byDate.body as Json[]).map((v) => v.value)).toEqual(['Chrome']);
    expect(byDate.headers.get('link')).toContain('rel="next"; results="true"; cursor="0:1:0"');
    const next = await fx.get(`${issue('a')}/tags/browser/values/?sort=date&per_page=1&cursor=0:1:0`);
    expect((next.body as Json[]).map((v) => v.value)).toEqual(['Firefox']);
    expect(next.headers.get('link')).toContain('rel="next"; results="false"');
  });

  it('shows the user of user values', async () => {
    const res = await fx.get(`${issue('b')}/tags/user/values/?sort=date`);
    expect((res.body as Json[])[0]).toEqual({
      id: null,
      username: null,
      email: 'u1@example.com',
      name: 'u1@example.com',
      ipAddress: null,
      avatarUrl: expect.stringMatching(
        /^https:\/\/gravatar\.com\/avatar\/[0-9a-f]{32}\?s=32&d=mm$/,
      ) as unknown,
      value: 'email:u1@example.com',
      count: 1,
      lastSeen: new Date(fx.now.getTime() - 65 * 60_000).toISOString(),
      firstSeen: new Date(fx.now.getTime() - 65 * 60_000).toISOString(),
      query: 'user.email:"u1@example.com"',
    });
  });

  it('is a 404 for a key no event has', async () => {
    expect((await fx.get(`${issue('a')}/tags/nope/values/`)).status).toBe(404);
  });
});

describe('GET /issues/{id}/stats/', () => {
  it('counts events per hour over the last day by default', async () => {
    const res = await fx.get(`${issue('a')}/stats/`);
    const series = res.body as Array<[number, number]>;
    expect(series.length).toBeGreaterThanOrEqual(24);
    expect(series.reduce((s, [, n]) => s + n, 0)).toBe(4);
    expect(series.every(([t]) => t % 3600 === 0)).toBe(true);
    const since = Math.floor(fx.now.getTime() / 1000) - 4 * 86_400;
    const daily = (await fx.get(`${issue('a')}/stats/?resolution=1d&since=${since}`)).body as Array<
      [number, number]
    >;
    expect(daily.reduce((s, [, n]) => s + n, 0)).toBe(6);
    expect((await fx.get(`${issue('a')}/stats/?resolution=5m`)).status).toBe(400);
  });
});

describe('GET /issues/{id}/events/', () => {
  it('filters by query, environment and range', async () => {
    const ids = async (params: string) =>
      ((await fx.get(`${issue('a')}/events/?${params}`)).body as Json[]).map((e) => e.eventID);
    const a = fx.eventIds.a;
    expect(await ids('')).toEqual(a);
    expect(await ids(`query=${encodeURIComponent('browser:Firefox')}`)).toEqual([a[4], a[5]]);
    expect(await ids(`query=${encodeURIComponent('browser:Firefox OR user.id:1')}`)).toEqual([
      a[0],
      a[1],
      a[2],
      a[4],
      a[5],
    ]);
    expect(await ids('environment=staging')).toEqual([a[5]]);
    expect(await ids('statsPeriod=1h')).toEqual([a[0], a[1]]);
    const bad = await fx.get(`${issue('a')}/events/?query=${encodeURIComponent('is:unresolved')}`);
    expect(bad.status).toBe(400);
  });
});

describe('GET /issues/{id}/', () => {
  it('adds lifetime counts, 24h/30d stats and the tag keys', async () => {
    const res = await fx.get(`${issue('a')}/`);
    const body = res.body as Json;
    expect(body).toMatchObject({ count: '6', userCount: 2, isUnhandled: true });
    expect(Date.parse(String(body.firstSeen))).toBe(fx.now.getTime() - 3 * 86_400_000);
    const stats = body.stats as Record<string, Array<[number, number]>>;
    expect((stats['24h'] ?? []).reduce((s, [, n]) => s + n, 0)).toBe(4);
    expect((stats['30d'] ?? []).reduce((s, [, n]) => s + n, 0)).toBe(6);
    expect(body.tags).toEqual([
      { key: 'browser', name: 'Browser', totalValues: 6 },
      { key: 'environment', name: 'Environment', totalValues: 6 },
      { key: 'level', name: 'Level', totalValues: 6 },
      { key: 'release', name: 'Release', totalValues: 6 },
      { key: 'user', name: 'User', totalValues: 5 },
    ]);
    const staging = (await fx.get(`${issue('a')}/?environment=staging`)).body as Json;
    // `count` is the issue's global count; the rest follows the environment.
    expect(staging).toMatchObject({ count: '6', userCount: 0 });
    expect(Date.parse(String(staging.lastSeen))).toBe(fx.now.getTime() - 3 * 86_400_000);
  });
});
