/**
 * First-start setup (DESIGN.md "Who uses it": `npm start` prints a DSN): make sure the
 * organization `vigil`, its project `default` (id 1 on a fresh store) and an active DSN
 * key exist; the first time, make the user `admin` its owner (on the team `vigil`, which the
 * organization's projects join, as Sentry's first organization has a default team) and create
 * one all-scopes API token for that user.
 */
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { ALL_API_SCOPES, createUserApiToken } from './api-tokens.js';
import { isoDate } from './columns.js';
import type { JsonObject } from '../../protocol/json.js';
import { writeProjectConfig } from './project-configs.js';
import { createProjectKey, listProjectKeys } from './project-keys.js';
import type { ProjectKey } from './project-keys.js';
import type { Database, Organization, Project } from './schema.js';
import type { MetadataStore } from './store.js';
import { toUser, type User } from './users.js';

/** Slug of the organization `bootstrap` ensures. */
export const DEFAULT_ORGANIZATION_SLUG = 'vigil';

/** Slug of the project `bootstrap` ensures. */
export const DEFAULT_PROJECT_SLUG = 'default';

/** Username of the user `bootstrap` makes the first owner (a superuser, like `sentry createuser`'s first user). */
export const DEFAULT_ADMIN_USERNAME = 'admin';

/** Email of that user. */
export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

/** What `bootstrap` ensured. */
export interface BootstrapResult {
  organization: Organization;
  project: Project;
  /** An active DSN key of the project (the oldest one). */
  key: ProjectKey;
  /** The organization's first owner (the admin user on a store this function set up); absent when it has none. */
  owner?: User;
  /** Plaintext of the admin's API token when this call created it; absent on later calls. */
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
 * fresh) and at least one active DSN key (created when none is active). When the organization
 * has no members (a fresh store, or one from before accounts existed) it also makes the user
 * `admin` (created when missing, a superuser) its owner, puts that member on the team `vigil`
 * (created when missing) and the organization's team-less projects on that team, and gives the
 * admin an API token named `Bootstrap` with `ALL_API_SCOPES`: the organization token `Bootstrap`
 * of an older store becomes the admin's (its plaintext is already in the admin-token file), else
 * a new one is created and its plaintext returned in `token`. Runs in one transaction, and on
 * Postgres under an advisory lock, so nodes starting together create everything once. Later
 * calls return the same ids and no token. `options.projectConfig` is stored as the config of
 * project `default` only when this call creates the project.
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

    const anyMember = await trx
      .selectFrom('organization_members')
      .select('id')
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    const token = anyMember === undefined ? await setUpOwner(trx, inTrx, organization, now) : undefined;
    const ownerRow = await trx
      .selectFrom('organization_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .selectAll('u')
      .where('m.organization_id', '=', organizationId)
      .where('m.role', '=', 'owner')
      .orderBy('m.id')
      .executeTakeFirst();

    return {
      organization,
      project,
      key,
      ...(ownerRow !== undefined ? { owner: toUser(ownerRow) } : {}),
      ...(token !== undefined ? { token } : {}),
    };
  });
}

/**
 * Makes the admin user the owner of `organization` on its default team, puts the organization's
 * team-less projects on that team and hands the admin its `Bootstrap` token; returns the
 * plaintext of a newly created token.
 */
async function setUpOwner(
  trx: Transaction<Database>,
  inTrx: MetadataStore,
  organization: Organization,
  now: string,
): Promise<string | undefined> {
  const findAdmin = () =>
    trx.selectFrom('users').selectAll().where('username', '=', DEFAULT_ADMIN_USERNAME).executeTakeFirst();
  let admin = await findAdmin();
  if (admin === undefined) {
    await trx
      .insertInto('users')
      .values({
        username: DEFAULT_ADMIN_USERNAME,
        email: DEFAULT_ADMIN_EMAIL,
        name: 'Admin',
        password_hash: null,
        is_superuser: 1,
        is_active: 1,
        date_joined: now,
        last_login: null,
      })
      .execute();
    admin = await findAdmin();
  }
  if (admin === undefined) throw new Error('bootstrap: admin user was not created');
  const adminId = admin.id;

  const member = await trx
    .insertInto('organization_members')
    .values({
      organization_id: organization.id,
      user_id: adminId,
      email: null,
      role: 'owner',
      inviter_id: null,
      date_created: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const findTeam = () =>
    trx
      .selectFrom('teams')
      .select('id')
      .where('organization_id', '=', organization.id)
      .where('slug', '=', organization.slug)
      .executeTakeFirst();
  let team = await findTeam();
  if (team === undefined) {
    await trx
      .insertInto('teams')
      .values({
        organization_id: organization.id,
        slug: organization.slug,
        name: organization.name,
        date_created: now,
      })
      .execute();
    team = await findTeam();
  }
  if (team === undefined) throw new Error('bootstrap: team was not created');
  const teamId = team.id;
  await trx
    .insertInto('team_members')
    .values({ team_id: teamId, member_id: member.id, role: null })
    .execute();
  const teamless = await trx
    .selectFrom('projects')
    .select('id')
    .where('organization_id', '=', organization.id)
    .where('id', 'not in', (eb) => eb.selectFrom('project_teams').select('project_id'))
    .execute();
  if (teamless.length > 0) {
    await trx
      .insertInto('project_teams')
      .values(teamless.map((p) => ({ project_id: p.id, team_id: teamId })))
      .execute();
  }

  const adopted = await trx
    .updateTable('api_tokens')
    .set({ user_id: adminId, organization_id: null })
    .where('organization_id', '=', organization.id)
    .where('user_id', 'is', null)
    .where('name', '=', 'Bootstrap')
    .returning('id')
    .execute();
  const owned = await trx
    .selectFrom('api_tokens')
    .select('id')
    .where('user_id', '=', adminId)
    .executeTakeFirst();
  if (adopted.length > 0 || owned !== undefined) return undefined;
  return (await createUserApiToken(inTrx, adminId, 'Bootstrap', ALL_API_SCOPES)).token;
}
