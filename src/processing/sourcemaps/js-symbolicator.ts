/**
 * The error pipeline's JavaScript symbolication step (issue 5; reference/sentry-semantics.md
 * §9), one per processing thread: parsed source maps and sources stay in the thread's
 * {@link ArtifactCache} across batches, and the lookups of one batch of events go to the
 * {@link ArtifactSource} once each ({@link BatchLookups}). On a worker thread the source is a
 * `RemoteArtifactSource` (lookups answered by the main thread, where the metadata store is);
 * parsing and frame mapping stay on the thread that runs the pipeline.
 *
 * Only JavaScript events with handled frames and a release or debug ids are symbolicated (see
 * `symbolicate-event.ts`); for the others a batch answers `false` without a lookup.
 */
import type { JsonObject } from '../../protocol/json.js';
import type { ArtifactSource } from './artifact-source.js';
import { ArtifactCache, BatchLookups, DEFAULT_ARTIFACT_CACHE_BYTES } from './artifacts.js';
import { symbolicateEvent } from './symbolicate-event.js';

/** Where symbolication logs (a pino logger, or a thread's forwarder to the main thread's). */
export interface SymbolicationLogger {
  warn(fields: { err: unknown; lookup?: string }, msg: string): void;
  error(fields: { err: unknown }, msg: string): void;
}

/** Options of a {@link JsSymbolicator}. */
export interface JsSymbolicatorOptions {
  /** Where lookup failures and symbolication bugs are logged; default: silent. */
  logger?: SymbolicationLogger;
  /** Memory for parsed source maps and sources on this thread, bytes; default 256 MiB. */
  cacheBytes?: number;
}

/** The symbolication of one batch of events: lookups shared by its events. */
export interface SymbolicationBatch {
  /**
   * Symbolicates `event` (of project `projectId`) in place; resolves with whether it changed.
   * Never rejects: an event that fails (a bug) is logged and left as it was.
   */
  symbolicate(event: JsonObject, projectId: number): Promise<boolean>;
}

/** Resolves minified JavaScript stack traces with the artifacts of an {@link ArtifactSource}. */
export class JsSymbolicator {
  private readonly cache: ArtifactCache;
  private readonly logger: JsSymbolicatorOptions['logger'];

  constructor(options: JsSymbolicatorOptions = {}) {
    this.cache = new ArtifactCache(options.cacheBytes ?? DEFAULT_ARTIFACT_CACHE_BYTES);
    this.logger = options.logger;
  }

  /** Bytes of parsed artifacts currently cached. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /**
   * Starts a batch whose lookups go to `source`, each distinct lookup once; a lookup that fails
   * is logged and counts as a missing file.
   */
  batch(source: ArtifactSource): SymbolicationBatch {
    const lookups = new BatchLookups(source, (err, lookup) =>
      this.logger?.warn({ err, lookup }, 'artifact lookup failed; the file counts as missing'),
    );
    return {
      symbolicate: async (event, projectId) => {
        try {
          return await symbolicateEvent(event, { projectId, lookups, cache: this.cache });
        } catch (err) {
          this.logger?.error({ err }, 'JavaScript symbolication failed; event processed unsymbolicated');
          return false;
        }
      },
    };
  }
}
