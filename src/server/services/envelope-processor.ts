/**
 * The processing loop between the envelope queue and the sinks (DESIGN.md, "The path of
 * an event", steps 2–3): takes batches of accepted envelopes, runs each item through its
 * pipeline, resolves the batch's grouping hashes to issues with one metadata round trip
 * per batch (never per event), and pushes rows to the batch sink. A full sink stops the
 * loop from taking more work, so the queue fills and the edge answers 503.
 *
 * Items go to the handler registered for their type first; otherwise `event` items and
 * security reports (`raw_security`, converted by src/processing/items/security/, and
 * `security`) run through the error pipeline, one per envelope; every other item type is
 * dropped without an outcome, as a processing Relay drops items it has no pipeline for
 * (reference/relay-protocol.md §3.4).
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope, EnvelopeQueue } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { isJsonObject } from '../../protocol/json.js';
import { resolveGroups, type MetadataStore } from '../../storage/metadata/index.js';
import { pushWhenRoom, withGroupId, type BatchSink } from '../../storage/clickhouse/index.js';
import type { DataCategory } from '../../protocol/data-category.js';
import type { OutcomeScoping } from '../../protocol/outcome.js';
import { securityReportToEvent } from '../../processing/items/security/index.js';
import type { OutcomeCounter } from './outcome-counter.js';
import type { ProcessingPool } from './processing-pool.js';
import type { ErrorWork, ErrorWorkResult } from './error-work.js';
import { ok, type StepResult } from '../../processing/pipeline/result.js';
import { prepareNativeCrash } from '../../processing/items/attachments/index.js';

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

/**
 * The organization, project and DSN key an envelope's outcomes are attributed to (Relay's
 * `Scoping`): every outcome of an item carries the scoping of the envelope it came in.
 */
export function outcomeScoping(accepted: AcceptedEnvelope): OutcomeScoping {
  return { organizationId: accepted.organizationId, projectId: accepted.projectId, keyId: accepted.keyId };
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

/**
 * An event on its way through the processing threads, with what its outcome needs and the
 * threads do not: the category a drop is counted in (`error`, or `security` for reports) and
 * the scoping of its envelope. It stays on the main thread; the pool answers one result per
 * work item in order, so result `i` belongs to entry `i`.
 */
interface EventWork {
  work: ErrorWork;
  dropCategory: DataCategory;
  scoping: OutcomeScoping;
}

/**
 * Item types that create an event through the error pipeline, with the category a dropped one
 * is counted in: `event` (`error`) and security reports (`security`: Relay's `raw_security` from
 * the security endpoint, and the already normalized `security` type of Relay-to-Relay traffic).
 */
const EVENT_ITEM_CATEGORIES: Readonly<Record<string, DataCategory>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, DataCategory>, {
    event: 'error',
    raw_security: 'security',
    security: 'security',
  }),
);

/** The result of an event the processing threads could not process. */
const INTERNAL_DROP: ErrorWorkResult = Object.freeze({
  kind: 'drop',
  outcome: 'invalid',
  reason: 'internal',
});

/** The outcome category of a processed event by its type (Relay's `DataCategory::from(EventType)`). */
function eventTypeCategory(type: string): DataCategory {
  if (type === 'error') return 'error';
  if (type === 'csp' || type === 'hpkp' || type === 'expectct' || type === 'expectstaple') return 'security';
  return 'default';
}

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
    const works: EventWork[] = [];
    const handlers = this.deps.handlers ?? {};
    const used = new Set<ItemHandler>();
    for (const accepted of batch) {
      // Minidumps and Apple crash reports become error events (src/processing/items/attachments/).
      prepareNativeCrash(accepted.envelope);
      let events = 0;
      const scoping = outcomeScoping(accepted);
      for (const item of accepted.envelope.items) {
        const type = item.headers.type;
        const handler = Object.hasOwn(handlers, type) ? handlers[type] : undefined;
        if (handler) {
          handler.handle(accepted, item);
          used.add(handler);
          continue;
        }
        const category = EVENT_ITEM_CATEGORIES[type];
        if (category === undefined) {
          // Relay's processing drops item types it has no pipeline for without an outcome:
          // they have no data category to count in (reference/relay-protocol.md §3.4).
          this.deps.logger.debug({ itemType: type.slice(0, 64) }, 'item type without a pipeline dropped');
          continue;
        }
        // One event per envelope; Relay rejects the others as duplicate_item (relay-protocol.md §5.2).
        if (++events > 1) {
          this.deps.outcomes.record({
            outcome: 'invalid',
            reason: 'duplicate_item',
            category,
            quantity: 1,
            scoping,
          });
          continue;
        }
        const work = this.toWork(accepted, item);
        if (work.kind === 'drop') {
          this.deps.outcomes.record({
            outcome: work.outcome,
            reason: work.reason,
            category,
            quantity: 1,
            scoping,
          });
          continue;
        }
        works.push({ work: work.value, dropCategory: category, scoping });
      }
    }
    await Promise.all([...used].map((h) => this.withRetry('store items', () => h.flush())));
    if (works.length === 0) return;
    const results = await this.withRetry(
      'process events',
      () => this.deps.pool.run(works.map((w) => w.work)),
      3,
    );
    const events: Array<Extract<ErrorWorkResult, { kind: 'ok' }>> = [];
    for (const [i, { dropCategory, scoping }] of works.entries()) {
      // No results (the threads kept failing) drops the batch's events as Relay's `internal`.
      const result = results?.[i] ?? INTERNAL_DROP;
      if (result.kind === 'drop') {
        this.deps.outcomes.record({
          outcome: result.outcome,
          reason: result.reason,
          category: dropCategory,
          quantity: 1,
          scoping,
        });
        continue;
      }
      this.deps.outcomes.record({
        outcome: 'accepted',
        reason: null,
        category: eventTypeCategory(result.type),
        quantity: 1,
        scoping,
      });
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
    await pushWhenRoom(this.deps.eventSink, rows);
  }

  /**
   * The error-pipeline input of an event-creating item: an `event` or `security` item as is, a
   * `raw_security` report converted into its event first (src/processing/items/security/),
   * which may already drop it with Relay's outcome.
   */
  private toWork(accepted: AcceptedEnvelope, item: EnvelopeItem): StepResult<ErrorWork> {
    const { meta, envelope } = accepted;
    let payload: Uint8Array = item.payload;
    if (item.headers.type === 'raw_security') {
      const { sentry_release: release, sentry_environment: environment } = item.headers;
      const report = securityReportToEvent(item.payload, {
        ...(typeof release === 'string' ? { release } : {}),
        ...(typeof environment === 'string' ? { environment } : {}),
        ...(meta.origin !== undefined ? { origin: meta.origin } : {}),
      });
      if (report.kind === 'drop') return report;
      payload = Buffer.from(JSON.stringify(report.value.event));
    }
    return ok({
      payload,
      ctx: {
        projectId: accepted.projectId,
        keyId: accepted.keyId,
        receivedAt: meta.receivedAt,
        sentAt: envelope.headers.sent_at,
        envelopeEventId: envelope.headers.event_id,
        clientIp: meta.clientIp,
        userAgent: meta.userAgent,
        clientHints: meta.clientHints,
        dscReplayId: isJsonObject(envelope.headers.trace) ? envelope.headers.trace.replay_id : undefined,
      },
    });
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
