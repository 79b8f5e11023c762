/**
 * Runs the CPU-heavy error pipeline (normalize, filter, scrub, symbolicate, group, extract) on
 * worker threads so it uses every core and leaves the main thread to the HTTP edge, the
 * metadata round trips and the sinks. JavaScript symbolication runs there too: each worker
 * parses source maps into its own byte-bounded cache and maps frames, and asks this thread for
 * the artifacts (the metadata store lives here) through an {@link ArtifactLookupServer}, which
 * answers each distinct lookup of a run once for all workers and sends a file's bytes only to
 * workers that do not have them. With `workers: 0`, or when the worker script is absent
 * (running from TypeScript sources), the pipeline runs on the calling thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import {
  ArtifactLookupServer,
  DEFAULT_ARTIFACT_CACHE_BYTES,
  type ArtifactAnswers,
  JsSymbolicator,
  type ArtifactLookupMessage,
  type ArtifactSource,
} from '../../processing/sourcemaps/index.js';
import { runErrorWorks, type ErrorWork, type ErrorWorkResult } from './error-work.js';
import type { FromWorkerMessage, ToWorkerMessage, WorkerSetup } from './processing-messages.js';

interface Pending {
  resolve: (results: ErrorWorkResult[]) => void;
  reject: (err: Error) => void;
}

interface WorkerSlot {
  worker: Worker;
  pending: Map<number, Pending>;
}

const WORKER_SCRIPT = fileURLToPath(new URL('./processing-worker.js', import.meta.url));

/** The least memory a worker gets for parsed artifacts (a big bundle's map must fit), 64 MiB. */
export const MIN_WORKER_ARTIFACT_CACHE_BYTES = 64 * 1024 * 1024;

/** Options of a {@link ProcessingPool}. */
export interface ProcessingPoolOptions {
  /**
   * Where symbolication finds uploaded JavaScript artifacts (`ArtifactStore`); looked up on the
   * thread that created the pool. Default none: events are not symbolicated.
   */
  artifacts?: ArtifactSource;
  /**
   * Memory for parsed source maps and sources, bytes, default 256 MiB: split evenly between the
   * workers, each getting at least {@link MIN_WORKER_ARTIFACT_CACHE_BYTES}; all of it when the
   * pipeline runs on the calling thread.
   */
  artifactCacheBytes?: number;
  /**
   * The worker's entry script; default the compiled `processing-worker.js` beside this module
   * (tests running from TypeScript sources pass a bundled one).
   */
  workerScript?: string;
}

/** A fixed pool of processing threads. */
export class ProcessingPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly script: string;
  private readonly setup: WorkerSetup;
  private readonly artifacts: ArtifactSource | undefined;
  /** Symbolication on the calling thread (no workers). */
  private readonly inline: JsSymbolicator | undefined;
  private readonly lookups: ArtifactLookupServer | undefined;
  private nextId = 1;
  private closed = false;

  /**
   * @param workers number of threads (default: the machine's available parallelism);
   *   0 runs the pipeline on the calling thread.
   */
  constructor(
    private readonly logger: Logger,
    workers: number,
    options: ProcessingPoolOptions = {},
  ) {
    this.script = options.workerScript ?? WORKER_SCRIPT;
    this.artifacts = options.artifacts;
    const cacheBytes = options.artifactCacheBytes ?? DEFAULT_ARTIFACT_CACHE_BYTES;
    const threads = workers > 0 && existsSync(this.script) ? workers : 0;
    this.setup = {
      symbolicate: this.artifacts !== undefined,
      artifactCacheBytes: Math.max(
        MIN_WORKER_ARTIFACT_CACHE_BYTES,
        Math.floor(cacheBytes / Math.max(1, threads)),
      ),
    };
    if (this.artifacts !== undefined && threads === 0)
      this.inline = new JsSymbolicator({ cacheBytes, logger });
    if (this.artifacts !== undefined && threads > 0)
      this.lookups = new ArtifactLookupServer(this.artifacts, logger);
    for (let i = 0; i < threads; i++) this.slots.push(this.spawn());
  }

  /** Number of worker threads (0 = inline). */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Processes `works` and resolves with one result per work item, in order. Work is
   * split evenly across the threads. A pipeline exception drops only its item (outcome
   * `internal`); rejects only if a thread dies mid-batch.
   */
  async run(works: ErrorWork[]): Promise<ErrorWorkResult[]> {
    if (this.slots.length === 0 || works.length === 0) {
      const { artifacts, inline } = this;
      return runErrorWorks(works, {
        symbolication: artifacts === undefined ? undefined : inline?.batch(artifacts),
        onBug: (err) => this.logger.error({ err }, 'error pipeline threw; item dropped'),
      });
    }
    const run = this.nextId++;
    this.lookups?.begin(run);
    try {
      const per = Math.ceil(works.length / this.slots.length);
      const parts = this.slots
        .map((slot, i) => ({ slot, chunk: works.slice(i * per, (i + 1) * per) }))
        .filter((p) => p.chunk.length > 0)
        .map(({ slot, chunk }) => this.send(slot, run, chunk));
      return (await Promise.all(parts)).flat();
    } finally {
      this.lookups?.end(run);
    }
  }

  /** Terminates the threads at once; call it after the last `run` has settled. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private send(slot: WorkerSlot, run: number, works: ErrorWork[]): Promise<ErrorWorkResult[]> {
    const id = this.nextId++;
    // Copy each payload out of the request buffer it is a view of, and transfer the copy.
    const copies = works.map((w) => ({ ...w, payload: new Uint8Array(w.payload) }));
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      this.post(
        slot,
        { type: 'process', id, run, works: copies },
        copies.map((w) => w.payload.buffer as ArrayBuffer),
      );
    });
  }

  private post(slot: WorkerSlot, message: ToWorkerMessage, transfer: ArrayBuffer[]): void {
    slot.worker.postMessage(message, transfer);
  }

  /**
   * Answers a worker's artifact lookups, always (its batch waits for them): a failure answers
   * "not found" (logged). The answer is dropped if the worker is gone meanwhile.
   */
  private async answerLookups(slot: WorkerSlot, message: ArtifactLookupMessage): Promise<void> {
    let reply: ArtifactAnswers = { answers: message.requests.map(() => null), transfer: [] };
    try {
      if (this.lookups !== undefined) reply = await this.lookups.answer(message.requests);
    } catch (err) {
      this.logger.error({ err }, 'answering artifact lookups failed; the files count as missing');
    }
    if (!this.slots.includes(slot)) return;
    this.post(slot, { type: 'artifact-answer', id: message.id, answers: reply.answers }, reply.transfer);
  }

  private spawn(): WorkerSlot {
    const slot: WorkerSlot = {
      worker: new Worker(this.script, { workerData: this.setup }),
      pending: new Map(),
    };
    slot.worker.on('message', (msg: FromWorkerMessage) => {
      switch (msg.type) {
        case 'log':
          this.logger[msg.level](msg.fields, msg.msg);
          return;
        case 'artifact-lookup':
          void this.answerLookups(slot, msg);
          return;
        case 'results': {
          const pending = slot.pending.get(msg.id);
          slot.pending.delete(msg.id);
          pending?.resolve(msg.results);
          return;
        }
      }
    });
    slot.worker.on('error', (err) => this.logger.error({ err }, 'processing worker failed'));
    slot.worker.on('exit', (code) => {
      for (const p of slot.pending.values())
        p.reject(new Error(`processing worker exited with code ${code}`));
      slot.pending.clear();
      if (this.closed) return;
      // Replace a crashed worker so the pool keeps its size; the batch is retried by the caller.
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
    });
    // Workers stay referenced: during shutdown an in-flight batch may be the only thing
    // keeping the event loop alive, and an unreferenced worker would let the process exit
    // before that batch reaches the sink. close() terminates them.
    return slot;
  }
}
