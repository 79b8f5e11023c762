/**
 * `user` interface normalization.
 *
 * Follows `relay-event-schema/src/protocol/user.rs` (lenient `id`/`username`, unknown keys
 * collected into `data` by store normalization) and Relay's computed `sentry_user`
 * (`id:` / `username:` / `email:` / `ip:` prefix, first present field wins).
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { EventMeta } from './meta.js';

const USER_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'email',
  'ip_address',
  'username',
  'name',
  'geo',
  'segment',
  'sentry_user',
  'data',
]);

/**
 * Normalizes `event.user` in place: non-objects are removed with an error; numeric `id` and
 * `username` become strings; other non-string identity fields are removed with an error;
 * unknown keys move into `user.data` (existing `data` keys win); `sentry_user` is recomputed.
 * Runs after IP inference so `ip_address` is final.
 */
export function normalizeUser(event: JsonObject, meta: EventMeta): void {
  const user = event.user;
  if (user === undefined) return;
  if (!isJsonObject(user)) {
    delete event.user;
    if (user !== null) meta.addInvalid(['user'], 'expected a user', user);
    return;
  }

  for (const key of ['id', 'username', 'email', 'name', 'segment'] as const) {
    const value = user[key];
    if (value === undefined || typeof value === 'string') continue;
    if (value === null) delete user[key];
    else if ((key === 'id' || key === 'username') && typeof value === 'number' && Number.isFinite(value)) {
      user[key] = String(value);
    } else {
      delete user[key];
      meta.addInvalid(
        ['user', key],
        key === 'id' || key === 'username' ? 'expected a primitive value' : 'expected a string',
        value,
      );
    }
  }

  let data = user.data;
  if (data !== undefined && !isJsonObject(data)) {
    if (data !== null) meta.addInvalid(['user', 'data'], 'expected an object', data);
    delete user.data;
    data = undefined;
  }
  for (const key of Object.keys(user)) {
    if (USER_FIELDS.has(key)) continue;
    const value = user[key];
    delete user[key];
    if (value === undefined) continue;
    const bag: JsonObject = isJsonObject(data) ? data : (user.data = {});
    data = bag;
    if (!(key in bag)) bag[key] = value;
  }

  delete user.sentry_user;
  const identity = firstIdentity(user);
  if (identity !== undefined) user.sentry_user = identity;

  if (Object.keys(user).length === 0) delete event.user;
}

function firstIdentity(user: JsonObject): string | undefined {
  const pairs: [string, string][] = [
    ['id', 'id'],
    ['username', 'username'],
    ['email', 'email'],
    ['ip_address', 'ip'],
  ];
  for (const [field, prefix] of pairs) {
    const value = user[field];
    if (typeof value === 'string' && value !== '') return `${prefix}:${value}`;
  }
  return undefined;
}
