// The issue-state part of issue search answered in SQL (counts and id lists on SQLite and
// Postgres) must keep exactly the issues a plain reading of the stored fields keeps, for every
// kind of state filter, negated or not, with NULL substatuses and first releases among the
// issues, and send ClickHouse the shorter id list. (Assignment, bookmarks and the inbox are
// covered with their own fixture in group-filters.test.ts.) The `inbox` sort's candidates are the
// inbox entries of the issues passing the filters, with their dates, bounded by the window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIssueSearch, type GroupFilter } from '../../query/index.js';
import {
  bootstrap,
  getGroups,
  resolveGroups,
  updateGroupStatus,
  type Group,
} from '../../storage/metadata/index.js';
import {
  postgresBackend,
  sqliteBackend,
  type Backend,
  type Fixture,
} from '../../storage/metadata/test-backends.js';
import { groupIdFilter, inboxCandidates } from './group-candidates.js';

/** Sentry's default priority of an error issue by level; others are medium. */
const PRIORITY_BY_LEVEL: Record<string, string> = {
  fatal: 'high',
  error: 'high',
  warning: 'medium',
  info: 'low',
  debug: 'low',
};

/** The reference reading of `filters` over one issue's fields, for a store where nothing is assigned. */
function expectedMatch(group: Group, filters: readonly GroupFilter[]): boolean {
  const oneOf = (values: readonly string[], value: string | null, negated: boolean) =>
    (value !== null && values.includes(value)) !== negated;
  return filters.every((f) => {
    switch (f.kind) {
      case 'status':
        return oneOf(f.values, group.status, f.negated);
      case 'substatus':
        return oneOf(f.values, group.substatus, f.negated);
      case 'first_release':
        return oneOf(f.values, group.first_release, f.negated);
      case 'issue.category':
      case 'issue.type':
        return oneOf(f.values, 'error', f.negated);
      case 'issue.priority':
        return oneOf(f.values, PRIORITY_BY_LEVEL[group.level] ?? 'medium', f.negated);
      case 'unassigned':
        return f.value;
      default:
        throw new Error(`no reference for ${f.kind}`);
    }
  });
}

const QUERIES = [
  'is:unresolved',
  '!is:unresolved',
  'is:resolved',
  'is:ignored',
  'is:regressed',
  'is:archived_forever',
  '!is:ongoing',
  'is:unresolved is:new',
  'first-release:app@1.0',
  '!first-release:app@1.0',
  'first-release:[app@1.0, app@2.0]',
  'issue.priority:high',
  'issue.priority:medium',
  '!issue.priority:low',
  'issue.priority:[medium, low]',
  'issue.category:error',
  '!issue.type:error',
  'is:unresolved issue.priority:high !first-release:app@2.0',
  'is:assigned',
  'is:unassigned is:unresolved',
];

/** A fresh store of `backend` with its bootstrap organization and project. */
async function bootstrapped(
  backend: Backend,
): Promise<{ fx: Fixture; projectId: number; organizationId: number }> {
  await backend.prepare();
  const fx = await backend.create();
  const boot = await bootstrap(fx.store);
  return { fx, projectId: boot.project.id, organizationId: boot.organization.id };
}

const LEVELS = ['fatal', 'error', 'warning', 'info', 'debug', 'sample'];
const RELEASES = [undefined, 'app@1.0', 'app@2.0'];

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
])('groupIdFilter on %s', (_name, backend) => {
  let fx: Fixture;
  let projectId: number;
  let organizationId: number;
  const groupIds: number[] = [];

  beforeAll(async () => {
    ({ fx, projectId, organizationId } = await bootstrapped(backend));
    for (let i = 0; i < 36; i++) {
      const [group] = await resolveGroups(fx.store, [
        {
          projectId,
          hashes: [String(i).padStart(32, 'a')],
          init: {
            type: 'error',
            title: `E${i}`,
            culprit: '',
            level: LEVELS[i % LEVELS.length] ?? 'error',
            metadata: {},
            release: RELEASES[i % RELEASES.length],
            timestamp: fx.clock.now(),
          },
        },
      ]);
      const id = group?.groupId ?? 0;
      groupIds.push(id);
      if (i % 4 === 1) await updateGroupStatus(fx.store, id, { status: 'resolved' });
      if (i % 4 === 2) await updateGroupStatus(fx.store, id, { status: 'ignored' });
      if (i % 8 === 3)
        await updateGroupStatus(fx.store, id, { status: 'unresolved', substatus: 'regressed' });
    }
  }, 60_000);

  afterAll(async () => {
    await fx?.dispose();
  });

  it.each(QUERIES)('%s keeps what the stored fields say', async (query) => {
    const compiled = compileIssueSearch(query, { now: new Date() });
    if (!compiled.ok) throw new Error(compiled.error.message);
    const groups = await getGroups(fx.store, groupIds);
    const expected = groups.filter((g) => expectedMatch(g, compiled.groupFilters)).map((g) => g.id);
    const filter = await groupIdFilter(fx.store, {
      projectIds: [projectId],
      filters: compiled.groupFilters,
      viewer: { userId: null, organizationId },
      now: fx.clock.now(),
    });
    const kept =
      filter === undefined
        ? [...groupIds]
        : filter.include
          ? filter.ids
          : groupIds.filter((id) => !filter.ids.includes(id));
    expect(kept.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    // The shorter list is the one sent.
    if (filter !== undefined) expect(filter.ids.length).toBeLessThanOrEqual(groupIds.length / 2);
  });
});

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
])('inboxCandidates on %s', (_name, backend) => {
  let fx: Fixture;
  let projectId: number;
  let organizationId: number;
  /** Issue ids by name, and the time each entered the inbox (a clock step apart). */
  const ids: Record<string, number> = {};
  const added: Record<string, Date> = {};
  const HOUR = 3_600_000;

  beforeAll(async () => {
    ({ fx, projectId, organizationId } = await bootstrapped(backend));
    for (const [i, name] of ['old', 'warn', 'fatal', 'done', 'newest'].entries()) {
      // `old` enters eight days before the others, beyond `is:for_review`'s seven.
      fx.clock.advance(name === 'warn' ? 8 * 24 * HOUR : HOUR);
      added[name] = fx.clock.now();
      const [group] = await resolveGroups(fx.store, [
        {
          projectId,
          hashes: [String(i).padStart(32, 'b')],
          init: {
            type: 'error',
            title: name,
            culprit: '',
            level: name === 'warn' ? 'warning' : 'fatal',
            metadata: {},
            timestamp: fx.clock.now(),
          },
        },
      ]);
      ids[name] = group?.groupId ?? 0;
    }
    await updateGroupStatus(fx.store, ids.done ?? 0, { status: 'resolved' });
  }, 60_000);

  afterAll(async () => {
    await fx?.dispose();
  });

  async function candidates(query: string, start: Date, end: Date): Promise<Record<string, string>> {
    const compiled = compileIssueSearch(query, { now: fx.clock.now() });
    if (!compiled.ok) throw new Error(compiled.error.message);
    const dates = await inboxCandidates(fx.store, {
      projectIds: [projectId],
      filters: compiled.groupFilters,
      viewer: { userId: null, organizationId },
      now: fx.clock.now(),
      start,
      end,
    });
    const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return Object.fromEntries([...dates].map(([id, date]) => [byId.get(id) ?? '?', date.toISOString()]));
  }

  it('gives the inbox date of each issue in the inbox that passes the filters', async () => {
    const all = await candidates('is:unresolved is:for_review', new Date(0), fx.clock.now());
    expect(all).toEqual({
      warn: added.warn?.toISOString(),
      fatal: added.fatal?.toISOString(),
      newest: added.newest?.toISOString(),
    });
    const high = await candidates(
      'is:unresolved is:for_review issue.priority:high',
      new Date(0),
      fx.clock.now(),
    );
    expect(Object.keys(high).sort()).toEqual(['fatal', 'newest']);
  });

  it('keeps the entries added within the window, both ends included', async () => {
    const window = await candidates(
      'is:unresolved is:for_review',
      added.warn ?? new Date(),
      added.fatal ?? new Date(),
    );
    expect(Object.keys(window).sort()).toEqual(['fatal', 'warn']);
    const later = await candidates('is:unresolved is:for_review', added.fatal ?? new Date(), fx.clock.now());
    expect(Object.keys(later).sort()).toEqual(['fatal', 'newest']);
    expect(await candidates('is:unresolved is:for_review', new Date(0), new Date(1))).toEqual({});
  });

  it('finds nothing outside the searched projects', async () => {
    const compiled = compileIssueSearch('is:unresolved is:for_review', { now: fx.clock.now() });
    if (!compiled.ok) throw new Error(compiled.error.message);
    const query = {
      filters: compiled.groupFilters,
      viewer: { userId: null, organizationId },
      now: fx.clock.now(),
      start: new Date(0),
      end: fx.clock.now(),
    };
    expect((await inboxCandidates(fx.store, { ...query, projectIds: [projectId + 1000] })).size).toBe(0);
    expect((await inboxCandidates(fx.store, { ...query, projectIds: [] })).size).toBe(0);
  });
});
