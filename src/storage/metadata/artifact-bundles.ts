/**
 * Artifact-bundle storage (reference/sentry-semantics.md §8.3, §9.3): assembled bundles with
 * their indexes (`src/sentry/models/artifactbundle.py`): projects (`ProjectArtifactBundle`),
 * release/dist (`ReleaseArtifactBundle`, `''` for no dist), debug ids per file type
 * (`DebugIdArtifactBundle`) and manifest URLs (`ArtifactBundleIndex`). A bundle's zip is the
 * concatenation of its chunks (`file-blobs.ts`), which stay stored while a bundle uses them.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { chunks as batches, isoDate } from './columns.js';
import { readFileBlobs } from './file-blobs.js';
import { containsIgnoreCase } from './like.js';
import type { ArtifactBundlesTable, Database } from './schema.js';
import type { MetadataStore } from './store.js';

/**
 * Sentry's `SourceFileType` by the manifest's lowercase `type` (`SourceFileType.from_lowercase_key`).
 * Files of other types are not indexed by debug id.
 */
export const SOURCE_FILE_TYPES: Readonly<Record<string, number>> = {
  source: 1,
  minified_source: 2,
  source_map: 3,
  indexed_ram_bundle: 4,
};

/** An artifact bundle row. */
export type ArtifactBundle = Selectable<ArtifactBundlesTable>;

/** An artifact bundle with its release/dist associations, newest association first. */
export interface ArtifactBundleListing extends ArtifactBundle {
  associations: Array<{ release: string; dist: string }>;
}

/** One file of a bundle's manifest, as indexed. */
export interface IndexedArtifactFile {
  /** The manifest `url` (`~/static/js/main.js`). */
  url: string;
  /** Normalized debug id of its `debug-id` header, when it has one. */
  debugId?: string;
  /** {@link SOURCE_FILE_TYPES} code of its `type`, when known. */
  sourceFileType?: number;
}

/** What {@link storeArtifactBundle} indexes. */
export interface StoreArtifactBundleInput {
  organizationId: number;
  /** Lowercase hyphenated UUID: the manifest's `debug_id`, or one derived from the checksum. */
  bundleId: string;
  /** sha1 hex of the zip. */
  checksum: string;
  /** Bytes of the zip. */
  size: number;
  /** The chunk checksums the zip is made of, in order (they must be in `file_blobs`). */
  chunks: readonly string[];
  /** Number of files in the manifest. */
  artifactCount: number;
  projectIds: readonly number[];
  /** Release the bundle is for (weak association: the release need not exist). */
  release?: string;
  /** Dist within the release; only with `release`. */
  dist?: string;
  files: readonly IndexedArtifactFile[];
}

/**
 * Stores an assembled bundle and its indexes in one transaction, as Sentry's
 * `ArtifactBundlePostAssembler` does: a new `bundleId` creates the bundle; a known one is
 * replaced (new zip, counts and indexes; `date_added` renewed, `date_uploaded` kept). Project
 * and release links are upserted with the new date. Chunks the old zip used and the new one does
 * not are deleted. Returns the bundle and whether it was new.
 */
export async function storeArtifactBundle(
  store: MetadataStore,
  input: StoreArtifactBundleInput,
): Promise<{ bundle: ArtifactBundle; created: boolean }> {
  const now = isoDate(store.now());
  return store.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('artifact_bundles')
      .selectAll()
      .where('organization_id', '=', input.organizationId)
      .where('bundle_id', '=', input.bundleId)
      .executeTakeFirst();
    let bundle: ArtifactBundle;
    let oldChunks: string[] = [];
    if (existing === undefined) {
      bundle = await trx
        .insertInto('artifact_bundles')
        .values({
          organization_id: input.organizationId,
          bundle_id: input.bundleId,
          checksum: input.checksum,
          size: input.size,
          artifact_count: input.artifactCount,
          date_added: now,
          date_uploaded: now,
          date_last_modified: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } else {
      oldChunks = await bundleChunks(trx, existing.id);
      bundle = await trx
        .updateTable('artifact_bundles')
        .set({
          checksum: input.checksum,
          size: input.size,
          artifact_count: input.artifactCount,
          date_added: now,
          date_last_modified: now,
        })
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      for (const table of [
        'artifact_bundle_blobs',
        'debug_id_artifact_bundles',
        'artifact_bundle_index',
      ] as const) {
        await trx.deleteFrom(table).where('artifact_bundle_id', '=', bundle.id).execute();
      }
    }
    await insertRows(
      trx,
      'artifact_bundle_blobs',
      input.chunks.map((checksum, position) => ({
        artifact_bundle_id: bundle.id,
        position,
        organization_id: input.organizationId,
        checksum,
      })),
    );
    for (const projectId of new Set(input.projectIds)) {
      await trx
        .insertInto('project_artifact_bundles')
        .values({ project_id: projectId, artifact_bundle_id: bundle.id, date_added: now })
        .onConflict((oc) => oc.columns(['project_id', 'artifact_bundle_id']).doUpdateSet({ date_added: now }))
        .execute();
    }
    if (input.release !== undefined && input.release !== '') {
      await trx
        .insertInto('release_artifact_bundles')
        .values({
          organization_id: input.organizationId,
          release_name: input.release,
          dist_name: input.dist ?? '',
          artifact_bundle_id: bundle.id,
          date_added: now,
        })
        .onConflict((oc) =>
          oc
            .columns(['organization_id', 'release_name', 'dist_name', 'artifact_bundle_id'])
            .doUpdateSet({ date_added: now }),
        )
        .execute();
    }
    const debugIds = new Map<string, { debug_id: string; source_file_type: number }>();
    for (const file of input.files) {
      if (file.debugId === undefined || file.sourceFileType === undefined) continue;
      debugIds.set(`${file.debugId}/${file.sourceFileType}`, {
        debug_id: file.debugId,
        source_file_type: file.sourceFileType,
      });
    }
    await insertRows(
      trx,
      'debug_id_artifact_bundles',
      [...debugIds.values()].map((d) => ({
        ...d,
        organization_id: input.organizationId,
        artifact_bundle_id: bundle.id,
        date_added: now,
      })),
    );
    await insertRows(
      trx,
      'artifact_bundle_index',
      [...new Set(input.files.map((f) => f.url))].map((url) => ({
        organization_id: input.organizationId,
        artifact_bundle_id: bundle.id,
        url,
      })),
    );
    await deleteUnusedBlobs(
      trx,
      input.organizationId,
      oldChunks.filter((c) => !input.chunks.includes(c)),
    );
    return { bundle, created: existing === undefined };
  });
}

/**
 * The zip of `bundle` (its chunks concatenated), or `undefined` when a chunk is gone (the bundle
 * was replaced or deleted meanwhile).
 */
export async function readArtifactBundleZip(
  store: MetadataStore,
  bundle: Pick<ArtifactBundle, 'id' | 'organization_id'>,
): Promise<Buffer | undefined> {
  const order = await bundleChunks(store.db, bundle.id);
  const blobs = await readFileBlobs(store, bundle.organization_id, order);
  const parts: Buffer[] = [];
  for (const checksum of order) {
    const blob = blobs.get(checksum);
    if (blob === undefined) return undefined;
    parts.push(blob);
  }
  return Buffer.concat(parts);
}

/**
 * The project's bundles that hold a file with `debugId` (normalized) of `sourceFileType`, most
 * recently added first (Sentry's `DebugIdArtifactBundle` lookup).
 */
export async function findBundlesByDebugId(
  store: MetadataStore,
  projectId: number,
  debugId: string,
  sourceFileType?: number,
): Promise<ArtifactBundle[]> {
  let query = store.db
    .selectFrom('debug_id_artifact_bundles as d')
    .innerJoin('artifact_bundles as b', 'b.id', 'd.artifact_bundle_id')
    .innerJoin('project_artifact_bundles as p', 'p.artifact_bundle_id', 'b.id')
    .selectAll('b')
    .distinct()
    .where('p.project_id', '=', projectId)
    .where('d.debug_id', '=', debugId)
    .whereRef('d.organization_id', '=', 'b.organization_id');
  if (sourceFileType !== undefined) query = query.where('d.source_file_type', '=', sourceFileType);
  return query.orderBy('b.date_added', 'desc').orderBy('b.id', 'desc').execute();
}

/**
 * The project's bundles of `release` and `dist` (`''` = no dist) whose manifest has one of
 * `urls`, with the URL found, most recently added bundle first (Sentry's `ReleaseArtifactBundle`
 * + `ArtifactBundleIndex` lookup).
 */
export async function findBundlesByUrl(
  store: MetadataStore,
  projectId: number,
  release: string,
  dist: string,
  urls: readonly string[],
): Promise<Array<{ bundle: ArtifactBundle; url: string }>> {
  if (urls.length === 0) return [];
  const rows = await store.db
    .selectFrom('artifact_bundle_index as i')
    .innerJoin('artifact_bundles as b', 'b.id', 'i.artifact_bundle_id')
    .innerJoin('project_artifact_bundles as p', 'p.artifact_bundle_id', 'b.id')
    .innerJoin('release_artifact_bundles as r', 'r.artifact_bundle_id', 'b.id')
    .selectAll('b')
    .select('i.url as matched_url')
    .where('p.project_id', '=', projectId)
    .where('r.release_name', '=', release)
    .where('r.dist_name', '=', dist)
    .whereRef('i.organization_id', '=', 'b.organization_id')
    .where('i.url', 'in', [...new Set(urls)])
    .orderBy('b.date_added', 'desc')
    .orderBy('b.id', 'desc')
    .execute();
  return rows.map(({ matched_url: url, ...bundle }) => ({ bundle, url }));
}

/** The bundles linked to a project (`b` and `p` aliases), every column of the bundle selected. */
function projectBundles(store: MetadataStore, projectId: number) {
  return store.db
    .selectFrom('artifact_bundles as b')
    .innerJoin('project_artifact_bundles as p', 'p.artifact_bundle_id', 'b.id')
    .selectAll('b')
    .where('p.project_id', '=', projectId);
}

/** True when any artifact bundle is linked to the project (one indexed probe). */
export async function projectHasArtifactBundles(store: MetadataStore, projectId: number): Promise<boolean> {
  const row = await store.db
    .selectFrom('project_artifact_bundles')
    .select('artifact_bundle_id')
    .where('project_id', '=', projectId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Filter of {@link findReleaseBundles}. */
export interface ReleaseBundlesFilter {
  projectId: number;
  release: string;
  /** `''` = no dist. */
  dist: string;
  /** Only bundles with a manifest URL containing this (case-insensitive). */
  urlContains?: string;
  limit: number;
}

/**
 * The project's bundles associated with a release and dist, most recently added first —
 * optionally only those whose manifest has a URL containing `urlContains` (the artifact-lookup
 * endpoint's `url` is a substring match).
 */
export async function findReleaseBundles(
  store: MetadataStore,
  filter: ReleaseBundlesFilter,
): Promise<ArtifactBundle[]> {
  let query = projectBundles(store, filter.projectId)
    .innerJoin('release_artifact_bundles as r', 'r.artifact_bundle_id', 'b.id')
    .distinct()
    .where('r.release_name', '=', filter.release)
    .where('r.dist_name', '=', filter.dist);
  const needle = filter.urlContains;
  if (needle !== undefined && needle !== '') {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('artifact_bundle_index as i')
          .select('i.artifact_bundle_id')
          .whereRef('i.artifact_bundle_id', '=', 'b.id')
          .where(containsIgnoreCase('i.url', needle)),
      ),
    );
  }
  return query.orderBy('b.date_added', 'desc').orderBy('b.id', 'desc').limit(filter.limit).execute();
}

/** The project's bundle with internal id `id`, or `undefined`. */
export async function getProjectArtifactBundle(
  store: MetadataStore,
  projectId: number,
  id: number,
): Promise<ArtifactBundle | undefined> {
  return projectBundles(store, projectId).where('b.id', '=', id).executeTakeFirst();
}

/** The project's bundle with `bundleId` (the manifest's debug id), or `undefined`. */
export async function getProjectArtifactBundleByBundleId(
  store: MetadataStore,
  projectId: number,
  bundleId: string,
): Promise<ArtifactBundle | undefined> {
  return projectBundles(store, projectId).where('b.bundle_id', '=', bundleId).executeTakeFirst();
}

/** Filter and page of {@link listProjectArtifactBundles}. */
export interface ListArtifactBundlesFilter {
  projectId: number;
  /** Case-insensitive substring of the bundle id, a release or a dist. */
  query?: string;
  /** Order by upload date: newest first (Sentry's default `-date_added`) unless `ascending`. */
  ascending?: boolean;
  limit: number;
  offset: number;
}

/** The project's bundles (Sentry's `ArtifactBundlesEndpoint` list), with their associations. */
export async function listProjectArtifactBundles(
  store: MetadataStore,
  filter: ListArtifactBundlesFilter,
): Promise<ArtifactBundleListing[]> {
  let query = projectBundles(store, filter.projectId);
  const needle = filter.query;
  if (needle !== undefined && needle !== '') {
    query = query.where((eb) =>
      eb.or([
        containsIgnoreCase('b.bundle_id', needle),
        eb.exists(
          eb
            .selectFrom('release_artifact_bundles as r')
            .select('r.artifact_bundle_id')
            .whereRef('r.artifact_bundle_id', '=', 'b.id')
            .where((inner) =>
              inner.or([
                containsIgnoreCase('r.release_name', needle),
                containsIgnoreCase('r.dist_name', needle),
              ]),
            ),
        ),
      ]),
    );
  }
  const direction = filter.ascending === true ? 'asc' : 'desc';
  const bundles = await query
    .orderBy('b.date_uploaded', direction)
    .orderBy('b.id', direction)
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  const associations = new Map<number, Array<{ release: string; dist: string }>>();
  for (const part of batches(
    bundles.map((b) => b.id),
    500,
  )) {
    const rows = await store.db
      .selectFrom('release_artifact_bundles')
      .select(['artifact_bundle_id', 'release_name', 'dist_name'])
      .where('artifact_bundle_id', 'in', part)
      .orderBy('date_added', 'desc')
      .orderBy('release_name')
      .orderBy('dist_name')
      .execute();
    for (const row of rows) {
      const list = associations.get(row.artifact_bundle_id) ?? [];
      list.push({ release: row.release_name, dist: row.dist_name });
      associations.set(row.artifact_bundle_id, list);
    }
  }
  return bundles.map((b) => ({ ...b, associations: associations.get(b.id) ?? [] }));
}

/**
 * Deletes the organization's bundle `bundleId` with its indexes, its chunks no other bundle
 * uses, and the assembly state of its zip (Sentry's `delete_file_for_artifact_bundle`). Returns
 * whether it existed.
 */
export async function deleteArtifactBundle(
  store: MetadataStore,
  organizationId: number,
  bundleId: string,
): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const bundle = await trx
      .selectFrom('artifact_bundles')
      .select(['id', 'checksum'])
      .where('organization_id', '=', organizationId)
      .where('bundle_id', '=', bundleId)
      .executeTakeFirst();
    if (bundle === undefined) return false;
    const used = await bundleChunks(trx, bundle.id);
    await trx.deleteFrom('artifact_bundles').where('id', '=', bundle.id).execute();
    await deleteUnusedBlobs(trx, organizationId, used);
    await trx
      .deleteFrom('assemble_statuses')
      .where('organization_id', '=', organizationId)
      .where('checksum', '=', bundle.checksum)
      .execute();
    return true;
  });
}

type Db = Kysely<Database> | Transaction<Database>;

async function bundleChunks(db: Db, bundleId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('artifact_bundle_blobs')
    .select('checksum')
    .where('artifact_bundle_id', '=', bundleId)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.checksum);
}

/** Deletes the chunks among `checksums` that no bundle of the organization uses. */
async function deleteUnusedBlobs(
  db: Db,
  organizationId: number,
  checksums: readonly string[],
): Promise<void> {
  for (const part of batches([...new Set(checksums)], 500)) {
    await db
      .deleteFrom('file_blobs')
      .where('organization_id', '=', organizationId)
      .where('checksum', 'in', part)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('artifact_bundle_blobs as u')
              .select('u.checksum')
              .where('u.organization_id', '=', organizationId)
              .whereRef('u.checksum', '=', 'file_blobs.checksum'),
          ),
        ),
      )
      .execute();
  }
}

type IndexTable = 'artifact_bundle_blobs' | 'debug_id_artifact_bundles' | 'artifact_bundle_index';

/** Inserts a bundle's index rows in batches (a manifest can list thousands of files). */
async function insertRows<T extends IndexTable>(
  db: Db,
  table: T,
  rows: ReadonlyArray<Parameters<ReturnType<Db['insertInto']>['values']>[0]>,
): Promise<void> {
  for (const part of batches(rows, 200)) {
    await db
      .insertInto(table)
      .values(part as never)
      .execute();
  }
}
