/**
 * The processing loop between the envelope queue and the sinks (DESIGN.md, "The path of
 * an event", steps 2–3): takes batches of accepted envelopes, runs each item through its
 * pipeline, resolves the batch's grouping hashes to issues with one metadata round trip
 * per batch (never per event), and pushes rows to the batch sink. A full sink stops the
 * loop from taking more work, so the queue fills and the edge answers 503.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope, EnvelopeQueue } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { isJsonObject } from '../../protocol/json.js';
import { resolveGroups, type MetadataStore } from '../../storage/metadata/index.js';
import { withGroupId, type BatchSink } from '../../storage/clickhouse/index.js';
import type { OutcomeCounter } from './outcome-counter.js';
import type { ProcessingPool } from './processing-pool.js';
import type { ErrorWork, ErrorWorkResult } from './error-work.js';

/**
 * The pipeline of a cheap item type (sessions, check-ins, ...), run on the main thread:
 * `handle` processes one item and buffers its rows and outcomes; `flush` hands what the
 * batch produced to the stores and resolves once they took it (back-pressure). A rejected
 * `flush` is retried, so it must keep what it did not store and not repeat what it did.
 */
export interface ItemHandler {
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void;
  flush(): Promise<void>;
}

/** Collaborators of the processor. */
export interface EnvelopeProcessorDeps {
  queue: EnvelopeQueue;
  metadata: MetadataStore;
  /** Sink of `events` rows as JSON lines (see encodeEventRow / jsonLinesWriter). */
  eventSink: BatchSink<string>;
  /** Where the CPU-heavy pipeline runs (worker threads or inline). */
  pool: ProcessingPool;
  /** Pipelines of the other item types, by item type. */
  handlers?: Record<string, ItemHandler>;
  outcomes: OutcomeCounter;
  logger: Logger;
  /** Envelopes taken per batch; default 500. */
  batchSize?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the loop; `stop()` resolves once the queue is drained and every row is handed to the sink. */
export class EnvelopeProcessor {
  private loop: Promise<void> | undefined;
  private stopping = false;
  private inBatch = false;

  /** True while a batch is being processed (taken from the queue, not yet handed to the sink). */
  get busy(): boolean {
    return this.inBatch;
  }

  constructor(private readonly deps: EnvelopeProcessorDeps) {}

  /** Starts the loop (idempotent). */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Drains: the caller closes the queue first (no new envelopes), then this resolves once
   * every queued envelope has been processed and its rows pushed to the sink.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const { queue } = this.deps;
    const batchSize = this.deps.batchSize ?? 500;
    for (;;) {
      const batch = queue.take(batchSize);
      if (batch.length === 0) {
        if (this.stopping) return;
        await Promise.race([queue.waitForWork(), sleep(100)]);
        continue;
      }
      this.inBatch = true;
      try {
        await this.processBatch(batch);
      } finally {
        this.inBatch = false;
      }
    }
  }

  /**
   * Processes one batch. The metadata step is retried until it succeeds (a store outage
   * must not lose accepted events); the processing threads get a few attempts, after which
   * the batch's events are dropped with Relay's `internal` outcome rather than wedging the
   * queue behind a payload that kills a thread.
   */
  async processBatch(batch: AcceptedEnvelope[]): Promise<void> {
    const works: ErrorWork[] = [];
    const handlers = this.deps.handlers ?? {};
    const used = new Set<ItemHandler>();
    for (const accepted of batch) {
      let events = 0;
      for (const item of accepted.envelope.items) {
        const handler = Object.hasOwn(handlers, item.headers.type) ? handlers[item.headers.type] : undefined;
        if (handler) {
          handler.handle(accepted, item);
          used.add(handler);
          continue;
        }
        // One event per envelope; Relay rejects the others as duplicate_item (relay-protocol.md §5.2).
        if (item.headers.type === 'event' && ++events > 1) {
          this.deps.outcomes.record({
            outcome: 'invalid',
            reason: 'duplicate_item',
            category: 'error',
            quantity: 1,
          });
          continue;
        }
        const work = this.toWork(accepted, item);
        if (work) works.push(work);
      }
    }
    await Promise.all([...used].map((h) => this.withRetry('store items', () => h.flush())));
    if (works.length === 0) return;
    const results = await this.withRetry('process events', () => this.deps.pool.run(works), 3);
    if (results === undefined) {
      this.deps.outcomes.record({
        outcome: 'invalid',
        reason: 'internal',
        category: 'error',
        quantity: works.length,
      });
      return;
    }
    const events: Array<Extract<ErrorWorkResult, { kind: 'ok' }>> = [];
    for (const result of results) {
      if (result.kind === 'drop') {
        this.deps.outcomes.record({
          outcome: result.outcome,
          reason: result.reason,
          category: 'error',
          quantity: 1,
        });
        continue;
      }
      const category = result.type === 'error' ? 'error' : 'default';
      this.deps.outcomes.record({ outcome: 'accepted', reason: null, category, quantity: 1 });
      events.push(result);
    }
    if (events.length === 0) return;
    const groups = await this.withRetry('resolve issues', () =>
      resolveGroups(
        this.deps.metadata,
        events.map(({ projectId, timestamp, eventId, hashes, issue, release }) => ({
          projectId,
          hashes,
          init: { ...issue, release, timestamp: new Date(timestamp), eventId },
        })),
      ),
    );
    const rows = events.map(({ line }, i) => withGroupId(line, groups[i]!.groupId));
    while (!this.deps.eventSink.push(rows)) await sleep(20);
  }

  /** The pipeline input of an `event` item; other item types are counted and skipped. */
  private toWork(accepted: AcceptedEnvelope, item: EnvelopeItem): ErrorWork | undefined {
    const type = item.headers.type;
    // Sessions and client reports never produce outcomes (reference/relay-protocol.md §7.3, §13.3).
    if (type === 'session' || type === 'sessions' || type === 'client_report') return undefined;
    if (type !== 'event') {
      // Other item types get their pipelines in issue #3; until then they are counted.
      this.deps.outcomes.record({
        outcome: 'invalid',
        reason: 'unsupported_item',
        category: 'unknown',
        quantity: 1,
      });
      return undefined;
    }
    const { meta, envelope } = accepted;
    return {
      payload: item.payload,
      ctx: {
        projectId: accepted.projectId,
        receivedAt: meta.receivedAt,
        sentAt: envelope.headers.sent_at,
        envelopeEventId: envelope.headers.event_id,
        clientIp: meta.clientIp,
        userAgent: meta.userAgent,
        clientHints: meta.clientHints,
        dscReplayId: isJsonObject(envelope.headers.trace) ? envelope.headers.trace.replay_id : undefined,
      },
    };
  }

  /** Retries `fn` with exponential backoff (≤ 5 s); forever, or `undefined` after `maxAttempts`. */
  private async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T>;
  private async withRetry<T>(what: string, fn: () => Promise<T>, maxAttempts: number): Promise<T | undefined>;
  private async withRetry<T>(
    what: string,
    fn: () => Promise<T>,
    maxAttempts = Infinity,
  ): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= maxAttempts) {
          this.deps.logger.error({ err, attempt }, `${what} failed; giving up on this batch`);
          return undefined;
        }
        this.deps.logger.error({ err, attempt }, `${what} failed; retrying`);
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }
}
