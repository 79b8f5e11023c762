/**
 * Organizations repository (Sentry `src/sentry/models/organization.py`: unique slug, a
 * display name).
 */
import { isoDate } from './columns.js';
import { failure, success } from './result.js';
import type { MetadataResult } from './result.js';
import type { Organization } from './schema.js';
import { slugProblem } from './slug.js';
import type { MetadataStore } from './store.js';

/** The organization with `slug`, or `undefined`. */
export async function getOrganizationBySlug(
  store: MetadataStore,
  slug: string,
): Promise<Organization | undefined> {
  return store.db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** The organization with `id`, or `undefined`. */
export async function getOrganizationById(
  store: MetadataStore,
  id: number,
): Promise<Organization | undefined> {
  return store.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** All organizations, by id. */
export async function listOrganizations(store: MetadataStore): Promise<Organization[]> {
  return store.db.selectFrom('organizations').selectAll().orderBy('id').execute();
}

/**
 * Creates an organization. `name` defaults to the slug. Returns `invalid_slug` for a slug
 * outside the rules of `slug.ts`, `slug_taken` when another organization has it.
 */
export async function createOrganization(
  store: MetadataStore,
  slug: string,
  name?: string,
): Promise<MetadataResult<Organization>> {
  const problem = slugProblem(slug);
  if (problem !== undefined) return failure({ kind: 'invalid_slug', detail: problem });
  const row = await store.db
    .insertInto('organizations')
    .values({ slug, name: name ?? slug, date_created: isoDate(store.now()) })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row === undefined
    ? failure({ kind: 'slug_taken', detail: `an organization with slug "${slug}" already exists` })
    : success(row);
}
