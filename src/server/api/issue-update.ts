/**
 * Issue updates as Sentry's `update_groups` applies them
 * (`src/sentry/api/helpers/group_index/update.py`): the status (resolve — now, in a release, in the
 * next release —, unresolve, ignore forever / until escalating / until a condition), assignment,
 * bookmarks, seen marks, subscriptions, the inbox and merges, for one issue or many. The answer is
 * Sentry's: the validated fields with what each action made of them (`statusDetails`,
 * `assignedTo`, `merge: {parent, children}`, `inbox`, ...).
 *
 * Validation against stored data happens before anything changes, as Sentry's validator runs
 * first: the releases of `inRelease` / `inNextRelease` (per project) and the actor of `assignedTo`.
 */
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/json.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  addBookmarks,
  assignGroups,
  getUsers,
  listActivityLog,
  markGroupsReviewed,
  markSeen,
  putGroupsInInbox,
  removeBookmarks,
  setSubscribed,
  unassignGroups,
  unmarkSeen,
  type Assignee,
  type Group,
  type MetadataStore,
  type Organization,
  type Project,
  type User,
} from '../../storage/metadata/index.js';
import { mergeIssues } from '../services/issue-removal.js';
import { resolveActor } from './issue-actor.js';
import { changeOtherStatus, resolve, validateReleases } from './issue-status-update.js';
import type { IssueUpdateBody } from './issue-update-body.js';
import { serializeActivity, serializeActor, type ActorRecord } from './serializers/index.js';

/** Who and where an update acts. */
export interface IssueUpdateContext {
  metadata: MetadataStore;
  clickhouse: Pick<ClickHouseStore, 'client'>;
  logger?: Pick<Logger, 'warn'>;
  organization: Organization;
  /** The projects of the issues, by id. */
  projects: ReadonlyMap<number, Project>;
  /** The acting user; null for an organization token (per-user changes are then skipped). */
  actor: User | null;
  /** Whether the update came through a bulk endpoint (no status-change subscriptions then). */
  bulk: boolean;
}

/** The outcome: Sentry's answer body, or a 400 with Sentry's error body. */
export type IssueUpdateOutcome = { ok: true; body: JsonObject } | { ok: false; body: JsonObject };

const reject = (body: JsonObject): IssueUpdateOutcome => ({ ok: false, body });

/**
 * Applies `update` to `groups` (non-empty, of the context's organization). Returns Sentry's answer
 * body, or a 400 body for a request Sentry would refuse (a release or actor that does not resolve,
 * release resolutions or merges across projects, `discard`).
 */
export async function updateIssues(
  ctx: IssueUpdateContext,
  groups: readonly Group[],
  update: IssueUpdateBody,
): Promise<IssueUpdateOutcome> {
  if (update.discard === true) return reject({ detail: ['You do not have that feature enabled'] });
  const projectIds = [...new Set(groups.map((g) => g.project_id))];
  const validated = await validateReleases(ctx, update, projectIds);
  if (!validated.ok) return reject(validated.body);
  let assignee: { assignee: Assignee; record: ActorRecord } | null | undefined;
  if (update.assignedTo !== undefined) {
    if (update.assignedTo === null) assignee = null;
    else {
      const resolved = await resolveActor(ctx, update.assignedTo);
      if (!resolved.ok) return reject({ assignedTo: [resolved.message] });
      assignee = resolved;
    }
  }
  if (update.merge === true && groups.length > 1 && projectIds.length > 1) {
    return reject({ detail: 'Merging across multiple projects is not supported' });
  }

  const result: JsonObject = { ...update.echo };
  const userId = ctx.actor?.id ?? null;
  const refs = groups.map((g) => ({ id: g.id, project_id: g.project_id }));
  const ids = groups.map((g) => g.id);
  let releaseResolved = false;
  if (update.status === 'resolved' || update.status === 'resolvedInNextRelease') {
    const resolved = await resolve(ctx, update, groups, validated.releases);
    if (!resolved.ok) return reject(resolved.body);
    Object.assign(result, resolved.fields);
    releaseResolved = resolved.releaseResolved;
  } else if (update.status !== undefined) {
    Object.assign(result, await changeOtherStatus(ctx, update, groups));
  }
  const [single] = groups;
  if (releaseResolved && groups.length === 1 && single !== undefined) {
    const log = await listActivityLog(ctx.metadata, single.id);
    const users = await getUsers(
      ctx.metadata,
      log.flatMap((a) => (a.user_id === null ? [] : [a.user_id])),
    );
    result.activity = log.map((a) => serializeActivity(a, users));
  }
  const now = ctx.metadata.now();
  if (assignee !== undefined) {
    if (assignee === null) {
      await unassignGroups(ctx.metadata.db, refs, userId, now);
      result.assignedTo = null;
    } else {
      const email = assignee.record.type === 'user' ? assignee.record.user.email : null;
      await assignGroups(ctx.metadata.db, refs, assignee.assignee, email, userId, now);
      result.assignedTo = serializeActor(assignee.record);
    }
  }
  if (userId !== null) {
    if (update.hasSeen === true) await markSeen(ctx.metadata.db, refs, userId, now);
    if (update.hasSeen === false) await unmarkSeen(ctx.metadata.db, ids, userId);
    if (update.isBookmarked === true) await addBookmarks(ctx.metadata.db, refs, userId, now);
    if (update.isBookmarked === false) await removeBookmarks(ctx.metadata.db, ids, userId);
    if (update.isSubscribed !== undefined) {
      await setSubscribed(ctx.metadata.db, refs, userId, update.isSubscribed, now);
      result.subscriptionDetails = { reason: 'unknown' };
    }
  }
  if (update.merge === true && groups.length > 1) {
    const project = ctx.projects.get(projectIds[0] ?? 0);
    const merged = await mergeIssues(
      { metadata: ctx.metadata, clickhouse: ctx.clickhouse, logger: ctx.logger },
      groups,
      {
        organizationId: ctx.organization.id,
        projectSlug: project?.slug ?? '',
        actorId: userId,
      },
    );
    result.merge = { parent: String(merged.parent), children: merged.children.map(String) };
  }
  if (update.inbox !== undefined && result.inbox !== null) {
    if (update.inbox) await putGroupsInInbox(ctx.metadata, refs);
    else await markGroupsReviewed(ctx.metadata, ids, userId);
    result.inbox = update.inbox;
  }
  return { ok: true, body: result };
}
