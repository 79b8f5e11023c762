/**
 * Assembling an uploaded artifact bundle from its chunks (reference/sentry-semantics.md §8.3),
 * as Sentry's `assemble_artifacts` task with `ArtifactBundlePostAssembler` does
 * (`src/sentry/tasks/assemble.py`): state `assembling`; all chunks present and the whole sha1
 * right; the zip and manifest readable; then the bundle is stored and indexed and the state
 * becomes `ok` — or `error` with Sentry's detail. Jobs run in the background of the request
 * that started them; states live in the metadata store, so another node can answer the polls.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  SOURCE_FILE_TYPES,
  readFileBlobs,
  setAssembleStatus,
  storeArtifactBundle,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { InvalidSourceBundle, SourceBundle, normalizeDebugId } from './source-bundle.js';

/** Largest bundle assembled, in bytes (Sentry's default `system.maximum-file-size`, 2 GiB). */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024 * 1024;

/** One assembly request, validated by the endpoint. */
export interface AssembleJob {
  organizationId: number;
  /** The projects the bundle is uploaded for (at least one). */
  projectIds: readonly number[];
  /** The request's `version`; the manifest's `release` when absent. */
  version?: string;
  /** The request's `dist`; the manifest's `dist` when absent. */
  dist?: string;
  /** sha1 hex of the whole zip. */
  checksum: string;
  /** sha1 hex of each chunk, in order. */
  chunks: readonly string[];
}

/** Why an assembly failed, with Sentry's detail message. */
class AssembleError extends Error {}

/** Runs assemblies, each in the background, and waits for them on shutdown. */
export class ArtifactAssembler {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly logger?: Pick<Logger, 'error'>,
  ) {}

  /** Starts `job` without waiting for it; its outcome is only visible as the assemble state. */
  start(job: AssembleJob): void {
    const run = this.assemble(job).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when every started assembly has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Assembles `job` and records its final state; never rejects. */
  async assemble(job: AssembleJob): Promise<void> {
    const { organizationId, checksum } = job;
    try {
      await setAssembleStatus(this.metadata, organizationId, checksum, 'assembling');
      const zip = await this.concatenate(job);
      await this.index(job, zip);
      await setAssembleStatus(this.metadata, organizationId, checksum, 'ok');
    } catch (error) {
      const detail = error instanceof AssembleError ? error.message : 'internal server error';
      if (!(error instanceof AssembleError)) {
        this.logger?.error({ err: error, checksum }, 'failed to assemble artifact bundle');
      }
      await setAssembleStatus(this.metadata, organizationId, checksum, 'error', detail).catch(
        (err: unknown) => this.logger?.error({ err, checksum }, 'could not record an assemble state'),
      );
    }
  }

  /** The zip: the chunks concatenated, checked for presence, size and the whole sha1. */
  private async concatenate(job: AssembleJob): Promise<Buffer> {
    const blobs = await readFileBlobs(this.metadata, job.organizationId, job.chunks);
    if (job.chunks.some((c) => !blobs.has(c))) {
      throw new AssembleError('Not all chunks available for assembling');
    }
    const size = job.chunks.reduce((sum, c) => sum + (blobs.get(c)?.length ?? 0), 0);
    if (size > MAX_BUNDLE_BYTES) {
      throw new AssembleError(
        `File bundle-artifacts.zip exceeds maximum size (${size} > ${MAX_BUNDLE_BYTES})`,
      );
    }
    const zip = Buffer.concat(job.chunks.map((c) => blobs.get(c) ?? Buffer.alloc(0)));
    if (createHash('sha1').update(zip).digest('hex') !== job.checksum) {
      throw new AssembleError('Reported checksum mismatch');
    }
    return zip;
  }

  /** Opens the zip and stores the bundle with its indexes (an empty bundle is dropped, as in Sentry). */
  private async index(job: AssembleJob, zip: Buffer): Promise<void> {
    let bundle: SourceBundle;
    try {
      bundle = SourceBundle.open(zip);
    } catch (error) {
      if (error instanceof InvalidSourceBundle) throw new AssembleError('the bundle is invalid');
      throw error;
    }
    if (bundle.files.length === 0) return;
    const release = job.version || bundle.attributes.release || undefined;
    const dist = job.dist || bundle.attributes.dist || undefined;
    const bundleId = (bundle.bundleId ?? normalizeDebugId(job.checksum) ?? randomUUID()).slice(0, 36);
    const files = bundle.files
      .filter((f) => f.url !== undefined)
      .map((f) => ({
        url: f.url ?? '',
        debugId: f.debugId,
        sourceFileType: f.type === undefined ? undefined : SOURCE_FILE_TYPES[f.type],
      }));
    const hasDebugIds = files.some((f) => f.debugId !== undefined && f.sourceFileType !== undefined);
    if (!hasDebugIds && release === undefined) {
      throw new AssembleError('uploading a bundle without debug ids or release is prohibited');
    }
    await storeArtifactBundle(this.metadata, {
      organizationId: job.organizationId,
      bundleId,
      checksum: job.checksum,
      size: zip.length,
      chunks: job.chunks,
      artifactCount: bundle.files.length,
      projectIds: job.projectIds,
      release,
      dist: release === undefined ? undefined : dist,
      files,
    });
  }
}
