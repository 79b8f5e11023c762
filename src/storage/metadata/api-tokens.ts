/**
 * API tokens repository (Sentry `src/sentry/models/apitoken.py`): tokens look like Sentry's
 * user auth tokens — `sntryu_` + 64 lowercase hex — and only their sha256 hex is stored,
 * plus the last four characters for display. sentry-cli and API scripts send them as
 * `Authorization: Bearer <token>` (reference/sentry-semantics.md §8.1).
 *
 * Two kinds: a user token (`createUserApiToken`) acts for its user in the organizations the user
 * belongs to (optionally restricted to one), within the user's role there; an organization token
 * (`createApiToken`, no user) acts for one organization with exactly its scopes, like Sentry's
 * organization-bound keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeStringArray, encodeJson, isoDate } from './columns.js';
import type { ApiTokensTable } from './schema.js';
import type { MetadataStore } from './store.js';

/**
 * Every scope a token can carry: Sentry's `SENTRY_SCOPES` (`src/sentry/conf/server.py`)
 * without the OpenID Connect ones.
 */
export const ALL_API_SCOPES: readonly string[] = [
  'org:read',
  'org:write',
  'org:admin',
  'org:integrations',
  'org:ci',
  'member:invite',
  'member:read',
  'member:write',
  'member:admin',
  'team:read',
  'team:write',
  'team:admin',
  'project:read',
  'project:write',
  'project:admin',
  'project:releases',
  'project:distribution',
  'event:read',
  'event:write',
  'event:admin',
  'alerts:read',
  'alerts:write',
];

/** Prefix of user auth tokens, as in Sentry (`AuthTokenType.USER`). */
export const API_TOKEN_PREFIX = 'sntryu_';

/** How often `verifyApiToken` refreshes `date_last_used`, in milliseconds (one minute). */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** An API token as the application sees it: no hash, scopes decoded. */
export interface ApiToken {
  id: number;
  /** An organization token's organization, or the one a user token is restricted to; null = any of the user's. */
  organization_id: number | null;
  /** The user a user token acts for; null for an organization token. */
  user_id: number | null;
  name: string;
  /** Last four characters of the plaintext token, for display. */
  token_last_characters: string;
  scopes: string[];
  /** ISO-8601 UTC. */
  date_created: string;
  /** ISO-8601 UTC, at most a minute stale; null when never used. */
  date_last_used: string | null;
}

/** A newly created token: the plaintext (shown once, never stored) and its row. */
export interface CreatedApiToken {
  token: string;
  row: ApiToken;
}

interface ApiTokenRow extends Omit<ApiTokensTable, 'id'> {
  id: number;
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    organization_id: row.organization_id,
    user_id: row.user_id,
    name: row.name,
    token_last_characters: row.token_last_characters,
    scopes: decodeStringArray(row.scopes),
    date_created: row.date_created,
    date_last_used: row.date_last_used,
  };
}

/** sha256 hex of a plaintext token, as stored in `api_tokens.token_hash`. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates an organization token (no user) for organization `organizationId` with `scopes`
 * (stored as given, de-duplicated). Returns the plaintext `sntryu_<64 hex>` (256 random bits) —
 * the only time it is available — and the row. Throws (foreign key violation) for an unknown
 * organization.
 */
export async function createApiToken(
  store: MetadataStore,
  organizationId: number,
  name: string,
  scopes: readonly string[],
): Promise<CreatedApiToken> {
  return insertToken(store, { organization_id: organizationId, user_id: null }, name, scopes);
}

/**
 * Creates a user token for user `userId` with `scopes`, acting in every organization of the
 * user or, with `organizationId`, only in that one. Returns the plaintext (shown once) and the
 * row. Throws (foreign key violation) for an unknown user or organization.
 */
export async function createUserApiToken(
  store: MetadataStore,
  userId: number,
  name: string,
  scopes: readonly string[],
  organizationId: number | null = null,
): Promise<CreatedApiToken> {
  return insertToken(store, { organization_id: organizationId, user_id: userId }, name, scopes);
}

async function insertToken(
  store: MetadataStore,
  owner: { organization_id: number | null; user_id: number | null },
  name: string,
  scopes: readonly string[],
): Promise<CreatedApiToken> {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('hex');
  const row = await store.db
    .insertInto('api_tokens')
    .values({
      ...owner,
      name,
      token_hash: hashApiToken(token),
      token_last_characters: token.slice(-4),
      scopes: encodeJson([...new Set(scopes)]),
      date_created: isoDate(store.now()),
      date_last_used: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, row: toApiToken(row) };
}

/** The organization tokens of an organization (no user; without secrets), oldest first. */
export async function listApiTokens(store: MetadataStore, organizationId: number): Promise<ApiToken[]> {
  const rows = await store.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('user_id', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(toApiToken);
}

/** The tokens of user `userId` (without secrets), oldest first. */
export async function listUserApiTokens(store: MetadataStore, userId: number): Promise<ApiToken[]> {
  const rows = await store.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  return rows.map(toApiToken);
}

/** Token `id`, or `undefined`. */
export async function getApiToken(store: MetadataStore, id: number): Promise<ApiToken | undefined> {
  const row = await store.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toApiToken(row);
}

/**
 * The token whose sha256 matches `token`, or `undefined`. Refreshes `date_last_used` when
 * it is null or older than `LAST_USED_RESOLUTION_MS`, so busy clients cost one write per
 * minute rather than one per request.
 */
export async function verifyApiToken(store: MetadataStore, token: string): Promise<ApiToken | undefined> {
  if (token === '') return undefined;
  const row = await store.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashApiToken(token))
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const now = store.now();
  const threshold = isoDate(new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
  if (row.date_last_used === null || row.date_last_used <= threshold) {
    const used = isoDate(now);
    await store.db
      .updateTable('api_tokens')
      .set({ date_last_used: used })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('date_last_used', 'is', null), eb('date_last_used', '<=', threshold)]))
      .execute();
    return toApiToken({ ...row, date_last_used: used });
  }
  return toApiToken(row);
}

/** Deletes token `id`; returns whether it existed. */
export async function deleteApiToken(store: MetadataStore, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
