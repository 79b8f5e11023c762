/**
 * Actor JSON in Sentry's web-API shape (`ActorSerializer` in
 * `src/sentry/api/serializers/models/actor.py`): the `assignedTo` of an issue and of an update's
 * answer. A user is `{type: "user", id, name (display name), email}`, a team
 * `{type: "team", id, name (its slug)}`.
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { Team, User } from '../../../storage/metadata/index.js';

/** A resolved actor: a user or a team. */
export type ActorRecord = { type: 'user'; user: User } | { type: 'team'; team: Team };

/** Sentry's `User.get_display_name`: the name, else the email, else the username. */
export function displayName(user: User): string {
  return user.name || user.email || user.username;
}

/** `{type, id, name}` plus `email` for a user. */
export function serializeActor(actor: ActorRecord): JsonObject {
  if (actor.type === 'user') {
    return {
      email: actor.user.email,
      type: 'user',
      id: String(actor.user.id),
      name: displayName(actor.user),
    };
  }
  return { type: 'team', id: String(actor.team.id), name: actor.team.slug };
}
