/**
 * The actor of an issue update's `assignedTo` (Sentry's `ActorField` and
 * `parse_and_validate_actor` in `src/sentry/types/actor.py`), with Sentry's messages.
 */
import {
  getMembership,
  getTeamsById,
  getUser,
  getUserByEmail,
  getUserByUsername,
  type Assignee,
  type User,
} from '../../storage/metadata/index.js';
import type { IssueUpdateContext } from './issue-update.js';
import type { ActorRecord } from './serializers/index.js';

/** Sentry's message for an `assignedTo` it cannot parse (or a user it cannot find by name). */
export const PARSE_ACTOR =
  'Could not parse actor. Format should be `type:id` where type is `team` or `user`.';

/**
 * Sentry's `parse_and_validate_actor`: `user:ID`, `team:ID`, a bare number (a user id), a
 * username or an email; the user must be a member of the organization, the team one of its teams.
 * Returns the assignee with its record, or Sentry's message for the `assignedTo` error.
 */
export async function resolveActor(
  ctx: IssueUpdateContext,
  identifier: string,
): Promise<{ ok: true; assignee: Assignee; record: ActorRecord } | { ok: false; message: string }> {
  const organizationId = ctx.organization.id;
  const typed = /^(user|team):(\d+)$/.exec(identifier);
  if (typed?.[1] === 'team') {
    const team = (await getTeamsById(ctx.metadata.db, [Number(typed[2])])).get(Number(typed[2]));
    if (team === undefined) return { ok: false, message: 'Team does not exist' };
    if (team.organization_id !== organizationId)
      return { ok: false, message: 'Team is not a member of this organization' };
    return { ok: true, assignee: { type: 'team', id: team.id }, record: { type: 'team', team } };
  }
  let user: User | undefined;
  if (typed?.[1] === 'user' || /^\d+$/.test(identifier)) {
    user = await getUser(ctx.metadata, Number(typed?.[2] ?? identifier));
    if (user === undefined) return { ok: false, message: 'User does not exist' };
  } else {
    user =
      (await getUserByUsername(ctx.metadata, identifier)) ?? (await getUserByEmail(ctx.metadata, identifier));
    if (user === undefined) return { ok: false, message: PARSE_ACTOR };
  }
  if ((await getMembership(ctx.metadata, organizationId, user.id)) === undefined) {
    return { ok: false, message: 'User is not a member of this organization' };
  }
  return { ok: true, assignee: { type: 'user', id: user.id }, record: { type: 'user', user } };
}
