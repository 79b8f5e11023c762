/**
 * DSN keys repository (Sentry `src/sentry/models/projectkey.py`): a public and a secret
 * key of 32 lowercase hex characters each, a label, and an active flag. The ingest edge
 * authenticates a DSN by its public key (reference/relay-protocol.md, auth).
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../protocol/json.js';
import { decodeJsonObject, encodeJson, isoDate } from './columns.js';
import type { Organization, Project } from './schema.js';
import type { MetadataStore } from './store.js';

/** A DSN key as the application sees it (`is_active` decoded to a boolean). */
export interface ProjectKey {
  id: number;
  project_id: number;
  /** 32 lowercase hex; the DSN's user part. */
  public_key: string;
  /** 32 lowercase hex; only legacy clients send it. */
  secret_key: string;
  label: string;
  is_active: boolean;
  /** ISO-8601 UTC. */
  date_created: string;
  /** Sentry's `ProjectKey.data`: `browserSdkVersion`, `dynamicSdkLoaderOptions`; `{}` when unset. */
  data: JsonObject;
}

/** A DSN key with the project and organization it belongs to (one query). */
export interface ProjectKeyWithOwners {
  key: ProjectKey;
  project: Project;
  organization: Organization;
}

interface ProjectKeyRow extends Omit<ProjectKey, 'is_active' | 'data'> {
  is_active: number;
  data: string;
}

function toProjectKey(row: ProjectKeyRow): ProjectKey {
  return { ...row, is_active: row.is_active !== 0, data: decodeJsonObject(row.data) };
}

function hex32(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Creates an active DSN key for `projectId` with fresh random public and secret keys
 * (`crypto.randomBytes`, 128 bits each). `label` defaults to `Default`. Throws (a foreign
 * key violation) when the project does not exist — callers resolve the project first.
 */
export async function createProjectKey(
  store: MetadataStore,
  projectId: number,
  label?: string,
  data: JsonObject = {},
): Promise<ProjectKey> {
  const row = await store.db
    .insertInto('project_keys')
    .values({
      project_id: projectId,
      public_key: hex32(),
      secret_key: hex32(),
      label: label ?? 'Default',
      is_active: 1,
      date_created: isoDate(store.now()),
      data: encodeJson(data),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProjectKey(row);
}

/** All DSN keys of a project (active and inactive), oldest first. */
export async function listProjectKeys(store: MetadataStore, projectId: number): Promise<ProjectKey[]> {
  const rows = await store.db
    .selectFrom('project_keys')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute();
  return rows.map(toProjectKey);
}

/**
 * The key with `publicKey` plus its project and organization, or `undefined` when no key
 * has it. Inactive keys are returned too (with `is_active: false`): the edge answers them
 * differently from unknown keys.
 */
export async function getProjectKeyByPublicKey(
  store: MetadataStore,
  publicKey: string,
): Promise<ProjectKeyWithOwners | undefined> {
  const row = await store.db
    .selectFrom('project_keys as k')
    .innerJoin('projects as p', 'p.id', 'k.project_id')
    .innerJoin('organizations as o', 'o.id', 'p.organization_id')
    .select([
      'k.id as k_id',
      'k.project_id as k_project_id',
      'k.public_key as k_public_key',
      'k.secret_key as k_secret_key',
      'k.label as k_label',
      'k.is_active as k_is_active',
      'k.date_created as k_date_created',
      'k.data as k_data',
      'p.id as p_id',
      'p.organization_id as p_organization_id',
      'p.slug as p_slug',
      'p.name as p_name',
      'p.platform as p_platform',
      'p.next_short_id as p_next_short_id',
      'p.date_created as p_date_created',
      'o.id as o_id',
      'o.slug as o_slug',
      'o.name as o_name',
      'o.date_created as o_date_created',
    ])
    .where('k.public_key', '=', publicKey)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    key: toProjectKey({
      id: row.k_id,
      project_id: row.k_project_id,
      public_key: row.k_public_key,
      secret_key: row.k_secret_key,
      label: row.k_label,
      is_active: row.k_is_active,
      date_created: row.k_date_created,
      data: row.k_data,
    }),
    project: {
      id: row.p_id,
      organization_id: row.p_organization_id,
      slug: row.p_slug,
      name: row.p_name,
      platform: row.p_platform,
      next_short_id: row.p_next_short_id,
      date_created: row.p_date_created,
    },
    organization: { id: row.o_id, slug: row.o_slug, name: row.o_name, date_created: row.o_date_created },
  };
}

/** Enables or disables key `id`; returns the updated key, or `undefined` when it does not exist. */
export async function setProjectKeyActive(
  store: MetadataStore,
  id: number,
  active: boolean,
): Promise<ProjectKey | undefined> {
  const row = await store.db
    .updateTable('project_keys')
    .set({ is_active: active ? 1 : 0 })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toProjectKey(row);
}

/**
 * One page of a project's DSN keys, newest first (Sentry's order), optionally only active
 * (`'active'`) or inactive (`'inactive'`) ones.
 */
export async function listProjectKeysPage(
  store: MetadataStore,
  projectId: number,
  page: { offset: number; limit: number },
  status?: 'active' | 'inactive',
): Promise<ProjectKey[]> {
  let query = store.db.selectFrom('project_keys').selectAll().where('project_id', '=', projectId);
  if (status !== undefined) query = query.where('is_active', '=', status === 'active' ? 1 : 0);
  const rows = await query.orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
  return rows.map(toProjectKey);
}

/** The key of project `projectId` whose public key is `publicKey`, or `undefined`. */
export async function getProjectKey(
  store: MetadataStore,
  projectId: number,
  publicKey: string,
): Promise<ProjectKey | undefined> {
  const row = await store.db
    .selectFrom('project_keys')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('public_key', '=', publicKey)
    .executeTakeFirst();
  return row && toProjectKey(row);
}

/**
 * Changes key `id`: its label, active flag and/or `data` (replaced whole). Returns the updated
 * key, or `undefined` when it does not exist.
 */
export async function updateProjectKey(
  store: MetadataStore,
  id: number,
  change: { label?: string; isActive?: boolean; data?: JsonObject },
): Promise<ProjectKey | undefined> {
  const set: { label?: string; is_active?: number; data?: string } = {};
  if (change.label !== undefined) set.label = change.label;
  if (change.isActive !== undefined) set.is_active = change.isActive ? 1 : 0;
  if (change.data !== undefined) set.data = encodeJson(change.data);
  if (Object.keys(set).length === 0) {
    const row = await store.db.selectFrom('project_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProjectKey(row);
  }
  const row = await store.db
    .updateTable('project_keys')
    .set(set)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toProjectKey(row);
}

/** Deletes key `id`; returns whether it existed. */
export async function deleteProjectKey(store: MetadataStore, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('project_keys').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** What {@link insertProjectKey} takes; every field is optional. */
export interface NewProjectKey {
  /** Default `Default`. */
  label?: string;
  /** 32 lowercase hex (keeping a DSN when moving from another server); default random. */
  publicKey?: string;
  /** 32 lowercase hex; default random. */
  secretKey?: string;
  data?: JsonObject;
}

/**
 * Creates an active DSN key for `projectId` with the given or random keys; `undefined` when the
 * public key is already used by a key of any project. Throws (foreign key) for an unknown project.
 */
export async function insertProjectKey(
  store: MetadataStore,
  projectId: number,
  key: NewProjectKey,
): Promise<ProjectKey | undefined> {
  const row = await store.db
    .insertInto('project_keys')
    .values({
      project_id: projectId,
      public_key: key.publicKey ?? hex32(),
      secret_key: key.secretKey ?? hex32(),
      label: key.label ?? 'Default',
      is_active: 1,
      date_created: isoDate(store.now()),
      data: encodeJson(key.data ?? {}),
    })
    .onConflict((oc) => oc.column('public_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toProjectKey(row);
}
