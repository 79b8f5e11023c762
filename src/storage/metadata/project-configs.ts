/**
 * Project configs repository: one row per configured project holding the project's processing
 * config as the JSON object Sentry hands Relay (`quotas`, `filterSettings`,
 * `datascrubbingSettings`, `piiConfig`, and whatever keys the parser in
 * src/processing/project-config/ learns later). The store keeps the object as given and does not
 * validate it: callers parse it (`parseProjectConfig`) before they write and after they read.
 */
import type { Kysely, Transaction } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { chunks, decodeJsonObject, encodeJson, isoDate } from './columns.js';
import { failure, success, type MetadataResult } from './result.js';
import type { Database } from './schema.js';
import type { MetadataStore } from './store.js';

/**
 * The stored config of project `projectId`, or `undefined` when none was ever stored (the project
 * then has the defaults). Text that is not a JSON object (hand-edited rows) reads as `{}`.
 */
export async function getProjectConfigJson(
  store: MetadataStore,
  projectId: number,
): Promise<JsonObject | undefined> {
  const row = await store.db
    .selectFrom('project_configs')
    .select('config')
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row === undefined ? undefined : decodeJsonObject(row.config);
}

/** The stored configs of `projectIds` by project id (projects without one are left out). */
export async function getProjectConfigJsons(
  store: MetadataStore,
  projectIds: readonly number[],
): Promise<Map<number, JsonObject>> {
  const out = new Map<number, JsonObject>();
  for (const part of chunks([...new Set(projectIds)], 500)) {
    const rows = await store.db
      .selectFrom('project_configs')
      .select(['project_id', 'config'])
      .where('project_id', 'in', part)
      .execute();
    for (const row of rows) out.set(row.project_id, decodeJsonObject(row.config));
  }
  return out;
}

/**
 * Replaces the stored config of project `projectId` with `json` (inserted when the project had
 * none) and stamps `date_updated` with the store's clock. Returns `not_found` when the project
 * does not exist.
 */
export async function setProjectConfigJson(
  store: MetadataStore,
  projectId: number,
  json: JsonObject,
): Promise<MetadataResult<void>> {
  return store.db.transaction().execute(async (trx) => {
    const project = await trx
      .selectFrom('projects')
      .select('id')
      .where('id', '=', projectId)
      .executeTakeFirst();
    if (project === undefined) {
      return failure({ kind: 'not_found', detail: `project ${projectId} does not exist` });
    }
    await writeProjectConfig(trx, projectId, json, isoDate(store.now()));
    return success(undefined);
  });
}

/** Upserts a config row inside an open transaction (also used when a project is created). */
export async function writeProjectConfig(
  db: Kysely<Database> | Transaction<Database>,
  projectId: number,
  json: JsonObject,
  dateUpdated: string,
): Promise<void> {
  const config = encodeJson(json);
  await db
    .insertInto('project_configs')
    .values({ project_id: projectId, config, date_updated: dateUpdated })
    .onConflict((oc) => oc.column('project_id').doUpdateSet({ config, date_updated: dateUpdated }))
    .execute();
}
