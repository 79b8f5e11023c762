/**
 * Projects repository (Sentry `src/sentry/models/project.py`: slug unique within its
 * organization). `next_short_id` is the issue counter used by `resolveGroups`.
 */
import { isoDate } from './columns.js';
import { getOrganizationById } from './organizations.js';
import { failure, success } from './result.js';
import type { MetadataResult } from './result.js';
import type { Project } from './schema.js';
import { slugProblem } from './slug.js';
import type { MetadataStore } from './store.js';

/**
 * Creates a project in organization `organizationId`. `name` defaults to the slug,
 * `platform` to null. Returns `invalid_slug` (lowercase `[a-z0-9_-]`, ≤ 50 characters,
 * not only digits), `not_found` for an unknown organization, `slug_taken` when the
 * organization already has a project with that slug.
 */
export async function createProject(
  store: MetadataStore,
  organizationId: number,
  slug: string,
  name?: string,
  platform?: string,
): Promise<MetadataResult<Project>> {
  const problem = slugProblem(slug);
  if (problem !== undefined) return failure({ kind: 'invalid_slug', detail: problem });
  if ((await getOrganizationById(store, organizationId)) === undefined) {
    return failure({ kind: 'not_found', detail: `organization ${organizationId} does not exist` });
  }
  const row = await store.db
    .insertInto('projects')
    .values({
      organization_id: organizationId,
      slug,
      name: name ?? slug,
      platform: platform ?? null,
      date_created: isoDate(store.now()),
    })
    .onConflict((oc) => oc.columns(['organization_id', 'slug']).doNothing())
    .returningAll()
    .executeTakeFirst();
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
