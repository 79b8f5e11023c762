/**
 * Hash → group resolution for a batch of events (reference/sentry-semantics.md §3.6–§3.7;
 * Sentry `src/sentry/grouping/ingest/hashing.py`, `src/sentry/event_manager.py`
 * `_save_aggregate`, `_handle_regression`).
 *
 * One call per batch costs one read plus, only when something must be written, one
 * transaction of a few statements (short-id counters, groups, hashes, regressions,
 * activities). Items are resolved as if processed one after another in batch order, so
 * a hash first seen by one item is already attached when a later item of the batch
 * carries it.
 *
 * Several processes may share one Postgres: hashes are inserted with
 * `ON CONFLICT (project_id, hash) DO NOTHING`; when any insert loses to a concurrent
 * writer the whole transaction — including groups it created and short ids it took — is
 * rolled back and the batch is resolved again from a fresh read, which now sees the
 * winner's rows. Hash rows are inserted in `(project_id, hash)` order and counters are
 * taken in project-id order so concurrent transactions lock in the same order.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { activityRow } from './activities.js';
import type { NewActivity } from './activities.js';
import { chunks, encodeJson, isoDate } from './columns.js';
import type { Database, GroupHashesTable, GroupsTable } from './schema.js';
import { MissingProjectError } from './errors.js';
import type { MetadataStore } from './store.js';

/** What a new group is created from: the values of the event that creates it. */
export interface GroupInit {
  /** Event type (error, default, csp, ...). */
  type: string;
  title: string;
  culprit: string;
  level: string;
  /** Sentry's group metadata (type, value, filename, function, ...). */
  metadata: JsonObject;
  /** The event's release; becomes `first_release` of a new group and the regression version. */
  release?: string;
  /** The event's timestamp; `active_at` of a new or regressed group. */
  timestamp: Date;
  /** The event's id (32 hex), recorded in a `set_regression` activity. */
  eventId?: string;
  /** The event's platform and logger; Sentry's `Group.platform` / `Group.logger`. */
  platform?: string;
  logger?: string;
}

/** One event of a batch: its project, its grouping hashes (in priority order) and its values. */
export interface ResolveGroupsItem {
  projectId: number;
  /** Grouping hashes, most significant first; at least one. Duplicates are ignored. */
  hashes: readonly string[];
  init: GroupInit;
}

/** The group of one item. */
export interface ResolvedGroup {
  groupId: number;
  /** True for the one item of the batch that created the group. */
  created: boolean;
  /** True for the one item of the batch that moved a resolved group back to unresolved. */
  regressed: boolean;
}

/**
 * Milliseconds (5 s) after the last activation within which an event does not regress a
 * group (Sentry's race window in `_handle_regression`).
 */
export const REGRESSION_WINDOW_MS = 5_000;

/** Most hashes bound in one read statement. */
const READ_BUDGET = 4_000;

/** How many times a batch is re-resolved after losing a race before giving up. */
const MAX_ATTEMPTS = 8;

type Db = Kysely<Database>;

interface ExistingGroup {
  groupId: number;
  status: string;
  activeAt: string;
}

type Target = { kind: 'existing'; groupId: number } | { kind: 'new'; index: number };

interface PendingGroup {
  projectId: number;
  init: GroupInit;
  hashes: string[];
}

interface RegressionCandidate {
  itemIndex: number;
  projectId: number;
  groupId: number;
  init: GroupInit;
}

interface Plan {
  targets: Target[];
  creators: Set<number>;
  newGroups: PendingGroup[];
  attach: Array<{ projectId: number; hash: string; groupId: number }>;
  regressions: RegressionCandidate[];
}

function hashKey(projectId: number, hash: string): string {
  return `${projectId}\u0000${hash}`;
}

function uniqueHashes(hashes: readonly string[]): string[] {
  return [...new Set(hashes)];
}

/** Reads the groups of every hash in the batch (normally one query). */
async function readExisting(
  db: Db,
  items: readonly ResolveGroupsItem[],
): Promise<Map<string, ExistingGroup>> {
  const byProject = new Map<number, Set<string>>();
  for (const item of items) {
    let set = byProject.get(item.projectId);
    if (set === undefined) byProject.set(item.projectId, (set = new Set()));
    for (const hash of item.hashes) set.add(hash);
  }
  // Pack (project, hashes) conditions into statements of at most READ_BUDGET bound hashes,
  // far below SQLite's and Postgres' parameter limits; a usual batch needs one statement.
  const statements: Array<Array<{ projectId: number; hashes: string[] }>> = [[]];
  let budget = READ_BUDGET;
  for (const [projectId, hashes] of byProject) {
    for (const part of chunks([...hashes], READ_BUDGET)) {
      if (part.length > budget) {
        statements.push([]);
        budget = READ_BUDGET;
      }
      statements[statements.length - 1]?.push({ projectId, hashes: part });
      budget -= part.length;
    }
  }
  const found = new Map<string, ExistingGroup>();
  for (const group of statements) {
    const rows = await db
      .selectFrom('group_hashes as gh')
      .innerJoin('groups as g', 'g.id', 'gh.group_id')
      .select(['gh.project_id', 'gh.hash', 'gh.group_id', 'g.status', 'g.active_at'])
      .where((eb) =>
        eb.or(
          group.map((c) => eb.and([eb('gh.project_id', '=', c.projectId), eb('gh.hash', 'in', c.hashes)])),
        ),
      )
      .execute();
    for (const row of rows) {
      found.set(hashKey(row.project_id, row.hash), {
        groupId: row.group_id,
        status: row.status,
        activeAt: row.active_at,
      });
    }
  }
  return found;
}

/** Resolves the batch in memory against `existing`, in item order. */
function plan(items: readonly ResolveGroupsItem[], existing: Map<string, ExistingGroup>): Plan {
  const assigned = new Map<string, Target>();
  for (const [key, group] of existing) assigned.set(key, { kind: 'existing', groupId: group.groupId });
  const statusOf = new Map<number, ExistingGroup>();
  for (const group of existing.values()) statusOf.set(group.groupId, group);

  const result: Plan = { targets: [], creators: new Set(), newGroups: [], attach: [], regressions: [] };
  const regressionByGroup = new Map<number, RegressionCandidate>();

  items.forEach((item, itemIndex) => {
    const hashes = uniqueHashes(item.hashes);
    let target: Target | undefined;
    for (const hash of hashes) {
      target = assigned.get(hashKey(item.projectId, hash));
      if (target !== undefined) break;
    }
    if (target === undefined) {
      target = { kind: 'new', index: result.newGroups.length };
      result.newGroups.push({ projectId: item.projectId, init: item.init, hashes: [] });
      result.creators.add(itemIndex);
    }
    for (const hash of hashes) {
      const key = hashKey(item.projectId, hash);
      if (assigned.has(key)) continue;
      assigned.set(key, target);
      if (target.kind === 'new') result.newGroups[target.index]?.hashes.push(hash);
      else result.attach.push({ projectId: item.projectId, hash, groupId: target.groupId });
    }
    result.targets.push(target);

    if (target.kind === 'existing' && statusOf.get(target.groupId)?.status === 'resolved') {
      // Of several events for one resolved group, the latest decides (and is reported).
      const previous = regressionByGroup.get(target.groupId);
      if (previous === undefined || item.init.timestamp > previous.init.timestamp) {
        regressionByGroup.set(target.groupId, {
          itemIndex,
          projectId: item.projectId,
          groupId: target.groupId,
          init: item.init,
        });
      }
    }
  });
  result.regressions = [...regressionByGroup.values()].sort((a, b) => a.groupId - b.groupId);
  return result;
}

/** Thrown inside the transaction when a concurrent writer won a hash; never escapes. */
class LostRace extends Error {}

function isRetryableDatabaseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  // Postgres deadlock_detected / serialization_failure: the other transaction went ahead.
  return error.code === '40P01' || error.code === '40001';
}

/** Takes `count` short ids from each project's counter, in project-id order. */
async function allocateShortIds(trx: Transaction<Database>, newGroups: PendingGroup[]): Promise<number[]> {
  const counts = new Map<number, number>();
  for (const group of newGroups) counts.set(group.projectId, (counts.get(group.projectId) ?? 0) + 1);
  const next = new Map<number, number>();
  for (const projectId of [...counts.keys()].sort((a, b) => a - b)) {
    const count = counts.get(projectId) ?? 0;
    const row = await trx
      .updateTable('projects')
      .set((eb) => ({ next_short_id: eb('next_short_id', '+', count) }))
      .where('id', '=', projectId)
      .returning('next_short_id')
      .executeTakeFirst();
    if (row === undefined) throw new MissingProjectError(projectId);
    next.set(projectId, row.next_short_id - count);
  }
  return newGroups.map((group) => {
    const shortId = next.get(group.projectId) ?? 0;
    next.set(group.projectId, shortId + 1);
    return shortId;
  });
}

/** Inserts the new groups; returns their ids in `newGroups` order. */
async function insertGroups(
  trx: Transaction<Database>,
  newGroups: PendingGroup[],
  now: Date,
): Promise<number[]> {
  if (newGroups.length === 0) return [];
  const shortIds = await allocateShortIds(trx, newGroups);
  const rows: Array<Insertable<GroupsTable>> = newGroups.map((group, i) => ({
    project_id: group.projectId,
    short_id: shortIds[i] ?? 0,
    type: group.init.type,
    status: 'unresolved',
    substatus: 'new',
    title: group.init.title,
    culprit: group.init.culprit,
    level: group.init.level,
    metadata: encodeJson(group.init.metadata),
    first_release: group.init.release ?? null,
    date_created: isoDate(now),
    resolved_at: null,
    active_at: isoDate(group.init.timestamp),
    platform: group.init.platform ?? null,
    logger: group.init.logger || null,
  }));
  // RETURNING order is not guaranteed; (project_id, short_id) is unique, so map back by it.
  const idByShortId = new Map<string, number>();
  for (const part of chunks(rows, 1_000)) {
    const inserted = await trx
      .insertInto('groups')
      .values(part)
      .returning(['id', 'project_id', 'short_id'])
      .execute();
    for (const row of inserted) idByShortId.set(`${row.project_id}:${row.short_id}`, row.id);
  }
  return rows.map((row) => {
    const id = idByShortId.get(`${row.project_id}:${row.short_id}`);
    if (id === undefined) throw new Error('resolveGroups: inserted group not returned');
    return id;
  });
}

/** Inserts hash rows; throws `LostRace` when any of them already exists. */
async function insertHashes(
  trx: Transaction<Database>,
  rows: Array<Insertable<GroupHashesTable>>,
): Promise<void> {
  rows.sort((a, b) => a.project_id - b.project_id || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  for (const part of chunks(rows, 5_000)) {
    const inserted = await trx
      .insertInto('group_hashes')
      .values(part)
      .onConflict((oc) => oc.columns(['project_id', 'hash']).doNothing())
      .returning('id')
      .execute();
    if (inserted.length < part.length) throw new LostRace();
  }
}

/** Applies Sentry's regression to each candidate; returns the item indexes that regressed it. */
async function regress(
  trx: Transaction<Database>,
  candidates: RegressionCandidate[],
  activities: NewActivity[],
  now: Date,
): Promise<Set<number>> {
  const regressed = new Set<number>();
  for (const candidate of candidates) {
    const eventTime = candidate.init.timestamp;
    const row = await trx
      .updateTable('groups')
      .set({ status: 'unresolved', substatus: 'regressed', active_at: isoDate(eventTime), resolved_at: null })
      .where('id', '=', candidate.groupId)
      .where('status', '=', 'resolved')
      // Sentry skips events within 5 s of the last activation: they raced the resolution.
      .where('active_at', '<', isoDate(new Date(eventTime.getTime() - REGRESSION_WINDOW_MS)))
      .returning('id')
      .executeTakeFirst();
    if (row === undefined) continue;
    regressed.add(candidate.itemIndex);
    const data: JsonObject = { version: candidate.init.release ?? '' };
    if (candidate.init.eventId !== undefined) data.event_id = candidate.init.eventId;
    activities.push({
      projectId: candidate.projectId,
      groupId: candidate.groupId,
      type: 'set_regression',
      data,
      date: now,
    });
  }
  return regressed;
}

/** Writes `p` in one transaction; returns the results, or `undefined` after losing a race. */
async function apply(store: MetadataStore, p: Plan): Promise<ResolvedGroup[] | undefined> {
  const now = store.now();
  const trx = await store.db.startTransaction().execute();
  try {
    const newIds = await insertGroups(trx, p.newGroups, now);
    const hashRows: Array<Insertable<GroupHashesTable>> = p.attach.map((a) => ({
      project_id: a.projectId,
      hash: a.hash,
      group_id: a.groupId,
    }));
    p.newGroups.forEach((group, i) => {
      for (const hash of group.hashes)
        hashRows.push({ project_id: group.projectId, hash, group_id: newIds[i] ?? 0 });
    });
    await insertHashes(trx, hashRows);

    const activities: NewActivity[] = p.newGroups.map((group, i) => ({
      projectId: group.projectId,
      groupId: newIds[i] ?? 0,
      type: 'first_seen',
      data: {},
      date: now,
    }));
    const regressed = await regress(trx, p.regressions, activities, now);
    for (const part of chunks(activities.map(activityRow), 2_000)) {
      await trx.insertInto('activities').values(part).execute();
    }
    await trx.commit().execute();
    return p.targets.map((target, itemIndex) => ({
      groupId: target.kind === 'existing' ? target.groupId : (newIds[target.index] ?? 0),
      created: p.creators.has(itemIndex),
      regressed: regressed.has(itemIndex),
    }));
  } catch (error) {
    // The original error says more than a failed rollback would (the connection is
    // released either way).
    await trx
      .rollback()
      .execute()
      .catch(() => undefined);
    if (error instanceof LostRace || isRetryableDatabaseError(error)) return undefined;
    throw error;
  }
}

/**
 * Finds or creates the group of every item (sentry-semantics §3.6): the first hash, in list
 * order, that already has a group decides; otherwise a new group is created (status
 * `unresolved`, substatus `new`, the project's next short id, a `first_seen` activity) and
 * all the item's hashes are attached to it; new hashes of an existing group are attached to
 * that group. A resolved group that receives an event more than 5 s after it was last
 * activated regresses (§3.7): status `unresolved`, substatus `regressed`, `active_at` = the
 * event time, `resolved_at` cleared, and a `set_regression` activity
 * `{event_id?, version: release ?? ''}`.
 *
 * Returns one result per item, in item order. Throws for an item without hashes, for an unknown
 * project (MissingProjectError: deleted while its events were queued), on database errors, and
 * if the batch keeps losing races to other writers (after `MAX_ATTEMPTS` re-reads — practically
 * unreachable).
 */
export async function resolveGroups(
  store: MetadataStore,
  items: readonly ResolveGroupsItem[],
): Promise<ResolvedGroup[]> {
  if (items.length === 0) return [];
  for (const item of items) {
    if (item.hashes.length === 0) throw new Error('resolveGroups: every item needs at least one hash');
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const p = plan(items, await readExisting(store.db, items));
    if (p.newGroups.length === 0 && p.attach.length === 0 && p.regressions.length === 0) {
      return p.targets.map((target) => ({
        groupId: target.kind === 'existing' ? target.groupId : 0,
        created: false,
        regressed: false,
      }));
    }
    const results = await apply(store, p);
    if (results !== undefined) return results;
  }
  throw new Error(`resolveGroups: still conflicting with concurrent writers after ${MAX_ATTEMPTS} attempts`);
}
