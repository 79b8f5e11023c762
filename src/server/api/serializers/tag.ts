/**
 * Tag keys and values in Sentry's web-API shapes (`src/sentry/tagstore/types.py`
 * `TagKeySerializer` / `TagValueSerializer`, `src/sentry/api/serializers/models/tagvalue.py`
 * `UserTagValueSerializer`), with the tagstore's key names and labels
 * (`src/sentry/tagstore/base.py`: `prefix_reserved_key`, `get_standardized_key`,
 * `get_tag_key_label`, `get_tag_value_label`; `TAG_LABELS` of `src/sentry/constants.py`).
 * Vigil stores Sentry's reserved keys without their `sentry:` prefix (`release`, `user`...).
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../../protocol/json.js';
import { isoDate } from './values.js';

/** Keys Sentry stores as `sentry:<key>` (`INTERNAL_TAG_KEYS`). */
const INTERNAL_TAG_KEYS = new Set(['release', 'dist', 'user', 'filename', 'function']);

/** Sentry's `TAG_LABELS`, by stored (prefixed) key. */
const TAG_LABELS: Readonly<Record<string, string>> = {
  exc_type: 'Exception Type',
  'sentry:user': 'User',
  'sentry:release': 'Release',
  'sentry:dist': 'Distribution',
  os: 'OS',
  url: 'URL',
  server_name: 'Server',
};

/** The sub-keys of a `user` tag value (`id:`, `email:`...) that name a user search key. */
const USER_TAG_PREFIXES = ['id', 'email', 'username', 'ip'] as const;

/** A key as the API names it: `sentry:` dropped (`get_standardized_key`). */
export function standardizedKey(key: string): string {
  return key.startsWith('sentry:') ? key.slice('sentry:'.length) : key;
}

/** Python's `str.title()`: each run of letters capitalized, the rest of it lower-cased. */
function pythonTitle(text: string): string {
  return text.replace(/\p{L}+/gu, (word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase());
}

/** The label of a key (`get_tag_key_label` of its prefixed form): `User`, `Browser.Name`... */
export function tagKeyLabel(key: string): string {
  const prefixed = INTERNAL_TAG_KEYS.has(key) ? `sentry:${key}` : key;
  return TAG_LABELS[prefixed] ?? pythonTitle(key.replace(/_/g, ' '));
}

/** The label of a value: a user value without its `id:` / `email:` / ... prefix. */
export function tagValueLabel(key: string, value: string): string {
  if (key !== 'user') return value;
  for (const prefix of USER_TAG_PREFIXES)
    if (value.startsWith(`${prefix}:`)) return value.slice(prefix.length + 1);
  return value;
}

/** `user.<sub>:"<value>"` for a user tag value (`convert_user_tag_to_query`), else undefined. */
export function userTagQuery(key: string, value: string): string | undefined {
  if (key !== 'user') return undefined;
  const colon = value.indexOf(':');
  if (colon < 0) return undefined;
  const sub = value.slice(0, colon);
  if (!(USER_TAG_PREFIXES as readonly string[]).includes(sub)) return undefined;
  return `user.${sub}:"${value.slice(colon + 1).replace(/"/g, '\\"')}"`;
}

/** A value with its events. */
export interface TagValueRecord {
  value: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
}

/** `{key, name, value, count, lastSeen, firstSeen[, query]}` (`TagValueSerializer`). */
export function serializeTagValue(key: string, value: TagValueRecord): JsonObject {
  const std = standardizedKey(key);
  const json: JsonObject = {
    key: std,
    name: tagValueLabel(std, value.value),
    value: value.value,
    count: value.count,
    lastSeen: isoDate(value.lastSeen),
    firstSeen: isoDate(value.firstSeen),
  };
  const query = userTagQuery(std, value.value);
  if (query !== undefined) json.query = query;
  return json;
}

/** A key with what is known of it; absent fields are omitted, as Sentry omits `None`s. */
export interface TagKeyRecord {
  key: string;
  /** Distinct values (`uniqueValues`). */
  uniqueValues?: number;
  /** Events with the key (`totalValues`). */
  count?: number;
  topValues?: TagValueRecord[];
}

/** `{key, name[, uniqueValues][, totalValues][, topValues]}` (`TagKeySerializer`). */
export function serializeTagKey(record: TagKeyRecord): JsonObject {
  const key = standardizedKey(record.key);
  const json: JsonObject = { key, name: tagKeyLabel(key) };
  if (record.uniqueValues !== undefined) json.uniqueValues = record.uniqueValues;
  if (record.count !== undefined) json.totalValues = record.count;
  if (record.topValues !== undefined) json.topValues = record.topValues.map((v) => serializeTagValue(key, v));
  return json;
}

/** The user of a `user` tag value (from its newest event); empty strings when unknown. */
export interface TagValueUserRecord {
  id: string;
  email: string;
  username: string;
  ipAddress: string;
}

/** Sentry's avatar URL of an email (`get_gravatar_url(email, size=32)`). */
export function gravatarUrl(email: string | null, size: number): string {
  const hash = createHash('md5')
    .update((email ?? '').toLowerCase())
    .digest('hex');
  return `https://gravatar.com/avatar/${hash}?s=${size}&d=mm`;
}

/**
 * A value of the `user` tag as `UserTagValueSerializer` shows it: the user (`EventUser.serialize`:
 * id, username, email, name = email or username, ipAddress, avatarUrl; `{id: null}` when no
 * event carried user fields) merged with the value's `value`, `count`, `lastSeen`, `firstSeen`
 * and `query`.
 */
export function serializeUserTagValue(
  value: TagValueRecord,
  user: TagValueUserRecord | undefined,
): JsonObject {
  const known = user !== undefined && (user.id || user.email || user.username || user.ipAddress);
  const nullable = (s: string | undefined): string | null => (s ? s : null);
  const json: JsonObject = known
    ? {
        id: nullable(user.id),
        username: nullable(user.username),
        email: nullable(user.email),
        name: nullable(user.email) ?? nullable(user.username),
        ipAddress: nullable(user.ipAddress),
        avatarUrl: gravatarUrl(nullable(user.email), 32),
      }
    : { id: null };
  Object.assign(json, {
    value: value.value,
    count: value.count,
    lastSeen: isoDate(value.lastSeen),
    firstSeen: isoDate(value.firstSeen),
  });
  const query = userTagQuery('user', value.value);
  if (query !== undefined) json.query = query;
  return json;
}
