/**
 * The bounded in-memory queue between the ingest edge and processing (DESIGN.md, "The path of
 * an event", steps 1–3): the edge pushes accepted envelopes, the processing loop takes batches.
 * A full queue makes `push` return false, which the edge answers with 503 (Relay's
 * `QueueFailed`, reference/relay-protocol.md §1.3).
 */
import type { AcceptedEnvelope } from './types.js';

/** Bounds of an {@link EnvelopeQueue}. */
export interface EnvelopeQueueOptions {
  /** Maximum number of queued envelopes. */
  maxEnvelopes: number;
  /** Maximum sum of queued `sizeBytes`, in bytes. */
  maxBytes: number;
}

/**
 * FIFO of {@link AcceptedEnvelope}s bounded by count and by bytes (`sizeBytes`).
 *
 * Drain semantics: {@link close} stops accepting (`push` returns false from then on) and wakes
 * every waiter, but envelopes already queued stay takeable, so a consumer drains them with
 * `take` until `size` is 0. After close, {@link waitForWork} resolves immediately.
 */
export class EnvelopeQueue {
  private items: Array<AcceptedEnvelope | undefined> = [];
  private head = 0;
  private queuedBytes = 0;
  private isClosed = false;
  private waiters: Array<() => void> = [];

  /** Throws RangeError when a bound is not a positive number (a configuration bug). */
  constructor(private readonly options: EnvelopeQueueOptions) {
    if (!(options.maxEnvelopes > 0) || !(options.maxBytes > 0)) {
      throw new RangeError('EnvelopeQueue bounds must be positive');
    }
  }

  /** The `maxEnvelopes` bound. */
  get maxEnvelopes(): number {
    return this.options.maxEnvelopes;
  }

  /** Number of queued envelopes. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Sum of the queued envelopes' `sizeBytes`, in bytes. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** True when {@link push} would refuse any envelope: closed, or at either bound. */
  get isFull(): boolean {
    return (
      this.isClosed ||
      this.size >= this.options.maxEnvelopes ||
      (this.size > 0 && this.queuedBytes >= this.options.maxBytes)
    );
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Appends `envelope`; returns false (and queues nothing) when closed, when `maxEnvelopes` are
   * queued, or when its bytes would exceed `maxBytes`. A single envelope larger than `maxBytes`
   * is accepted only into an empty queue, so it cannot be refused forever.
   */
  push(envelope: AcceptedEnvelope): boolean {
    if (this.isClosed || this.size >= this.options.maxEnvelopes) return false;
    if (this.size > 0 && this.queuedBytes + envelope.sizeBytes > this.options.maxBytes) return false;
    this.items.push(envelope);
    this.queuedBytes += envelope.sizeBytes;
    this.wake();
    return true;
  }

  /**
   * Appends all of `envelopes` or none (returns false): the bounds are checked for the whole
   * group, with the same exception for an empty queue as {@link push}. Used to move a batch
   * read back from the disk spool in one step, so it is never half in memory, half on disk.
   */
  pushAll(envelopes: readonly AcceptedEnvelope[]): boolean {
    if (this.isClosed || this.size + envelopes.length > this.options.maxEnvelopes) return false;
    const bytes = envelopes.reduce((sum, envelope) => sum + envelope.sizeBytes, 0);
    if (this.size > 0 && this.queuedBytes + bytes > this.options.maxBytes) return false;
    for (const envelope of envelopes) this.items.push(envelope);
    this.queuedBytes += bytes;
    if (envelopes.length > 0) this.wake();
    return true;
  }

  /** Removes and returns up to `max` envelopes, oldest first; never waits (empty array if none). */
  take(max: number): AcceptedEnvelope[] {
    const count = Math.max(0, Math.min(Math.floor(max), this.size));
    const taken: AcceptedEnvelope[] = [];
    for (let i = 0; i < count; i++) {
      const envelope = this.items[this.head];
      this.items[this.head] = undefined;
      this.head++;
      if (envelope) {
        this.queuedBytes -= envelope.sizeBytes;
        taken.push(envelope);
      }
    }
    this.compact();
    return taken;
  }

  /**
   * Resolves when at least one envelope is queued, when the queue is closed, or when `signal`
   * aborts; immediately if one of those already holds. Never rejects; callers re-check `size`.
   */
  waitForWork(signal?: AbortSignal): Promise<void> {
    if (this.size > 0 || this.isClosed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops accepting envelopes and wakes all waiters; queued envelopes remain takeable. Idempotent. */
  close(): void {
    this.isClosed = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Drops the consumed prefix once it dominates the backing array (amortised O(1) take). */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
