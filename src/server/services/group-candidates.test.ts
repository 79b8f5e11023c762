// The issue-state part of issue search answered in SQL (counts and id lists on SQLite and
// Postgres) must keep exactly the issues `matchesGroupFilters` keeps, for every kind of state
// filter, negated or not, with NULL substatuses and first releases among the issues.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIssueSearch } from '../../query/index.js';
import { bootstrap, resolveGroups, updateGroupStatus } from '../../storage/metadata/index.js';
import { listGroupStates } from '../../storage/metadata/group-states.js';
import { postgresBackend, sqliteBackend, type Fixture } from '../../storage/metadata/test-backends.js';
import { groupIdFilter } from './group-candidates.js';
import { matchesGroupFilters } from './group-filters.js';

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

const LEVELS = ['fatal', 'error', 'warning', 'info', 'debug', 'sample'];
const RELEASES = [undefined, 'app@1.0', 'app@2.0'];

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
])('groupIdFilter on %s', (_name, backend) => {
  let fx: Fixture;
  let projectId: number;

  beforeAll(async () => {
    await backend.prepare();
    fx = await backend.create();
    projectId = (await bootstrap(fx.store)).project.id;
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
      if (i % 4 === 1) await updateGroupStatus(fx.store, id, { status: 'resolved' });
      if (i % 4 === 2) await updateGroupStatus(fx.store, id, { status: 'ignored' });
      if (i % 8 === 3)
        await updateGroupStatus(fx.store, id, { status: 'unresolved', substatus: 'regressed' });
    }
  }, 60_000);

  afterAll(async () => {
    await fx?.dispose();
  });

  it.each(QUERIES)('%s keeps what matchesGroupFilters keeps', async (query) => {
    const compiled = compileIssueSearch(query, { now: new Date() });
    if (!compiled.ok) throw new Error(compiled.error.message);
    const states = await listGroupStates(fx.store, [projectId]);
    const expected = states.filter((s) => matchesGroupFilters(s, compiled.groupFilters)).map((s) => s.id);
    const filter = await groupIdFilter(fx.store, [projectId], compiled.groupFilters);
    const kept =
      filter === undefined
        ? states.map((s) => s.id)
        : filter.include
          ? filter.ids
          : states.map((s) => s.id).filter((id) => !filter.ids.includes(id));
    expect(kept.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    // The shorter list is the one sent.
    if (filter !== undefined) expect(filter.ids.length).toBeLessThanOrEqual(states.length / 2);
  });
});
