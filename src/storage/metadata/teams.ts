/**
 * Teams repository (Sentry `Team`, `OrganizationMemberTeam`, `ProjectTeam`): teams of an
 * organization (slug unique within it), the members on each team with an optional team role, and
 * the teams each project belongs to.
 */
import { isoDate } from './columns.js';
import { failure, success } from './result.js';
import type { MetadataResult } from './result.js';
import { slugProblem } from './slug.js';
import type { MetadataStore } from './store.js';

/** A team row. */
export interface Team {
  id: number;
  organization_id: number;
  slug: string;
  name: string;
  /** ISO-8601 UTC. */
  date_created: string;
}

/** A member's place on a team: the team and the team role (`null` = the default, contributor). */
export interface TeamMembership {
  team_id: number;
  member_id: number;
  role: string | null;
}

/** Offset and size of a page of rows (the web API's cursor pagination). */
export interface Page {
  offset: number;
  limit: number;
}

/**
 * Creates a team in organization `organizationId`; `name` defaults to the slug. Returns
 * `invalid_slug` (the rules of `slug.ts`) or `slug_taken`. Throws (foreign key) for an unknown
 * organization.
 */
export async function createTeam(
  store: MetadataStore,
  organizationId: number,
  slug: string,
  name?: string,
): Promise<MetadataResult<Team>> {
  const problem = slugProblem(slug);
  if (problem !== undefined) return failure({ kind: 'invalid_slug', detail: problem });
  const row = await store.db
    .insertInto('teams')
    .values({ organization_id: organizationId, slug, name: name || slug, date_created: isoDate(store.now()) })
    .onConflict((oc) => oc.columns(['organization_id', 'slug']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row === undefined
    ? failure({ kind: 'slug_taken', detail: `a team with slug "${slug}" already exists` })
    : success(row);
}

/** The team `slug` of organization `organizationId`, or `undefined`. */
export async function getTeamBySlug(
  store: MetadataStore,
  organizationId: number,
  slug: string,
): Promise<Team | undefined> {
  return store.db
    .selectFrom('teams')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('slug', '=', slug)
    .executeTakeFirst();
}

/** The teams of an organization by slug (Sentry's order), optionally one page of them. */
export async function listTeams(store: MetadataStore, organizationId: number, page?: Page): Promise<Team[]> {
  let query = store.db
    .selectFrom('teams')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('slug')
    .orderBy('id');
  if (page) query = query.limit(page.limit).offset(page.offset);
  return query.execute();
}

/**
 * Renames team `id` and/or changes its slug. Returns the updated team, `invalid_slug`,
 * `slug_taken` (another team of the organization has it) or `not_found`.
 */
export async function updateTeam(
  store: MetadataStore,
  id: number,
  change: { slug?: string; name?: string },
): Promise<MetadataResult<Team>> {
  if (change.slug !== undefined) {
    const problem = slugProblem(change.slug);
    if (problem !== undefined) return failure({ kind: 'invalid_slug', detail: problem });
  }
  return store.db.transaction().execute(async (trx) => {
    const team = await trx.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    if (team === undefined) return failure({ kind: 'not_found', detail: `team ${id} does not exist` });
    if (change.slug !== undefined && change.slug !== team.slug) {
      const taken = await trx
        .selectFrom('teams')
        .select('id')
        .where('organization_id', '=', team.organization_id)
        .where('slug', '=', change.slug)
        .executeTakeFirst();
      if (taken)
        return failure({ kind: 'slug_taken', detail: `The slug "${change.slug}" is already in use.` });
    }
    const row = await trx
      .updateTable('teams')
      .set({ slug: change.slug ?? team.slug, name: change.name ?? team.name })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return success(row);
  });
}

/** Deletes team `id` (its memberships and project links go with it); returns whether it existed. */
export async function deleteTeam(store: MetadataStore, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('teams').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Puts member `memberId` on team `teamId` with `role` (kept when already on it). */
export async function addTeamMember(
  store: MetadataStore,
  teamId: number,
  memberId: number,
  role: string | null = null,
): Promise<void> {
  await store.db
    .insertInto('team_members')
    .values({ team_id: teamId, member_id: memberId, role })
    .onConflict((oc) => oc.columns(['team_id', 'member_id']).doNothing())
    .execute();
}

/** Replaces the teams of member `memberId` with `teams` (Sentry's `save_team_assignments`). */
export async function setMemberTeams(
  store: MetadataStore,
  memberId: number,
  teams: readonly { teamId: number; role: string | null }[],
): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('team_members').where('member_id', '=', memberId).execute();
    if (teams.length > 0) {
      await trx
        .insertInto('team_members')
        .values(teams.map((t) => ({ team_id: t.teamId, member_id: memberId, role: t.role })))
        .execute();
    }
  });
}

/** The team memberships of the given members (all their teams). */
export async function listTeamMemberships(
  store: MetadataStore,
  memberIds: readonly number[],
): Promise<TeamMembership[]> {
  if (memberIds.length === 0) return [];
  return store.db
    .selectFrom('team_members')
    .select(['team_id', 'member_id', 'role'])
    .where('member_id', 'in', [...new Set(memberIds)])
    .orderBy('team_id')
    .execute();
}

/** How many members each of the teams has (teams without members are absent). */
export async function countTeamMembers(
  store: MetadataStore,
  teamIds: readonly number[],
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (teamIds.length === 0) return out;
  const rows = await store.db
    .selectFrom('team_members')
    .select(['team_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('team_id', 'in', [...new Set(teamIds)])
    .groupBy('team_id')
    .execute();
  for (const row of rows) out.set(row.team_id, Number(row.n));
  return out;
}

/** Adds project `projectId` to team `teamId` (nothing when it already is on it). */
export async function addProjectTeam(store: MetadataStore, projectId: number, teamId: number): Promise<void> {
  await store.db
    .insertInto('project_teams')
    .values({ project_id: projectId, team_id: teamId })
    .onConflict((oc) => oc.columns(['project_id', 'team_id']).doNothing())
    .execute();
}

/** The teams of each of the projects, by slug; projects without teams are absent. */
export async function listProjectTeams(
  store: MetadataStore,
  projectIds: readonly number[],
): Promise<Map<number, Team[]>> {
  const out = new Map<number, Team[]>();
  if (projectIds.length === 0) return out;
  const rows = await store.db
    .selectFrom('project_teams as pt')
    .innerJoin('teams as t', 't.id', 'pt.team_id')
    .select(['pt.project_id', 't.id', 't.organization_id', 't.slug', 't.name', 't.date_created'])
    .where('pt.project_id', 'in', [...new Set(projectIds)])
    .orderBy('t.slug')
    .execute();
  for (const { project_id, ...team } of rows) {
    const list = out.get(project_id) ?? [];
    list.push(team);
    out.set(project_id, list);
  }
  return out;
}

/** The ids of the projects on team `teamId`, ordered by project slug, optionally one page. */
export async function listTeamProjectIds(
  store: MetadataStore,
  teamId: number,
  page?: Page,
): Promise<number[]> {
  let query = store.db
    .selectFrom('project_teams as pt')
    .innerJoin('projects as p', 'p.id', 'pt.project_id')
    .select('p.id')
    .where('pt.team_id', '=', teamId)
    .orderBy('p.slug')
    .orderBy('p.id');
  if (page) query = query.limit(page.limit).offset(page.offset);
  return (await query.execute()).map((r) => r.id);
}
