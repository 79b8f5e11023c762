// The issue stream over HTTP on real stores (SQLite metadata, embedded chDB): every sort, the
// issue-search filters of reference/sentry-semantics.md §2, cursor pagination with X-Hits, the
// stats / lifetime / filtered blocks, direct hits and the issues-stats endpoint, checked against
// Sentry's shapes and against ages and counts known from the fixture (tests/helpers/issue-fixtures.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToInbox } from '../../src/storage/metadata/index.js';
import { startIssueFixture, type IssueFixture, type IssueName } from '../helpers/issue-fixtures.js';

type Json = Record<string, unknown>;

let fx: IssueFixture;

beforeAll(async () => {
  fx = await startIssueFixture('issue-stream');
}, 120_000);

afterAll(async () => {
  await fx?.close();
});

/** The fixture names of the issues a list answered, in order. */
function names(body: unknown): IssueName[] {
  const byId = new Map(Object.entries(fx.ids).map(([name, id]) => [String(id), name as IssueName]));
  return (body as Json[]).map((issue) => byId.get(String(issue.id)) ?? ('?' as IssueName));
}

async function list(params: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  return fx.get(`/api/0/organizations/vigil/issues/?${params}`);
}

async function listNames(params: string): Promise<IssueName[]> {
  const res = await list(params);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return names(res.body);
}

function issueOf(body: unknown, name: IssueName): Json {
  const found = (body as Json[]).find((i) => i.id === String(fx.ids[name]));
  if (found === undefined) throw new Error(`issue ${name} not in the page`);
  return found;
}

describe('sorts', () => {
  it('date (default): last seen, newest first', async () => {
    expect(await listNames('')).toEqual(['a', 'f', 'c', 'b', 'g']);
    expect(await listNames('sort=date&query=is:unresolved')).toEqual(['a', 'f', 'c', 'b', 'g']);
  });

  it('new: the lifetime first event, not the first one in the window', async () => {
    // `c` was first seen 60 days ago; inside a 14-day window its first event is 50 minutes old.
    expect(await listNames('sort=new&statsPeriod=14d')).toEqual(['f', 'b', 'a', 'g', 'c']);
    expect(await listNames('sort=new')).toEqual(['f', 'b', 'a', 'g', 'c']);
  });

  it('freq: event count, ties by issue id (newest first)', async () => {
    expect(await listNames('sort=freq')).toEqual(['a', 'f', 'c', 'b', 'g']);
    expect(await listNames('sort=freq&statsPeriod=14d')).toEqual(['a', 'f', 'b', 'c', 'g']);
  });

  it('user: distinct users', async () => {
    expect(await listNames('sort=user')).toEqual(['b', 'a', 'f', 'g', 'c']);
  });

  it("trends: Sentry's trends score", async () => {
    // Sentry's v2 formula with its default weights (executors.py `trends_aggregation_impl`),
    // recomputed here from the fixture's event ages for the default 90-day window.
    const { FIXTURE_EVENTS } = await import('../helpers/issue-fixtures.js');
    const score = (issue: IssueName): number => {
      const ages = FIXTURE_EVENTS.filter((e) => e.issue === issue).map((e) => e.agoMinutes / 60);
      const eventScore = Math.log(1 + ages.reduce((s, h) => s + 1 / 2 ** (h / 4), 0));
      const issueScore = Math.max(0.01, 1 / 2 ** Math.min(16, Math.max(...ages) / 12));
      const recent = ages.filter((h) => h <= 1).length;
      const overall = ages.filter((h) => h <= 7 * 24).length;
      return issueScore * Math.max(0.01, eventScore) * Math.max(0.01, recent / (overall + 1) / 10);
    };
    const expected = (['a', 'b', 'c', 'f', 'g'] as IssueName[]).sort((x, y) => score(y) - score(x));
    expect(await listNames('sort=trends')).toEqual(expected);
  });

  /** The fixture events of an issue within `days` (default: the 90-day search window), ages in hours. */
  async function eventsOf(issue: IssueName, days = 90) {
    const { FIXTURE_EVENTS } = await import('../helpers/issue-fixtures.js');
    return FIXTURE_EVENTS.filter((e) => e.issue === issue && e.agoMinutes < days * 24 * 60).map((e) => ({
      ...e,
      hours: e.agoMinutes / 60,
    }));
  }
  const unresolved: IssueName[] = ['a', 'b', 'c', 'f', 'g'];

  it("recommended: Sentry's recommended score with its default weights", async () => {
    // executors.py `_recommended_aggregation`: recency, spike, severity, user impact, volume.
    const severity: Record<string, number> = { fatal: 1, error: 0.75, warning: 0.5, info: 0.25 };
    const scores = new Map<IssueName, number>();
    for (const issue of unresolved) {
      const events = await eventsOf(issue);
      const recency = 1 / 2 ** (Math.min(...events.map((e) => e.hours)) / 24);
      const recent = events.filter((e) => e.hours <= 6).length;
      const threeDays = events.filter((e) => e.hours <= 72).length;
      const spike = Math.min(1, recent / (threeDays + 1));
      const worst = Math.max(...events.map((e) => severity[e.level ?? 'error'] ?? 0));
      const users = new Set(events.filter((e) => e.user).map((e) => JSON.stringify(e.user))).size;
      const userImpact = Math.min(1, Math.log(users + 1) / Math.log(1001));
      const volume = Math.min(1, Math.log(events.length + 1) / Math.log(10001));
      scores.set(issue, 0.2 * recency + 0.2 * spike + 0.2 * worst + 0.05 * userImpact + 0.2 * volume);
    }
    const expected = [...unresolved].sort((x, y) => scores.get(y)! - scores.get(x)!);
    expect(new Set(scores.values()).size).toBe(unresolved.length); // no ties to break
    expect(await listNames('sort=recommended')).toEqual(expected);
    expect(expected).not.toEqual(await listNames('sort=date'));
  });

  it('priority: log(times seen) * 600 + last seen in seconds', async () => {
    const scores = new Map<IssueName, number>();
    for (const issue of unresolved) {
      const events = await eventsOf(issue, 14);
      scores.set(issue, Math.log(events.length) * 600 - Math.min(...events.map((e) => e.hours)) * 3600);
    }
    const expected = [...unresolved].sort((x, y) => scores.get(y)! - scores.get(x)!);
    // In this fixture log(n) * 600 s is small next to the gaps between last-seen times, so the
    // order is the date order; the 14-day frequency order differs.
    expect(await listNames('sort=priority&statsPeriod=14d')).toEqual(expected);
    expect(expected).not.toEqual(await listNames('sort=freq&statsPeriod=14d'));
  });

  it('unknown sorts fall back to date', async () => {
    expect(await listNames('sort=bogus')).toEqual(['a', 'f', 'c', 'b', 'g']);
  });
});

describe('inbox sort', () => {
  const forReview = `query=${encodeURIComponent('is:unresolved is:for_review')}`;

  it('lists the issues in the inbox by the date they entered it, whatever their events', async () => {
    // Ingestion put every issue into the inbox when it created it, one after the other (ties are
    // broken by issue id, newest first); resolving `d` and ignoring `e` took them out. `g` has
    // no event in the last hour but entered the inbox within it: the window bounds inbox dates.
    expect(await listNames(`sort=inbox&${forReview}`)).toEqual(['g', 'f', 'c', 'b', 'a']);
    expect(await listNames(`sort=inbox&statsPeriod=1h&${forReview}`)).toEqual(['g', 'f', 'c', 'b', 'a']);
    expect(await listNames(`sort=date&statsPeriod=1h&${forReview}`)).toEqual(['a', 'f', 'c']);
  });

  describe('with known inbox dates', () => {
    const minutesAgo = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);
    /** Puts `issue` into the inbox as added `minutes` ago. */
    async function enter(issue: IssueName, minutes: number): Promise<void> {
      const projectId = issue === 'f' ? fx.projects.api : fx.projects.default;
      await addToInbox(
        fx.metadata.db,
        [{ projectId, groupId: fx.ids[issue], reason: 'regression' }],
        minutesAgo(minutes),
      );
    }

    beforeAll(async () => {
      await enter('a', 180);
      await enter('b', 30);
      await enter('c', 2 * 24 * 60);
      await enter('f', 10);
      // Older than the inbox's seven days: no longer for review.
      await enter('g', 8 * 24 * 60);
    });

    it('sorts by the inbox date, newest first, and counts the entries', async () => {
      const res = await list(`sort=inbox&${forReview}`);
      expect(res.status).toBe(200);
      expect(names(res.body)).toEqual(['f', 'b', 'a', 'c']);
      expect(res.headers.get('x-hits')).toBe('4');
      expect(await listNames(`sort=date&${forReview}`)).toEqual(['a', 'f', 'c', 'b']);
    });

    it('pages with cursors and X-Hits', async () => {
      const first = await list(`sort=inbox&limit=2&${forReview}`);
      expect(names(first.body)).toEqual(['f', 'b']);
      expect(first.headers.get('x-hits')).toBe('4');
      expect(first.headers.get('link')).toContain('rel="next"; results="true"; cursor="0:2:0"');
      const second = await list(`sort=inbox&limit=2&cursor=0:2:0&${forReview}`);
      expect(names(second.body)).toEqual(['a', 'c']);
      expect(second.headers.get('x-hits')).toBe('4');
      expect(second.headers.get('link')).toContain('rel="next"; results="false"');
      const past = await list(`sort=inbox&limit=2&cursor=0:10:0&${forReview}`);
      expect(past.body).toEqual([]);
      expect(past.headers.get('x-hits')).toBe('4');
    });

    it('bounds the inbox dates by the window and scopes by project and environment', async () => {
      expect(await listNames(`sort=inbox&statsPeriod=24h&${forReview}`)).toEqual(['f', 'b', 'a']);
      const start = minutesAgo(3 * 24 * 60).toISOString();
      const end = minutesAgo(60).toISOString();
      expect(await listNames(`sort=inbox&start=${start}&end=${end}&${forReview}`)).toEqual(['a', 'c']);
      expect(await listNames(`sort=inbox&project=${fx.projects.api}&${forReview}`)).toEqual(['f']);
      expect(await listNames(`sort=inbox&environment=staging&${forReview}`)).toEqual(['a']);
    });

    it('applies the other filters of the search', async () => {
      const query = (q: string) => `query=${encodeURIComponent(`is:unresolved is:for_review ${q}`)}`;
      expect(await listNames(`sort=inbox&${query('level:error')}`)).toEqual(['a', 'c']);
      expect(await listNames(`sort=inbox&${query('times_seen:>3')}`)).toEqual(['f', 'a']);
      expect(await listNames(`sort=inbox&${query('assigned:none')}`)).toEqual(['f', 'b', 'a', 'c']);
      expect(await listNames(`sort=inbox&${query('assigned:me')}`)).toEqual([]);
    });

    it('breaks ties by issue id, newest first', async () => {
      const at = minutesAgo(45);
      await addToInbox(
        fx.metadata.db,
        (['a', 'b'] as const).map((issue) => ({
          projectId: fx.projects.default,
          groupId: fx.ids[issue],
          reason: 'manual' as const,
        })),
        at,
      );
      expect(fx.ids.b).toBeGreaterThan(fx.ids.a);
      expect(await listNames(`sort=inbox&${forReview}`)).toEqual(['f', 'b', 'a', 'c']);
      await enter('a', 180);
      await enter('b', 30);
    });

    it('drops an issue marked reviewed', async () => {
      const res = await fetch(`${fx.base}/api/0/organizations/vigil/issues/?id=${fx.ids.b}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${fx.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ inbox: false }),
      });
      expect(res.status).toBe(200);
      const after = await list(`sort=inbox&${forReview}`);
      expect(names(after.body)).toEqual(['f', 'a', 'c']);
      expect(after.headers.get('x-hits')).toBe('3');
    });
  });

  it("answers Sentry's 400 without is:for_review or is:unresolved", async () => {
    expect(await list('sort=inbox')).toMatchObject({
      status: 400,
      body: { detail: "Sort key 'inbox' only supported for inbox search" },
    });
    expect(await list(`sort=inbox&query=${encodeURIComponent('is:for_review')}`)).toMatchObject({
      status: 400,
      body: { detail: "Inbox search only works for 'unresolved' status" },
    });
  });
});

describe('filters', () => {
  it.each([
    ['refused', ['b']],
    ['"boom"', ['a']],
    ['browser:Chrome', ['a']],
    ['!browser:Firefox', ['a', 'f', 'c', 'd', 'e', 'g']],
    ['has:user', ['a', 'f', 'b']],
    ['is:resolved', ['d']],
    ['is:ignored', ['e']],
    ['is:archived', ['e']],
    ['!is:unresolved', ['d', 'e']],
    ['is:unresolved times_seen:>3', ['a', 'f']],
    ['timesSeen:3', ['c', 'b']],
    ['lastSeen:-30m', ['a', 'f']],
    ['lastSeen:+2h', ['d', 'e', 'g']],
    ['level:fatal', ['f']],
    ['level:[warning, info]', ['b', 'g']],
    ['user.email:u2@example.com', ['b']],
    ['user.id:1', ['a']],
    ['event.type:default', ['g']],
    ['error.handled:false', ['a']],
    ['error.unhandled:true', ['a']],
    ['release:app@2.0.0', ['a']],
    ['release:latest', ['a']],
    ['first-release:latest', ['b']],
    ['firstRelease:app@1.0.0', ['a', 'f', 'c', 'd', 'e', 'g']],
    ['issue.priority:high', ['a', 'f', 'c', 'd', 'e']],
    ['issue.category:error', ['a', 'f', 'c', 'b', 'd', 'e', 'g']],
    ['', ['a', 'f', 'c', 'b', 'd', 'e', 'g']],
  ])('%s', async (query, expected) => {
    expect(await listNames(`query=${encodeURIComponent(query)}`)).toEqual(expected);
  });

  it('age and first_seen compare the lifetime first event', async () => {
    // `c` has events 40–50 minutes old in the window but was first seen 60 days ago.
    expect(await listNames(`statsPeriod=14d&query=${encodeURIComponent('is:unresolved age:-7d')}`)).toEqual([
      'a',
      'f',
      'b',
    ]);
    expect(await listNames(`statsPeriod=14d&query=${encodeURIComponent('firstSeen:+30d')}`)).toEqual(['c']);
  });

  it('environment scopes the search', async () => {
    expect(await listNames('environment=staging')).toEqual(['a']);
    expect(await listNames('environment=prod&sort=freq')).toEqual(['a', 'f', 'c', 'b', 'g']);
  });

  it('project and time range scope the search', async () => {
    expect(await listNames(`project=${fx.projects.api}`)).toEqual(['f']);
    expect(await listNames('statsPeriod=1h')).toEqual(['a', 'f', 'c']);
    const start = new Date(fx.now.getTime() - 9 * 86_400_000).toISOString();
    const end = new Date(fx.now.getTime() - 7 * 86_400_000).toISOString();
    expect(await listNames(`start=${start}&end=${end}`)).toEqual(['g']);
  });

  it("answers Sentry's 400 for a query issue search rejects", async () => {
    const res = await list(`query=${encodeURIComponent('level:error OR level:fatal')}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      detail:
        'Error parsing search query: Boolean statements containing "OR" or "AND" are not supported in this search',
    });
  });

  it('the group_stats plan and the events plan return the same pages', async () => {
    for (const sort of ['date', 'new']) {
      // `times_seen:>0` is always true but forces the scan of the window's events.
      const fast = await listNames(`sort=${sort}`);
      const scan = await listNames(`sort=${sort}&query=${encodeURIComponent('is:unresolved times_seen:>0')}`);
      expect(fast).toEqual(scan);
      expect(await listNames(`sort=${sort}&query=${encodeURIComponent('is:unresolved age:-7d')}`)).toEqual(
        await listNames(`sort=${sort}&query=${encodeURIComponent('is:unresolved age:-7d times_seen:>0')}`),
      );
    }
  });
});

describe('pagination', () => {
  it('pages with cursors, X-Hits and X-Max-Hits', async () => {
    const first = await list('limit=2');
    expect(names(first.body)).toEqual(['a', 'f']);
    expect(first.headers.get('x-hits')).toBe('5');
    expect(first.headers.get('x-max-hits')).toBe('1000');
    const link = first.headers.get('link') ?? '';
    expect(link).toContain('rel="previous"; results="false"');
    expect(link).toContain('rel="next"; results="true"; cursor="0:2:0"');

    const second = await list('limit=2&cursor=0:2:0');
    expect(names(second.body)).toEqual(['c', 'b']);
    expect(second.headers.get('x-hits')).toBe('5');
    const third = await list('limit=2&cursor=0:4:0');
    expect(names(third.body)).toEqual(['g']);
    expect(third.headers.get('link')).toContain('rel="next"; results="false"');
    const past = await list('limit=2&cursor=0:10:0');
    expect(past.body).toEqual([]);
    expect(past.headers.get('x-hits')).toBe('5');
  });
});

describe("Sentry's stream shape", () => {
  it('gives each issue its window counts, 24 hourly stats, lifetime and no filtered block without conditions', async () => {
    const res = await list('statsPeriod=14d');
    const a = issueOf(res.body, 'a');
    expect(a).toMatchObject({
      shortId: 'DEFAULT-1',
      title: 'TypeError: boom',
      status: 'unresolved',
      count: '6',
      userCount: 2,
      isUnhandled: true,
      filtered: null,
      lifetime: { count: '6', userCount: 2, stats: null },
    });
    const hourly = (a.stats as Record<string, Array<[number, number]>>)['24h'] ?? [];
    expect(hourly).toHaveLength(24);
    expect(hourly.reduce((s, [, n]) => s + n, 0)).toBe(4);
    expect(hourly.at(-1)?.[0]).toBe(Math.floor(Date.now() / 3_600_000) * 3600);

    // `c`: 2 events in the window, 3 in its lifetime; first seen 60 days ago only in `lifetime`.
    const c = issueOf(res.body, 'c');
    expect(c).toMatchObject({ count: '2', lifetime: { count: '3' } });
    const lifetimeFirst = Date.parse(String((c.lifetime as Json).firstSeen));
    expect(Math.abs(lifetimeFirst - (fx.now.getTime() - 60 * 86_400_000))).toBeLessThan(1000);
    expect(Date.parse(String(c.firstSeen))).toBeGreaterThan(fx.now.getTime() - 3_600_000);
  });

  it('adds filtered counts and series under the search conditions', async () => {
    const res = await list(`groupStatsPeriod=14d&query=${encodeURIComponent('browser:Chrome')}`);
    const a = issueOf(res.body, 'a');
    expect(a).toMatchObject({ count: '6', filtered: { count: '4', userCount: 2 } });
    const daily = (a.stats as Record<string, Array<[number, number]>>)['14d'] ?? [];
    expect(daily).toHaveLength(14);
    expect(daily.reduce((s, [, n]) => s + n, 0)).toBe(6);
    const filtered = ((a.filtered as Json).stats as Record<string, Array<[number, number]>>)['14d'] ?? [];
    expect(filtered.reduce((s, [, n]) => s + n, 0)).toBe(4);
  });

  it('honours groupStatsPeriod, collapse and expand', async () => {
    const none = issueOf((await list('groupStatsPeriod=')).body, 'a');
    expect(none.stats).toBeUndefined();
    expect(none.lifetime).toMatchObject({ count: '6' });
    expect((none.lifetime as Json).stats).toBeUndefined();

    const auto = issueOf((await list('groupStatsPeriod=auto&statsPeriod=24h')).body, 'a');
    const series = (auto.stats as Record<string, unknown[]>).auto ?? [];
    expect(series.length).toBeGreaterThanOrEqual(24);

    const collapsed = issueOf((await list('collapse=stats')).body, 'a');
    expect(collapsed.stats).toBeUndefined();
    expect(collapsed.lifetime).toBeUndefined();
    expect(collapsed.filtered).toBeUndefined();

    const base = issueOf((await list('collapse=base&expand=owners')).body, 'a');
    expect(Object.keys(base).sort()).toEqual(
      [
        'count',
        'filtered',
        'firstSeen',
        'id',
        'isUnhandled',
        'lastSeen',
        'lifetime',
        'owners',
        'stats',
        'userCount',
      ].sort(),
    );

    const invalid = await list('groupStatsPeriod=7d');
    expect(invalid).toMatchObject({
      status: 400,
      body: { detail: "Invalid stats_period. Valid choices are '', '24h', '14d' and 'auto'" },
    });
  });
});

describe('direct hits and issue ids', () => {
  it('an event id finds its issue', async () => {
    const eventId = fx.eventIds.b[1] ?? '';
    const dashed = `${eventId.slice(0, 8)}-${eventId.slice(8, 12)}-${eventId.slice(12, 16)}-${eventId.slice(16, 20)}-${eventId.slice(20)}`;
    const res = await list(`query=${dashed}`);
    expect(names(res.body)).toEqual(['b']);
    expect(res.headers.get('x-sentry-direct-hit')).toBe('1');
    expect((res.body as Json[])[0]?.matchingEventId).toBe(eventId);
  });

  it('a short id finds its issue with shortIdLookup=1 only', async () => {
    const hit = await list('shortIdLookup=1&query=DEFAULT-2');
    expect(names(hit.body)).toEqual(['b']);
    expect(hit.headers.get('x-sentry-direct-hit')).toBe('1');
    const search = await list('query=DEFAULT-2');
    expect(search.headers.get('x-sentry-direct-hit')).toBeNull();
  });

  it('group ids list those issues whatever their status', async () => {
    expect((await listNames(`group=${fx.ids.d}&group=${fx.ids.a}`)).sort()).toEqual(['a', 'd']);
    expect(await list('group=abc')).toMatchObject({
      status: 400,
      body: { detail: 'Group ids must be integers' },
    });
  });
});

describe('the project issue list', () => {
  it('searches one project with lifetime counts and statsPeriod naming the series', async () => {
    const res = await fx.get('/api/0/projects/vigil/default/issues/?statsPeriod=14d&sort=freq');
    expect(names(res.body)).toEqual(['a', 'c', 'b', 'g']);
    expect(res.headers.get('x-hits')).toBe('4');
    const c = issueOf(res.body, 'c');
    expect(c.count).toBe('3');
    expect(Object.keys(c.stats as Json)).toEqual(['14d']);
    expect(c.lifetime).toBeUndefined();
    expect(await fx.get('/api/0/projects/vigil/default/issues/?statsPeriod=auto')).toMatchObject({
      status: 400,
      body: { detail: "Invalid stats_period. Valid choices are '', '24h', and '14d'" },
    });
  });

  it('lists the issues of grouping hashes', async () => {
    const res = await fx.get(
      `/api/0/projects/vigil/default/issues/?hashes=${fx.hashes.d}&hashes=${fx.hashes.f}`,
    );
    expect(names(res.body)).toEqual(['d']);
  });
});

describe('issues-stats', () => {
  it("answers the requested issues' aggregates, collapsed to the counts by default", async () => {
    const res = await fx.get(
      `/api/0/organizations/vigil/issues-stats/?groups=${fx.ids.a}&groups=${fx.ids.b}&groupStatsPeriod=24h&query=${encodeURIComponent('browser:Firefox')}`,
    );
    expect(res.status).toBe(200);
    const a = issueOf(res.body, 'a');
    expect(a.title).toBeUndefined();
    expect(a).toMatchObject({ count: '6', userCount: 2, filtered: { count: '2' }, lifetime: { count: '6' } });
    expect(((a.stats as Record<string, unknown[]>)['24h'] ?? []).length).toBe(24);
    expect(issueOf(res.body, 'b')).toMatchObject({ count: '3', filtered: { count: '3' } });
  });

  it("answers Sentry's 400s", async () => {
    expect(await fx.get('/api/0/organizations/vigil/issues-stats/')).toMatchObject({
      status: 400,
      body: { detail: 'You should include `groups` with your request. (i.e. groups=1,2,3)' },
    });
    expect(await fx.get('/api/0/organizations/vigil/issues-stats/?groups=999999')).toMatchObject({
      status: 400,
      body: { detail: 'No matching groups found' },
    });
  });
});
