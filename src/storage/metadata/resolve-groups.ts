/**
 * Hash → group resolution for a batch of events (reference/sentry-semantics.md §3.6–§3.7;
 * Sentry `src/sentry/grouping/ingest/hashing.py`, `src/sentry/event_manager.py`
 * `_save_aggregate`, `_handle_regression`).
 *
 * One call per batch costs one read (two more — forecasts and the event store's hourly counts —
 * when the batch has events of issues archived until escalating) plus, only when something must
 * be written, one transaction of a few statements (short-id counters, groups, hashes,
 * regressions, snoozes, escalations, inbox entries, activities). Items are resolved as if processed one after another in batch
 * order, so a hash first seen by one item is already attached when a later item of the batch
 * carries it.
 *
 * The issue workflow at ingestion (Sentry `post_process` `process_snoozes`, `process_inbox_adds`,
 * `_handle_regression`): a new issue goes into the inbox (reason `new`); a resolved issue
 * regresses unless its release resolution covers the event's release
 * (`group-resolutions.ts` `hasResolution`: "resolved in the next release" is not undone by
 * events of the release it was current in or older ones), and then goes into the inbox (reason
 * `regression`) and loses its resolution; an ignored issue with a snooze counts the batch's events
 * against it, and when its condition is met (`group-snoozes.ts`) becomes unresolved again with
 * substatus `ongoing` (a snooze with a date) or `escalating` (one on counts), a
 * `set_unresolved` / `set_escalating` activity and an inbox entry; an issue archived until
 * escalating, first seen at least a day ago, whose events of the current hour exceed its
 * forecast escalates (`group-escalation.ts`; the only event-store reads — the hour's counts and
 * first-seen times, one of each per batch and only for such issues).
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
import { isSemverRelease } from '../../protocol/release-version.js';
import { insertActivities, type NewActivity } from './activities.js';
import { chunks, encodeJson, isoDate } from './columns.js';
import { addToInbox, type InboxAdd } from './group-inbox.js';
import {
  getReleaseRefs,
  getResolutions,
  hasResolution,
  nameResolvedInReleaseActivity,
  projectFollowsSemver,
  type ReleaseRef,
  type Resolution,
} from './group-resolutions.js';
import {
  escalate,
  findEscalations,
  type ArchivedGroupRef,
  type Escalation,
  type EscalationCheck,
  type FirstSeenReader,
  type HourlyEventCounter,
} from './group-escalation.js';
import { countSnoozedEvents, endSnooze, snoozeEnd, snoozeExpired, toSnooze } from './group-snoozes.js';
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

/** What else {@link resolveGroups} may consult. */
export interface ResolveGroupsOptions {
  /**
   * The event store's counts of the current hour, for the escalation check of issues archived
   * until escalating (`group-escalation.ts`); without it they are not checked.
   */
  hourlyEventCounts?: HourlyEventCounter;
  /**
   * The event store's first-seen times of those issues (issues younger than a day are not
   * checked); without it an issue counts as first seen when it was created.
   */
  firstSeen?: FirstSeenReader;
  /**
   * Makes the forecasts of checked issues that had none (or an expired one) again, once the
   * batch is resolved (Sentry's `generate_and_save_missing_forecasts`). Awaited; it is expected to
   * deal with its own failures.
   */
  forecastMissing?: (groups: readonly ArchivedGroupRef[]) => Promise<void>;
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
  projectId: number;
  status: string;
  substatus: string | null;
  activeAt: string;
  dateCreated: string;
  /** Whether the group has a snooze (only ignored groups' snoozes matter). */
  snoozed: boolean;
}

type Target = { kind: 'existing'; groupId: number } | { kind: 'new'; index: number };

interface PendingGroup {
  projectId: number;
  init: GroupInit;
  hashes: string[];
}

/** The items of the batch that reached one existing group. */
interface GroupItems {
  groupId: number;
  projectId: number;
  /** The group's `date_created`. */
  dateCreated: string;
  itemIndexes: number[];
}

interface Plan {
  targets: Target[];
  creators: Set<number>;
  newGroups: PendingGroup[];
  attach: Array<{ projectId: number; hash: string; groupId: number }>;
  /** Resolved groups that got events: regression candidates, in group-id order. */
  resolved: GroupItems[];
  /** Ignored groups with a snooze that got events, in group-id order. */
  snoozed: GroupItems[];
  /** Groups archived until escalating that got events, in group-id order. */
  archived: GroupItems[];
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
      .leftJoin('group_snoozes as s', 's.group_id', 'gh.group_id')
      .select([
        'gh.project_id',
        'gh.hash',
        'gh.group_id',
        'g.status',
        'g.substatus',
        'g.active_at',
        'g.date_created',
        's.id as snooze_id',
      ])
      .where((eb) =>
        eb.or(
          group.map((c) => eb.and([eb('gh.project_id', '=', c.projectId), eb('gh.hash', 'in', c.hashes)])),
        ),
      )
      .execute();
    for (const row of rows) {
      found.set(hashKey(row.project_id, row.hash), {
        groupId: row.group_id,
        projectId: row.project_id,
        status: row.status,
        substatus: row.substatus,
        activeAt: row.active_at,
        dateCreated: row.date_created,
        snoozed: row.snooze_id !== null,
      });
    }
  }
  return found;
}

/** Resolves the batch in memory against `existing`, in item order. */
function plan(items: readonly ResolveGroupsItem[], existing: Map<string, ExistingGroup>): Plan {
  const assigned = new Map<string, Target>();
  for (const [key, group] of existing) assigned.set(key, { kind: 'existing', groupId: group.groupId });
  const stateOf = new Map<number, ExistingGroup>();
  for (const group of existing.values()) stateOf.set(group.groupId, group);

  const result: Plan = {
    targets: [],
    creators: new Set(),
    newGroups: [],
    attach: [],
    resolved: [],
    snoozed: [],
    archived: [],
  };
  const resolved = new Map<number, GroupItems>();
  const snoozed = new Map<number, GroupItems>();
  const archived = new Map<number, GroupItems>();

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

    if (target.kind === 'existing') {
      const state = stateOf.get(target.groupId);
      const into =
        state?.status === 'resolved'
          ? resolved
          : state?.status === 'ignored' && state.substatus === 'archived_until_escalating'
            ? archived
            : state?.status === 'ignored' && state.snoozed
              ? snoozed
              : undefined;
      if (state !== undefined && into !== undefined) {
        let entry = into.get(target.groupId);
        if (entry === undefined) {
          entry = {
            groupId: target.groupId,
            projectId: item.projectId,
            dateCreated: state.dateCreated,
            itemIndexes: [],
          };
          into.set(target.groupId, entry);
        }
        entry.itemIndexes.push(itemIndex);
      }
    }
  });
  const byId = (a: GroupItems, b: GroupItems) => a.groupId - b.groupId;
  result.resolved = [...resolved.values()].sort(byId);
  result.snoozed = [...snoozed.values()].sort(byId);
  result.archived = [...archived.values()].sort(byId);
  return result;
}

/** The batch's events of each archived group, as the escalation check reads them. */
function archivedEvents(items: readonly ResolveGroupsItem[], groups: readonly GroupItems[]) {
  return groups.map((group) => {
    const latest = latestItem(items, group.itemIndexes);
    return {
      groupId: group.groupId,
      projectId: group.projectId,
      timestamps: group.itemIndexes.flatMap((i) => items[i]?.init.timestamp ?? []),
      latestEventId: latest === undefined ? undefined : items[latest]?.init.eventId,
      dateCreated: new Date(group.dateCreated),
    };
  });
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

/** What the writers of one transaction collect. */
interface Effects {
  activities: NewActivity[];
  inbox: InboxAdd[];
  now: Date;
}

/** The item of `indexes` with the latest event (the last one of those on ties). */
function latestItem(items: readonly ResolveGroupsItem[], indexes: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const index of indexes) {
    const timestamp = items[index]?.init.timestamp;
    if (timestamp === undefined) continue;
    if (best === undefined || timestamp >= (items[best]?.init.timestamp ?? timestamp)) best = index;
  }
  return best;
}

/** The releases and project orderings the resolutions of `groups` are checked against. */
async function resolutionContext(
  trx: Transaction<Database>,
  items: readonly ResolveGroupsItem[],
  groups: readonly GroupItems[],
  resolutions: ReadonlyMap<number, Resolution>,
): Promise<{
  refs: Map<number, Map<string, ReleaseRef>>;
  semver: Map<number, boolean>;
  orgOf: Map<number, number>;
}> {
  const projectIds = [...new Set(groups.filter((g) => resolutions.has(g.groupId)).map((g) => g.projectId))];
  const orgOf = new Map<number, number>();
  const semver = new Map<number, boolean>();
  const refs = new Map<number, Map<string, ReleaseRef>>();
  if (projectIds.length === 0) return { refs, semver, orgOf };
  const rows = await trx
    .selectFrom('projects')
    .select(['id', 'organization_id'])
    .where('id', 'in', projectIds)
    .execute();
  for (const row of rows) orgOf.set(row.id, row.organization_id);
  const versionsByOrg = new Map<number, Set<string>>();
  for (const group of groups) {
    const resolution = resolutions.get(group.groupId);
    const org = orgOf.get(group.projectId);
    if (resolution === undefined || org === undefined) continue;
    const versions = versionsByOrg.get(org) ?? new Set<string>();
    versionsByOrg.set(org, versions);
    if (resolution.currentReleaseVersion !== null) versions.add(resolution.currentReleaseVersion);
    for (const index of group.itemIndexes) {
      const release = items[index]?.init.release;
      if (release) versions.add(release);
    }
  }
  for (const [org, versions] of versionsByOrg) refs.set(org, await getReleaseRefs(trx, org, [...versions]));
  for (const projectId of projectIds) semver.set(projectId, await projectFollowsSemver(trx, projectId));
  return { refs, semver, orgOf };
}

/**
 * Applies Sentry's regression to the resolved groups that got events: the latest event whose
 * release the group's resolution does not cover regresses it. Returns the item indexes that did.
 */
async function regress(
  trx: Transaction<Database>,
  items: readonly ResolveGroupsItem[],
  groups: readonly GroupItems[],
  effects: Effects,
): Promise<Set<number>> {
  const regressed = new Set<number>();
  if (groups.length === 0) return regressed;
  const resolutions = await getResolutions(
    trx,
    groups.map((g) => g.groupId),
  );
  const context = await resolutionContext(trx, items, groups, resolutions);
  for (const group of groups) {
    const resolution = resolutions.get(group.groupId);
    const org = context.orgOf.get(group.projectId);
    const refs = org === undefined ? undefined : context.refs.get(org);
    const releaseOf = (version: string | undefined): ReleaseRef | null =>
      version ? (refs?.get(version) ?? { id: null, version, order: effects.now.getTime() }) : null;
    const candidates =
      resolution === undefined
        ? group.itemIndexes
        : group.itemIndexes.filter((index) => {
            const release = items[index]?.init.release;
            return !hasResolution({
              resolution,
              event: releaseOf(release),
              currentRelease:
                resolution.currentReleaseVersion === null
                  ? undefined
                  : refs?.get(resolution.currentReleaseVersion),
              followsSemver: (context.semver.get(group.projectId) ?? false) && isSemverRelease(release ?? ''),
            });
          });
    const itemIndex = latestItem(items, candidates);
    const init = itemIndex === undefined ? undefined : items[itemIndex]?.init;
    if (itemIndex === undefined || init === undefined) continue;
    const row = await trx
      .updateTable('groups')
      .set({
        status: 'unresolved',
        substatus: 'regressed',
        active_at: isoDate(init.timestamp),
        resolved_at: null,
      })
      .where('id', '=', group.groupId)
      .where('status', '=', 'resolved')
      // Sentry skips events within 5 s of the last activation: they raced the resolution.
      .where('active_at', '<', isoDate(new Date(init.timestamp.getTime() - REGRESSION_WINDOW_MS)))
      .returning('id')
      .executeTakeFirst();
    if (row === undefined) continue;
    regressed.add(itemIndex);
    const data: JsonObject = { version: init.release ?? '' };
    if (init.eventId !== undefined) data.event_id = init.eventId;
    if (resolution !== undefined) {
      await trx.deleteFrom('group_resolutions').where('group_id', '=', group.groupId).execute();
      data.follows_semver = context.semver.get(group.projectId) ?? false;
      data.resolved_in_version = resolution.release.version;
      if (init.release) await nameResolvedInReleaseActivity(trx, group.groupId, init.release, true);
    }
    effects.activities.push({
      projectId: group.projectId,
      groupId: group.groupId,
      type: 'set_regression',
      data,
      date: effects.now,
    });
    effects.inbox.push({ projectId: group.projectId, groupId: group.groupId, reason: 'regression' });
  }
  return regressed;
}

/**
 * Counts the batch's events against the snoozes of ignored groups; a group whose snooze
 * condition is met becomes unresolved (`ongoing` or `escalating`) without its snooze.
 */
async function processSnoozes(
  trx: Transaction<Database>,
  dialect: MetadataStore['dialect'],
  items: readonly ResolveGroupsItem[],
  groups: readonly GroupItems[],
  effects: Effects,
): Promise<void> {
  if (groups.length === 0) return;
  let query = trx
    .selectFrom('group_snoozes')
    .selectAll()
    .where(
      'group_id',
      'in',
      groups.map((g) => g.groupId),
    )
    .orderBy('group_id');
  // Two processes counting events of one group must not lose each other's counts.
  if (dialect === 'postgres') query = query.forUpdate();
  const snoozes = new Map((await query.execute()).map((row) => [row.group_id, toSnooze(row)]));
  const now = effects.now;
  for (const group of groups) {
    const snooze = snoozes.get(group.groupId);
    if (snooze === undefined) continue;
    const counted = { ...snooze, state: countSnoozedEvents(snooze, group.itemIndexes.length, now) };
    if (!snoozeExpired(counted, now)) {
      await trx
        .updateTable('group_snoozes')
        .set({ state: encodeJson(counted.state as unknown as JsonObject) })
        .where('group_id', '=', group.groupId)
        .execute();
      continue;
    }
    const latest = latestItem(items, group.itemIndexes);
    const eventId = latest === undefined ? undefined : items[latest]?.init.eventId;
    const ending = await endSnooze(
      trx,
      { groupId: group.groupId, projectId: group.projectId },
      snooze,
      snoozeEnd(snooze),
      eventId,
      now,
    );
    if (ending === undefined) continue;
    effects.activities.push(ending.activity);
    effects.inbox.push(ending.inbox);
  }
}

/** Writes `p` in one transaction; returns the results, or `undefined` after losing a race. */
async function apply(
  store: MetadataStore,
  items: readonly ResolveGroupsItem[],
  p: Plan,
  escalations: readonly Escalation[],
): Promise<ResolvedGroup[] | undefined> {
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

    const effects: Effects = {
      activities: p.newGroups.map((group, i) => ({
        projectId: group.projectId,
        groupId: newIds[i] ?? 0,
        type: 'first_seen',
        data: {},
        date: now,
      })),
      inbox: p.newGroups.map((group, i) => ({
        projectId: group.projectId,
        groupId: newIds[i] ?? 0,
        reason: 'new',
      })),
      now,
    };
    const regressed = await regress(trx, items, p.resolved, effects);
    await processSnoozes(trx, store.dialect, items, p.snoozed, effects);
    const escalated = await escalate(trx, escalations, now);
    effects.activities.push(...escalated.activities);
    effects.inbox.push(...escalated.inbox);
    await insertActivities(trx, effects.activities);
    await addToInbox(trx, effects.inbox, now);
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
 * activated regresses (§3.7) unless its release resolution covers the event's release: status
 * `unresolved`, substatus `regressed`, `active_at` = the event time, `resolved_at` cleared, the
 * resolution deleted, an inbox entry and a `set_regression` activity
 * `{event_id?, version: release ?? '', follows_semver?, resolved_in_version?}` (the last two when
 * it had a resolution). New groups go into the inbox; snoozes of ignored groups count the events
 * and may end, and issues archived until escalating may escalate (with
 * `options.hourlyEventCounts`; see the module comment), after which `options.forecastMissing` is
 * given those of them checked without a forecast.
 *
 * Returns one result per item, in item order. Throws for an item without hashes, for an unknown
 * project (MissingProjectError: deleted while its events were queued), on database errors, and
 * if the batch keeps losing races to other writers (after `MAX_ATTEMPTS` re-reads — practically
 * unreachable).
 */
export async function resolveGroups(
  store: MetadataStore,
  items: readonly ResolveGroupsItem[],
  options: ResolveGroupsOptions = {},
): Promise<ResolvedGroup[]> {
  if (items.length === 0) return [];
  for (const item of items) {
    if (item.hashes.length === 0) throw new Error('resolveGroups: every item needs at least one hash');
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const p = plan(items, await readExisting(store.db, items));
    const check: EscalationCheck =
      options.hourlyEventCounts === undefined
        ? { escalations: [], unforecast: [] }
        : await findEscalations(
            store.db,
            archivedEvents(items, p.archived),
            {
              counter: options.hourlyEventCounts,
              ...(options.firstSeen === undefined ? {} : { firstSeen: options.firstSeen }),
            },
            store.now(),
          );
    const quiet = p.resolved.length === 0 && p.snoozed.length === 0 && check.escalations.length === 0;
    const results =
      p.newGroups.length === 0 && p.attach.length === 0 && quiet
        ? p.targets.map((target) => ({
            groupId: target.kind === 'existing' ? target.groupId : 0,
            created: false,
            regressed: false,
          }))
        : await apply(store, items, p, check.escalations);
    if (results === undefined) continue;
    if (check.unforecast.length > 0) await options.forecastMissing?.(check.unforecast);
    return results;
  }
  throw new Error(`resolveGroups: still conflicting with concurrent writers after ${MAX_ATTEMPTS} attempts`);
}
