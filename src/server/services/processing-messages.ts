/**
 * The messages between the {@link ProcessingPool} (main thread) and its worker threads
 * (`processing-worker.ts`): batches of error work and their results, the artifact lookups
 * symbolication asks the main thread for (`src/processing/sourcemaps/artifact-rpc.ts`), and log
 * lines (the worker has no logger of its own). Plain data only (structured clone).
 */
import type { ArtifactAnswerMessage, ArtifactLookupMessage } from '../../processing/sourcemaps/index.js';
import type { ErrorWork, ErrorWorkResult } from './error-work.js';

/** What a worker is started with (`workerData`). */
export interface WorkerSetup {
  /** Whether JavaScript events are symbolicated (the pool has an artifact source). */
  symbolicate: boolean;
  /** Memory for this worker's parsed source maps and sources, bytes. */
  artifactCacheBytes: number;
}

/** Main → worker: a batch to process (`run`: the pool run it belongs to), or artifact answers. */
export type ToWorkerMessage =
  { type: 'process'; id: number; run: number; works: ErrorWork[] } | ArtifactAnswerMessage;

/** A log line of a worker: level, message and fields (`err` as its stack text). */
export interface WorkerLogMessage {
  type: 'log';
  level: 'warn' | 'error';
  msg: string;
  fields: { err: string; lookup?: string };
}

/** Worker → main: the results of a batch (one per work item, in order), lookups, or a log line. */
export type FromWorkerMessage =
  { type: 'results'; id: number; results: ErrorWorkResult[] } | ArtifactLookupMessage | WorkerLogMessage;
