/**
 * Uploaded chunks and assembly states (reference/sentry-semantics.md §8.3): chunks by
 * organization and sha1 hex (Sentry's `FileBlob` + `FileBlobOwner`), and the state of each
 * artifact-bundle assembly by zip checksum (Sentry's `get/set_assemble_status`, kept ten
 * minutes). Both live in the metadata store so every node sees uploads and can answer polls.
 */
import { chunks as batches, isoDate } from './columns.js';
import type { MetadataStore } from './store.js';

/** How long an assemble state is kept (Sentry caches it for 600 s). */
export const ASSEMBLE_STATUS_TTL_MS = 600_000;

/** A stored assembly state (`not_found` is never stored: it is the absence of one). */
export type AssembleState = 'created' | 'assembling' | 'ok' | 'error';

/** An assembly's state and its detail (the error message of `error`). */
export interface AssembleStatus {
  state: AssembleState;
  detail: string | null;
}

/** Stores chunks of organization `organizationId` by their sha1 hex; existing ones are kept. */
export async function putFileBlobs(
  store: MetadataStore,
  organizationId: number,
  blobs: ReadonlyArray<{ checksum: string; data: Buffer }>,
): Promise<void> {
  const now = isoDate(store.now());
  const unique = new Map(blobs.map((b) => [b.checksum, b.data]));
  // Few rows per statement: each carries up to a chunk (8 MiB) of parameter data.
  for (const part of batches([...unique], 4)) {
    await store.db
      .insertInto('file_blobs')
      .values(
        part.map(([checksum, data]) => ({
          organization_id: organizationId,
          checksum,
          size: data.length,
          data,
          date_created: now,
        })),
      )
      .onConflict((oc) => oc.columns(['organization_id', 'checksum']).doNothing())
      .execute();
  }
}

/** The checksums of `checksums` the organization has no chunk for, once each, in input order. */
export async function findMissingFileBlobs(
  store: MetadataStore,
  organizationId: number,
  checksums: readonly string[],
): Promise<string[]> {
  const wanted = [...new Set(checksums)];
  const present = new Set<string>();
  for (const part of batches(wanted, 500)) {
    const rows = await store.db
      .selectFrom('file_blobs')
      .select('checksum')
      .where('organization_id', '=', organizationId)
      .where('checksum', 'in', part)
      .execute();
    for (const row of rows) present.add(row.checksum);
  }
  return wanted.filter((c) => !present.has(c));
}

/** The organization's chunks among `checksums`, by checksum (missing ones are absent). */
export async function readFileBlobs(
  store: MetadataStore,
  organizationId: number,
  checksums: readonly string[],
): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  for (const part of batches([...new Set(checksums)], 16)) {
    const rows = await store.db
      .selectFrom('file_blobs')
      .select(['checksum', 'data'])
      .where('organization_id', '=', organizationId)
      .where('checksum', 'in', part)
      .execute();
    for (const row of rows) result.set(row.checksum, Buffer.from(row.data));
  }
  return result;
}

/** The live (younger than {@link ASSEMBLE_STATUS_TTL_MS}) assembly state of a zip, or `undefined`. */
export async function getAssembleStatus(
  store: MetadataStore,
  organizationId: number,
  checksum: string,
): Promise<AssembleStatus | undefined> {
  const row = await store.db
    .selectFrom('assemble_statuses')
    .select(['state', 'detail'])
    .where('organization_id', '=', organizationId)
    .where('checksum', '=', checksum)
    .where('date_updated', '>', staleBefore(store))
    .executeTakeFirst();
  return row === undefined ? undefined : { state: row.state as AssembleState, detail: row.detail };
}

/**
 * Records state `created` for a zip unless a live state exists; returns whether this call did,
 * i.e. whether the caller is the one to assemble it (one winner among concurrent nodes).
 */
export async function claimAssembly(
  store: MetadataStore,
  organizationId: number,
  checksum: string,
): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('assemble_statuses')
      .where('organization_id', '=', organizationId)
      .where('checksum', '=', checksum)
      .where('date_updated', '<=', staleBefore(store))
      .execute();
    const inserted = await trx
      .insertInto('assemble_statuses')
      .values({
        organization_id: organizationId,
        checksum,
        state: 'created',
        detail: null,
        date_updated: isoDate(store.now()),
      })
      .onConflict((oc) => oc.columns(['organization_id', 'checksum']).doNothing())
      .returning('checksum')
      .executeTakeFirst();
    return inserted !== undefined;
  });
}

/** Sets a zip's assembly state (and restarts its ten minutes). */
export async function setAssembleStatus(
  store: MetadataStore,
  organizationId: number,
  checksum: string,
  state: AssembleState,
  detail: string | null = null,
): Promise<void> {
  const now = isoDate(store.now());
  await store.db
    .insertInto('assemble_statuses')
    .values({ organization_id: organizationId, checksum, state, detail, date_updated: now })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'checksum']).doUpdateSet({ state, detail, date_updated: now }),
    )
    .execute();
}

function staleBefore(store: MetadataStore): string {
  return isoDate(new Date(store.now().getTime() - ASSEMBLE_STATUS_TTL_MS));
}
