/**
 * Organization members repository (Sentry `OrganizationMember`): a user's role in an
 * organization, or an invitation (no user yet, an email) that becomes a membership when a user
 * with that email is created (`acceptInvitations`; Vigil sends no invitation emails). Roles are
 * stored as Sentry's ids (`member`, `admin`, `manager`, `owner`); which exist and what they may
 * do is the web API's business.
 */
import { sql } from 'kysely';
import { isoDate } from './columns.js';
import { failure, success } from './result.js';
import type { MetadataResult } from './result.js';
import type { OrganizationMembersTable } from './schema.js';
import type { Page } from './teams.js';
import type { MetadataStore } from './store.js';

/** A membership or pending invitation. */
export interface OrganizationMember {
  id: number;
  organization_id: number;
  /** Null while the invitation is pending. */
  user_id: number | null;
  /** The invited address; null for members added as users. */
  email: string | null;
  role: string;
  /** The user who invited or added the member, when known. */
  inviter_id: number | null;
  /** ISO-8601 UTC. */
  date_created: string;
}

/** Who {@link addOrganizationMember} adds: an existing user, or an email to invite. */
export type NewMember =
  | { userId: number; role: string; inviterId?: number | null }
  | { email: string; role: string; inviterId?: number | null };

type MemberRow = Omit<OrganizationMembersTable, 'id'> & { id: number };

function toMember(row: MemberRow): OrganizationMember {
  return { ...row };
}

/**
 * Adds a member to organization `organizationId`: a user (a membership at once) or an email
 * (a pending invitation). Returns `conflict` when that user is already a member or the email
 * already invited (case-insensitively).
 */
export async function addOrganizationMember(
  store: MetadataStore,
  organizationId: number,
  member: NewMember,
): Promise<MetadataResult<OrganizationMember>> {
  const email = 'email' in member ? member.email.trim() : null;
  if (email !== null && (await getInvitation(store, organizationId, email)) !== undefined) {
    return failure({ kind: 'conflict', detail: `The user ${email} has already been invited` });
  }
  const row = await store.db
    .insertInto('organization_members')
    .values({
      organization_id: organizationId,
      user_id: 'userId' in member ? member.userId : null,
      email,
      role: member.role,
      inviter_id: member.inviterId ?? null,
      date_created: isoDate(store.now()),
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row === undefined
    ? failure({ kind: 'conflict', detail: 'already a member of the organization' })
    : success(toMember(row));
}

async function getInvitation(
  store: MetadataStore,
  organizationId: number,
  email: string,
): Promise<OrganizationMember | undefined> {
  const row = await store.db
    .selectFrom('organization_members')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  return row && toMember(row);
}

/** Member `id` of organization `organizationId`, or `undefined`. */
export async function getOrganizationMember(
  store: MetadataStore,
  organizationId: number,
  id: number,
): Promise<OrganizationMember | undefined> {
  const row = await store.db
    .selectFrom('organization_members')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toMember(row);
}

/** The membership of user `userId` in organization `organizationId`, or `undefined`. */
export async function getMembership(
  store: MetadataStore,
  organizationId: number,
  userId: number,
): Promise<OrganizationMember | undefined> {
  const row = await store.db
    .selectFrom('organization_members')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row && toMember(row);
}

/** Every membership of user `userId`, by organization id. */
export async function listUserMemberships(
  store: MetadataStore,
  userId: number,
): Promise<OrganizationMember[]> {
  const rows = await store.db
    .selectFrom('organization_members')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('organization_id')
    .execute();
  return rows.map(toMember);
}

/** Members and invitations of an organization, by id, optionally one page of them. */
export async function listOrganizationMembers(
  store: MetadataStore,
  organizationId: number,
  page?: Page,
): Promise<OrganizationMember[]> {
  let query = store.db
    .selectFrom('organization_members')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('id');
  if (page) query = query.limit(page.limit).offset(page.offset);
  return (await query.execute()).map(toMember);
}

/** How many members of the organization have one of `roles` (a user, not an invitation). */
export async function countMembersWithRole(
  store: MetadataStore,
  organizationId: number,
  roles: readonly string[],
): Promise<number> {
  if (roles.length === 0) return 0;
  const row = await store.db
    .selectFrom('organization_members')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('user_id', 'is not', null)
    .where('role', 'in', [...roles])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Sets the role of member `id`; returns the updated member or `undefined` when it does not exist. */
export async function setMemberRole(
  store: MetadataStore,
  id: number,
  role: string,
): Promise<OrganizationMember | undefined> {
  const row = await store.db
    .updateTable('organization_members')
    .set({ role })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toMember(row);
}

/** Removes member `id` (its team memberships go with it); returns whether it existed. */
export async function deleteOrganizationMember(store: MetadataStore, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('organization_members').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Turns the pending invitations for `email` (any case) into memberships of user `userId`, except
 * in organizations the user already belongs to. Returns the accepted memberships.
 */
export async function acceptInvitations(
  store: MetadataStore,
  userId: number,
  email: string,
): Promise<OrganizationMember[]> {
  return store.db.transaction().execute(async (trx) => {
    const joined = await trx
      .selectFrom('organization_members')
      .select('organization_id')
      .where('user_id', '=', userId)
      .execute();
    let query = trx
      .updateTable('organization_members')
      .set({ user_id: userId, email: null })
      .where('user_id', 'is', null)
      .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase());
    if (joined.length > 0)
      query = query.where(
        'organization_id',
        'not in',
        joined.map((j) => j.organization_id),
      );
    const rows = await query.returningAll().execute();
    return rows.map(toMember);
  });
}
