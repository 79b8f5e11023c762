/**
 * Users repository (Sentry `src/sentry/users/models/user.py`): a unique username (the email
 * unless given), an email unique regardless of case, a display name, and flags. Vigil has no
 * login page, so users usually have no password and reach the API with their API tokens.
 */
import { sql } from 'kysely';
import { isoDate } from './columns.js';
import { failure, success } from './result.js';
import type { MetadataResult } from './result.js';
import type { UsersTable } from './schema.js';
import type { MetadataStore } from './store.js';

/** A user as the application sees it (flags decoded). */
export interface User {
  id: number;
  username: string;
  email: string;
  /** Display name; may be empty. */
  name: string;
  /** Whether a password hash is stored (Sentry's `hasPasswordAuth`). */
  has_password: boolean;
  is_superuser: boolean;
  is_active: boolean;
  /** ISO-8601 UTC. */
  date_joined: string;
  /** ISO-8601 UTC, or null. */
  last_login: string | null;
}

/** What {@link createUser} takes; only `email` is required. */
export interface NewUser {
  email: string;
  /** Default: the email. */
  username?: string;
  /** Default: empty. */
  name?: string;
  /** A password hash in the caller's format; default none. */
  passwordHash?: string | null;
  /** Default false. */
  isSuperuser?: boolean;
}

type UserRow = Omit<UsersTable, 'id'> & { id: number };

/** Decodes a `users` row. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    has_password: row.password_hash !== null && row.password_hash !== '',
    is_superuser: row.is_superuser !== 0,
    is_active: row.is_active !== 0,
    date_joined: row.date_joined,
    last_login: row.last_login,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Creates an active user (email trimmed, kept in its case). Returns `conflict` when the email
 * (compared case-insensitively) or the username is already used. Throws `RangeError` for an
 * email that is not `local@domain` without blanks: callers validate input first.
 */
export async function createUser(store: MetadataStore, input: NewUser): Promise<MetadataResult<User>> {
  const email = input.email.trim();
  if (!EMAIL.test(email)) throw new RangeError(`not an email address: ${JSON.stringify(input.email)}`);
  const username = input.username ?? email;
  if ((await getUserByEmail(store, email)) !== undefined) {
    return failure({ kind: 'conflict', detail: `a user with email "${email}" already exists` });
  }
  const row = await store.db
    .insertInto('users')
    .values({
      username,
      email,
      name: input.name ?? '',
      password_hash: input.passwordHash ?? null,
      is_superuser: input.isSuperuser ? 1 : 0,
      is_active: 1,
      date_joined: isoDate(store.now()),
      last_login: null,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row === undefined
    ? failure({ kind: 'conflict', detail: `a user with username or email "${username}" already exists` })
    : success(toUser(row));
}

/** The user with `id`, or `undefined`. */
export async function getUser(store: MetadataStore, id: number): Promise<User | undefined> {
  const row = await store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

/** The users with the given ids, by id (missing ids are left out). */
export async function getUsers(store: MetadataStore, ids: readonly number[]): Promise<Map<number, User>> {
  const out = new Map<number, User>();
  if (ids.length === 0) return out;
  const rows = await store.db
    .selectFrom('users')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
  for (const row of rows) out.set(row.id, toUser(row));
  return out;
}

/** The user whose email equals `email` ignoring case, or `undefined`. */
export async function getUserByEmail(store: MetadataStore, email: string): Promise<User | undefined> {
  const row = await store.db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
  return row && toUser(row);
}

/** The user with `username`, or `undefined`. */
export async function getUserByUsername(store: MetadataStore, username: string): Promise<User | undefined> {
  const row = await store.db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirst();
  return row && toUser(row);
}

/** All users, by id. */
export async function listUsers(store: MetadataStore): Promise<User[]> {
  const rows = await store.db.selectFrom('users').selectAll().orderBy('id').execute();
  return rows.map(toUser);
}
