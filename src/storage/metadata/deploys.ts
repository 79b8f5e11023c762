/**
 * Deploys repository (Sentry `src/sentry/models/deploy.py` `Deploy` and
 * `ReleaseProjectEnvironment.last_deploy_id`): a release deployed to an environment, counted on
 * the release, and the last deploy of each of its projects per environment, which is what
 * Sentry's deploy list shows.
 */
import type { Selectable } from 'kysely';
import { chunks, isoDate } from './columns.js';
import type { DeploysTable } from './schema.js';
import type { MetadataStore } from './store.js';

/** A deploy as read. */
export type Deploy = Selectable<DeploysTable>;

/** What {@link createDeploy} needs. */
export interface CreateDeployInput {
  organizationId: number;
  releaseId: number;
  environment: string;
  name?: string | null;
  url?: string | null;
  /** ISO-8601 UTC, or null. */
  dateStarted?: string | null;
  /** ISO-8601 UTC; default now. */
  dateFinished?: string;
  /** The release's projects the deploy is for. */
  projectIds: readonly number[];
}

/**
 * Records a deploy (Sentry's `create_deploy`): the row, the release's `total_deploys` and
 * `last_deploy_id`, and the last deploy of each project in the environment. One transaction.
 */
export async function createDeploy(store: MetadataStore, input: CreateDeployInput): Promise<Deploy> {
  const dateFinished = input.dateFinished ?? isoDate(store.now());
  return store.db.transaction().execute(async (trx) => {
    const deploy = await trx
      .insertInto('deploys')
      .values({
        organization_id: input.organizationId,
        release_id: input.releaseId,
        environment: input.environment,
        name: input.name ?? null,
        url: input.url ?? null,
        date_started: input.dateStarted ?? null,
        date_finished: dateFinished,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('releases')
      .set((eb) => ({ total_deploys: eb('total_deploys', '+', 1), last_deploy_id: deploy.id }))
      .where('id', '=', input.releaseId)
      .execute();
    for (const projectId of new Set(input.projectIds)) {
      await trx
        .insertInto('release_project_environments')
        .values({
          release_id: input.releaseId,
          project_id: projectId,
          environment: input.environment,
          last_deploy_id: deploy.id,
        })
        .onConflict((oc) =>
          oc.columns(['release_id', 'project_id', 'environment']).doUpdateSet({ last_deploy_id: deploy.id }),
        )
        .execute();
    }
    return deploy;
  });
}

/**
 * The deploys of release `releaseId` Sentry lists: the last deploy of each project and
 * environment (of `projectIds` when given), most recently finished first.
 */
export async function listReleaseDeploys(
  store: MetadataStore,
  releaseId: number,
  projectIds?: readonly number[],
): Promise<Deploy[]> {
  if (projectIds !== undefined && projectIds.length === 0) return [];
  let lastIds = store.db
    .selectFrom('release_project_environments')
    .select('last_deploy_id')
    .where('release_id', '=', releaseId);
  if (projectIds !== undefined) lastIds = lastIds.where('project_id', 'in', [...projectIds]);
  return store.db
    .selectFrom('deploys')
    .selectAll()
    .where('id', 'in', lastIds)
    .orderBy('date_finished', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The deploys with the given ids, by id (unknown ids are absent). */
export async function getDeploys(store: MetadataStore, ids: readonly number[]): Promise<Map<number, Deploy>> {
  const result = new Map<number, Deploy>();
  for (const part of chunks([...new Set(ids)], 500)) {
    const rows = await store.db.selectFrom('deploys').selectAll().where('id', 'in', part).execute();
    for (const row of rows) result.set(row.id, row);
  }
  return result;
}
