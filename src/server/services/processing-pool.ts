/**
 * Runs the CPU-heavy error pipeline (normalize, scrub, group, extract) on worker threads
 * so it uses every core and leaves the main thread to the HTTP edge, the metadata round
 * trips and the sinks. With `workers: 0`, or when the compiled worker script is absent
 * (running from TypeScript sources), the pipeline runs on the calling thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { runErrorWork, type ErrorWork, type ErrorWorkResult } from './error-work.js';

interface Pending {
  resolve: (results: ErrorWorkResult[]) => void;
  reject: (err: Error) => void;
}

interface WorkerSlot {
  worker: Worker;
  pending: Map<number, Pending>;
}

interface WorkerMessage {
  id: number;
  results?: ErrorWorkResult[];
  error?: string;
}

const WORKER_SCRIPT = fileURLToPath(new URL('./processing-worker.js', import.meta.url));

/** Runs one work item on the calling thread; a pipeline exception (a bug) drops only that item. */
function runInline(work: ErrorWork): ErrorWorkResult {
  try {
    return runErrorWork(work);
  } catch {
    return { kind: 'drop', outcome: 'invalid', reason: 'internal' };
  }
}

/** A fixed pool of processing threads. */
export class ProcessingPool {
  private readonly slots: WorkerSlot[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * @param workers number of threads (default: the machine's available parallelism);
   *   0 runs the pipeline on the calling thread.
   */
  constructor(
    private readonly logger: Logger,
    workers: number,
  ) {
    if (workers <= 0 || !existsSync(WORKER_SCRIPT)) return;
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
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
    if (this.slots.length === 0 || works.length === 0) return works.map(runInline);
    const per = Math.ceil(works.length / this.slots.length);
    const parts = this.slots
      .map((slot, i) => ({ slot, chunk: works.slice(i * per, (i + 1) * per) }))
      .filter((p) => p.chunk.length > 0)
      .map(({ slot, chunk }) => this.send(slot, chunk));
    return (await Promise.all(parts)).flat();
  }

  /** Terminates the threads at once; call it after the last `run` has settled. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private send(slot: WorkerSlot, works: ErrorWork[]): Promise<ErrorWorkResult[]> {
    const id = this.nextId++;
    // Copy each payload out of the request buffer it is a view of, and transfer the copy.
    const copies = works.map((w) => ({ ...w, payload: new Uint8Array(w.payload) }));
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage(
        { id, works: copies },
        copies.map((w) => w.payload.buffer as ArrayBuffer),
      );
    });
  }

  private spawn(): WorkerSlot {
    const slot: WorkerSlot = { worker: new Worker(WORKER_SCRIPT), pending: new Map() };
    slot.worker.on('message', (msg: WorkerMessage) => {
      if (msg.error !== undefined) {
        this.logger.error({ err: msg.error }, 'error pipeline threw; item dropped');
        return;
      }
      const pending = slot.pending.get(msg.id);
      slot.pending.delete(msg.id);
      pending?.resolve(msg.results ?? []);
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
