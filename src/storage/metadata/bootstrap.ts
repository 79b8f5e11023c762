/**
 * First-start setup (DESIGN.md "Who uses it": `npm start` prints a DSN): make sure the
 * organization `vigil`, its project `default` (id 1 on a fresh store) and an active DSN
 * key exist, and create one all-scopes API token the first time.
 */
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { ALL_API_SCOPES, createApiToken } from './api-tokens.js';
import { isoDate } from './columns.js';
import type { JsonObject } from '../../protocol/json.js';
import { writeProjectConfig } from './project-configs.js';
import { createProjectKey, listProjectKeys } from './project-keys.js';
import type { ProjectKey } from './project-keys.js';
import type { Database, Organization, Project } from './schema.js';
import type { MetadataStore } from './store.js';

/** Slug of the organization `bootstrap` ensures. */
export const DEFAULT_ORGANIZATION_SLUG = 'vigil';

/** Slug of the project `bootstrap` ensures. */
export const DEFAULT_PROJECT_SLUG = 'default';

/** What `bootstrap` ensured. */
export interface BootstrapResult {
  organization: Organization;
  project: Project;
  /** An active DSN key of the project (the oldest one). */
  key: ProjectKey;
  /** Plaintext of the API token created by this call; absent when the organization already had one. */
  token?: string;
}

/** Options of {@link bootstrap}. */
export interface BootstrapOptions {
  /**
   * The processing config (Relay's JSON shape) stored for project `default` when this call
   * creates it; an existing project's config is left alone.
   */
  projectConfig?: JsonObject;
}

// Any constant works; it only has to be the same in every Vigil process.
const BOOTSTRAP_LOCK_ID = 0x76696769;

/**
 * Inserts a row with id 1 when that id is free (so a fresh store has organization 1 and
 * project 1, like a fresh Sentry), else with the next id. On Postgres an explicit id does
 * not advance the id sequence, so it is moved past the highest id afterwards.
 */
async function insertPreferringIdOne(
  trx: Transaction<Database>,
  store: MetadataStore,
  table: 'organizations' | 'projects',
  insert: (id: number | undefined) => Promise<void>,
): Promise<void> {
  const { rows } = await sql<{ id: number }>`select id from ${sql.table(table)} where id = 1`.execute(trx);
  const taken = rows[0];
  if (taken !== undefined) return insert(undefined);
  await insert(1);
  if (store.dialect === 'postgres') {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(
      trx,
    );
  }
}

/**
 * Idempotently ensures organization `vigil`, project `default` (id 1 when the store is
 * fresh), at least one active DSN key (created when none is active), and — only when the
 * organization has no API token at all — one token named `Bootstrap` with
 * `ALL_API_SCOPES`, whose plaintext is returned in `token`. Runs in one transaction, and
 * on Postgres under an advisory lock, so nodes starting together create everything once.
 * Later calls return the same ids and no token. `options.projectConfig` is stored as the
 * config of project `default` only when this call creates the project.
 */
export async function bootstrap(
  store: MetadataStore,
  options: BootstrapOptions = {},
): Promise<BootstrapResult> {
  return store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`.execute(trx);
    const inTrx: MetadataStore = { ...store, db: trx };
    const now = isoDate(store.now());

    const findOrganization = () =>
      trx
        .selectFrom('organizations')
        .selectAll()
        .where('slug', '=', DEFAULT_ORGANIZATION_SLUG)
        .executeTakeFirst();
    let organization = await findOrganization();
    if (organization === undefined) {
      await insertPreferringIdOne(trx, store, 'organizations', async (id) => {
        await trx
          .insertInto('organizations')
          .values({
            ...(id !== undefined ? { id } : {}),
            slug: DEFAULT_ORGANIZATION_SLUG,
            name: 'Vigil',
            date_created: now,
          })
          .execute();
      });
      organization = await findOrganization();
    }
    if (organization === undefined) throw new Error('bootstrap: organization was not created');
    const organizationId = organization.id;

    const findProject = () =>
      trx
        .selectFrom('projects')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('slug', '=', DEFAULT_PROJECT_SLUG)
        .executeTakeFirst();
    let project = await findProject();
    if (project === undefined) {
      await insertPreferringIdOne(trx, store, 'projects', async (id) => {
        await trx
          .insertInto('projects')
          .values({
            ...(id !== undefined ? { id } : {}),
            organization_id: organizationId,
            slug: DEFAULT_PROJECT_SLUG,
            name: 'Default',
            platform: null,
            date_created: now,
          })
          .execute();
      });
      project = await findProject();
      if (project !== undefined && options.projectConfig !== undefined) {
        await writeProjectConfig(trx, project.id, options.projectConfig, now);
      }
    }
    if (project === undefined) throw new Error('bootstrap: project was not created');

    const key =
      (await listProjectKeys(inTrx, project.id)).find((k) => k.is_active) ??
      (await createProjectKey(inTrx, project.id, 'Default'));

    const anyToken = await trx
      .selectFrom('api_tokens')
      .select('id')
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    const token =
      anyToken === undefined
        ? (await createApiToken(inTrx, organizationId, 'Bootstrap', ALL_API_SCOPES)).token
        : undefined;

    return { organization, project, key, ...(token !== undefined ? { token } : {}) };
  });
}
