/**
 * Projects repository (Sentry `src/sentry/models/project.py`: slug unique within its
 * organization). `next_short_id` is the issue counter used by `resolveGroups`.
 */
import type { JsonObject } from '../../protocol/json.js';
import { isoDate } from './columns.js';
import { containsIgnoreCase } from './like.js';
import { getOrganizationById } from './organizations.js';
import { writeProjectConfig } from './project-configs.js';
import { failure, success } from './result.js';
import type { MetadataResult } from './result.js';
import type { Project } from './schema.js';
import { slugProblem } from './slug.js';
import type { MetadataStore } from './store.js';

/** Options of {@link createProject}. */
export interface CreateProjectOptions {
  /**
   * The new project's processing config (Relay's JSON shape), stored with the project in one
   * transaction; absent = no stored config (the defaults).
   */
  config?: JsonObject;
  /** A team of the organization to put the project on, in the same transaction (Sentry's `add_team`). */
  teamId?: number;
}

/**
 * Creates a project in organization `organizationId`. `name` defaults to the slug,
 * `platform` to null; `options.config` is stored as its config in the same transaction.
 * Returns `invalid_slug` (lowercase `[a-z0-9_-]`, ≤ 50 characters, not only digits),
 * `not_found` for an unknown organization, `slug_taken` when the organization already has a
 * project with that slug.
 */
export async function createProject(
  store: MetadataStore,
  organizationId: number,
  slug: string,
  name?: string,
  platform?: string,
  options: CreateProjectOptions = {},
): Promise<MetadataResult<Project>> {
  const problem = slugProblem(slug);
  if (problem !== undefined) return failure({ kind: 'invalid_slug', detail: problem });
  if ((await getOrganizationById(store, organizationId)) === undefined) {
    return failure({ kind: 'not_found', detail: `organization ${organizationId} does not exist` });
  }
  const now = isoDate(store.now());
  const row = await store.db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('projects')
      .values({
        organization_id: organizationId,
        slug,
        name: name ?? slug,
        platform: platform ?? null,
        date_created: now,
      })
      .onConflict((oc) => oc.columns(['organization_id', 'slug']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (created !== undefined && options.config !== undefined) {
      await writeProjectConfig(trx, created.id, options.config, now);
    }
    if (created !== undefined && options.teamId !== undefined) {
      await trx
        .insertInto('project_teams')
        .values({ project_id: created.id, team_id: options.teamId })
        .execute();
    }
    return created;
  });
  return row === undefined
    ? failure({ kind: 'slug_taken', detail: `a project with slug "${slug}" already exists` })
    : success(row);
}

/** The projects of an organization, by id. */
export async function listProjects(store: MetadataStore, organizationId: number): Promise<Project[]> {
  return store.db
    .selectFrom('projects')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .execute();
}

/**
 * One page of the projects of the given organizations, by slug then id (Sentry's order for an
 * organization's projects) or newest first (`order: 'newest'`, Sentry's for `/projects/`).
 * `teamMemberUserId` keeps only the projects on a team user `teamMemberUserId` is on (Sentry's
 * "my projects"); `query` keeps those whose name or slug contains it (case-insensitive).
 */
export async function listProjectsPage(
  store: MetadataStore,
  filter: { organizationIds: readonly number[]; teamMemberUserId?: number; query?: string },
  page: { offset: number; limit: number },
  order: 'slug' | 'newest' = 'slug',
): Promise<Project[]> {
  if (filter.organizationIds.length === 0) return [];
  let query = store.db
    .selectFrom('projects')
    .selectAll()
    .where('organization_id', 'in', [...filter.organizationIds]);
  const userId = filter.teamMemberUserId;
  if (userId !== undefined) {
    query = query.where('id', 'in', (eb) =>
      eb
        .selectFrom('project_teams as pt')
        .innerJoin('team_members as tm', 'tm.team_id', 'pt.team_id')
        .innerJoin('organization_members as m', 'm.id', 'tm.member_id')
        .select('pt.project_id')
        .where('m.user_id', '=', userId),
    );
  }
  if (filter.query !== undefined && filter.query !== '') {
    const text = filter.query;
    query = query.where((eb) => eb.or([containsIgnoreCase('name', text), containsIgnoreCase('slug', text)]));
  }
  query =
    order === 'slug'
      ? query.orderBy('slug').orderBy('id')
      : query.orderBy('date_created', 'desc').orderBy('id', 'desc');
  return query.limit(page.limit).offset(page.offset).execute();
}

/**
 * Deletes project `id` with everything stored for it in the metadata store (DSN keys, config,
 * issues, monitors, team links); telemetry rows in ClickHouse stay until their retention ends.
 * Returns whether it existed.
 */
export async function deleteProject(store: MetadataStore, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The project with `id`, or `undefined`. */
export async function getProjectById(store: MetadataStore, id: number): Promise<Project | undefined> {
  return store.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The project `slug` of organization `organizationId`, or `undefined`. */
export async function getProjectBySlug(
  store: MetadataStore,
  organizationId: number,
  slug: string,
): Promise<Project | undefined> {
  return store.db
    .selectFrom('projects')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('slug', '=', slug)
    .executeTakeFirst();
}
