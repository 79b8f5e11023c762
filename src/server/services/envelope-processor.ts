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
import { processErrorItem, type ProcessedErrorEvent } from '../../processing/items/errors/process.js';
import { resolveGroups, type MetadataStore } from '../../storage/metadata/index.js';
import { toDateTime64, type BatchSink, type ErrorEventRow } from '../../storage/clickhouse/index.js';
import type { OutcomeCounter } from './outcome-counter.js';

/** Collaborators of the processor. */
export interface EnvelopeProcessorDeps {
  queue: EnvelopeQueue;
  metadata: MetadataStore;
  eventSink: BatchSink<ErrorEventRow>;
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

  /** Processes one batch; retries the metadata step until it succeeds, so nothing is lost. */
  async processBatch(batch: AcceptedEnvelope[]): Promise<void> {
    const events: Array<{ projectId: number; processed: ProcessedErrorEvent }> = [];
    for (const accepted of batch) {
      for (const item of accepted.envelope.items) {
        const processed = this.processItem(accepted, item);
        if (processed) events.push({ projectId: accepted.projectId, processed });
      }
    }
    if (events.length === 0) return;
    const groups = await this.withRetry('resolve issues', () =>
      resolveGroups(
        this.deps.metadata,
        events.map(({ projectId, processed }) => ({
          projectId,
          hashes: processed.hashes,
          init: {
            ...processed.issue,
            release: processed.event.release,
            timestamp: new Date(processed.record.timestamp),
            eventId: processed.record.event_id,
          },
        })),
      ),
    );
    const rows: ErrorEventRow[] = events.map(({ processed: { record } }, i) => ({
      ...record,
      timestamp: toDateTime64(new Date(record.timestamp)),
      received: toDateTime64(new Date(record.received)),
      group_id: groups[i]!.groupId,
    }));
    while (!this.deps.eventSink.push(rows)) await sleep(20);
  }

  private processItem(accepted: AcceptedEnvelope, item: EnvelopeItem): ProcessedErrorEvent | undefined {
    const { outcomes } = this.deps;
    const type = item.headers.type;
    // Sessions and client reports never produce outcomes (reference/relay-protocol.md §7.3, §13.3).
    if (type === 'session' || type === 'sessions' || type === 'client_report') return undefined;
    if (type !== 'event') {
      // Other item types get their pipelines in issue #3; until then they are counted.
      outcomes.record({ outcome: 'invalid', reason: 'unsupported_item', category: 'unknown', quantity: 1 });
      return undefined;
    }
    const { meta, envelope } = accepted;
    const result = processErrorItem(item.payload, {
      projectId: accepted.projectId,
      receivedAt: meta.receivedAt,
      sentAt: envelope.headers.sent_at,
      envelopeEventId: envelope.headers.event_id,
      clientIp: meta.clientIp,
      userAgent: meta.userAgent,
      clientHints: meta.clientHints,
    });
    if (result.kind === 'drop') {
      outcomes.record({ outcome: result.outcome, reason: result.reason, category: 'error', quantity: 1 });
      return undefined;
    }
    const category = result.value.event.type === 'error' ? 'error' : 'default';
    outcomes.record({ outcome: 'accepted', reason: null, category, quantity: 1 });
    return result.value;
  }

  private async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        this.deps.logger.error({ err, attempt }, `${what} failed; retrying`);
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }
}
