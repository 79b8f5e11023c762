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

/**
 * Renames organization `id` and/or changes its slug. Returns the updated organization,
 * `invalid_slug` (the rules of `slug.ts`), `slug_taken` or `not_found`.
 */
export async function updateOrganization(
  store: MetadataStore,
  id: number,
  change: { slug?: string; name?: string },
): Promise<MetadataResult<Organization>> {
  if (change.slug !== undefined) {
    const problem = slugProblem(change.slug);
    if (problem !== undefined) return failure({ kind: 'invalid_slug', detail: problem });
  }
  return store.db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    if (org === undefined) return failure({ kind: 'not_found', detail: `organization ${id} does not exist` });
    if (change.slug !== undefined && change.slug !== org.slug) {
      const taken = await trx
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', change.slug)
        .executeTakeFirst();
      if (taken)
        return failure({ kind: 'slug_taken', detail: `The slug "${change.slug}" is already in use.` });
    }
    const row = await trx
      .updateTable('organizations')
      .set({ slug: change.slug ?? org.slug, name: change.name ?? org.name })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return success(row);
  });
}

/** The organizations with the given ids, by id. */
export async function getOrganizationsById(
  store: MetadataStore,
  ids: readonly number[],
): Promise<Organization[]> {
  if (ids.length === 0) return [];
  return store.db
    .selectFrom('organizations')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .orderBy('id')
    .execute();
}
