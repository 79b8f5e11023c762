/**
 * Activity JSON in Sentry's web-API shape (`ActivitySerializer` in
 * `src/sentry/api/serializers/models/activity.py`): the entries of an issue's `activity` and of
 * `GET /api/0/issues/{id}/activities/` — `{id, user, type, data, dateCreated}` with the acting
 * user serialized as a user account (null for the system).
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { Activity, User } from '../../../storage/metadata/index.js';
import { serializeUserAccount } from './user.js';

/**
 * One activity; `users` holds the acting users by id (an unknown user serializes as null, as a
 * deleted one does in Sentry). `data.mentions` is dropped, as Sentry drops it.
 */
export function serializeActivity(activity: Activity, users: ReadonlyMap<number, User>): JsonObject {
  const user = activity.user_id === null ? undefined : users.get(activity.user_id);
  const data: JsonObject = { ...activity.data };
  delete data.mentions;
  return {
    id: String(activity.id),
    user: user === undefined ? null : serializeUserAccount(user),
    type: activity.type,
    data,
    dateCreated: activity.date_created,
  };
}
