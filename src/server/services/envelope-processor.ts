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
import {
  pushWhenRoom,
  SinkClosedError,
  withGroupId,
  type BatchSink,
} from '../../storage/clickhouse/index.js';
import type { DataCategory } from '../../protocol/data-category.js';
import type { Outcome, OutcomeScoping, OutcomeType } from '../../protocol/outcome.js';
import { securityReportToEvent } from '../../processing/items/security/index.js';
import type { OutcomeCounter } from './outcome-counter.js';
import type { QuotaEnforcer } from './quota-enforcer.js';
import { itemOutcomeQuantities } from '../../quotas/envelope-limiter.js';
import type { ProcessingPool } from './processing-pool.js';
import type { ErrorWork, ErrorWorkResult } from './error-work.js';
import { ok, type StepResult } from '../../processing/pipeline/result.js';
import { prepareNativeCrash } from '../../processing/items/attachments/index.js';

/**
 * The pipeline of a cheap item type (sessions, check-ins, ...), run on the main thread:
 * `handle` processes one item and buffers its rows and outcomes; `flush` hands what the
 * batch produced to the stores and resolves once they took it (back-pressure). A rejected
 * `flush` is retried, so it must keep what it did not store and not repeat what it did.
 *
 * At shutdown with a store down the processor may give up on a flush that waits for a store;
 * the items of that handler are then spooled again whole and replayed at the next start. So a
 * flush must push its rows to the sinks only after its last store round trip (sinks take every
 * push during shutdown, so a flush that started pushing finishes), and the outcomes `handle`
 * records are held by the processor (`OutcomeCounter.capture`) until the flush resolved.
 */
export interface ItemHandler {
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void;
  flush(): Promise<void>;
  /**
   * Set when this handler hands its items to another one (NEL → logs) whose `flush` stores
   * them: the processor then flushes only that one, once per batch, and accounts the items to it.
   */
  readonly delegate?: ItemHandler;
}

/**
 * The organization, project and DSN key an envelope's outcomes are attributed to (Relay's
 * `Scoping`): every outcome of an item carries the scoping of the envelope it came in.
 */
export function outcomeScoping(
  accepted: Pick<AcceptedEnvelope, 'organizationId' | 'projectId' | 'keyId'>,
): OutcomeScoping {
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
  /** Counts each envelope against its project's quotas before its items are processed; default none. */
  quotas?: Pick<QuotaEnforcer, 'enforce'>;
  logger: Logger;
  /** Envelopes taken per batch; default 500. */
  batchSize?: number;
  /**
   * Runs over the batch's events before the processing threads, replacing the payload of the
   * ones it changes (JavaScript source maps, `JsSymbolicator.symbolicate` in
   * src/processing/sourcemaps/); never rejects. Default none.
   */
  symbolicate?: (works: ErrorWork[]) => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A processing step given up because the processor was aborted (shutdown with a store down). */
class ProcessingAborted extends Error {
  override name = 'ProcessingAborted';
}

/**
 * `work`, or a rejection with {@link ProcessingAborted} as soon as `signal` aborts. Work given
 * up that way keeps running; its late rejection is swallowed (it must not crash the process).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new ProcessingAborted('processing was aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ProcessingAborted('processing was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** An envelope item on its way, with its envelope. */
interface ItemSource {
  accepted: AcceptedEnvelope;
  item: EnvelopeItem;
}

/** An item handed to a handler, with the outcomes its `handle` recorded (held until it is stored). */
interface HandledItem extends ItemSource {
  outcomes: Outcome[];
}

/**
 * The envelopes of `batch` cut down to the items in `left` (wire order kept), for spooling what a
 * batch given up did not finish; envelopes with none of them are left out.
 */
function unfinishedEnvelopes(
  batch: readonly AcceptedEnvelope[],
  left: readonly ItemSource[],
): AcceptedEnvelope[] {
  const items = new Set(left.map((source) => source.item));
  const envelopes: AcceptedEnvelope[] = [];
  for (const accepted of batch) {
    const kept = accepted.envelope.items.filter((item) => items.has(item));
    if (kept.length === 0) continue;
    envelopes.push({
      ...accepted,
      envelope: { headers: accepted.envelope.headers, items: kept },
      sizeBytes: kept.reduce((n, item) => n + item.payload.length, 0),
    });
  }
  return envelopes;
}

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
  /** The item it came from, spooled again if the batch is given up before the event is stored. */
  source: ItemSource;
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

/**
 * Item types that belong to the envelope's event (Relay's `requires_event`): when the event is
 * dropped (invalid, filtered, rate limited) they are dropped with the same outcome, so they wait
 * for the event's result before their handler sees them.
 */
const REQUIRES_EVENT: ReadonlySet<string> = new Set(['attachment', 'user_report']);

/** An item waiting for its envelope's event: handed on if the event is kept, else dropped like it. */
interface DependentItem {
  accepted: AcceptedEnvelope;
  item: EnvelopeItem;
  handler: ItemHandler;
  /** The event's fate: its index in the batch's works, or the outcome that already dropped it. */
  event: number | EventDrop;
}

/** The outcome that dropped an event. */
interface EventDrop {
  outcome: Exclude<OutcomeType, 'accepted'>;
  reason: string;
}

/** What became of a processed event: kept, or dropped with an outcome. */
type EventFate = true | EventDrop;

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

/**
 * Runs the loop; `stop()` resolves once the queue is drained and every row is handed to the sink,
 * `abort()` gives up on the batch in flight and returns what it did not finish.
 */
export class EnvelopeProcessor {
  private loop: Promise<void> | undefined;
  private stopping = false;
  private inBatch = false;
  private readonly aborter = new AbortController();
  /** Store steps currently between a failure and their next success (see {@link storesFailing}). */
  private failingStoreSteps = 0;
  /** What batches given up by {@link abort} did not finish. */
  private unfinished: AcceptedEnvelope[] = [];

  /** True while a batch is being processed (taken from the queue, not yet handed to the sink). */
  get busy(): boolean {
    return this.inBatch;
  }

  /**
   * True while a store round trip of the batch in flight (metadata, a handler's flush) keeps
   * failing and is being retried; false again once it succeeded.
   */
  get storesFailing(): boolean {
    return this.failingStoreSteps > 0;
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

  /**
   * Gives up (shutdown while a store is down): the batch in flight stops at its next wait for a
   * store or a full sink, no further batch is taken, and this resolves with what the batch did
   * not finish — its envelopes cut down to the items that reached neither a sink nor a final
   * outcome — for the caller to spool. Envelopes still queued stay in the queue. Close the sinks
   * first (in the same tick): a store call given up may still resolve later, and a closed sink
   * makes its rows bounce instead of being stored next to their spooled items.
   */
  async abort(): Promise<AcceptedEnvelope[]> {
    this.stopping = true;
    this.aborter.abort();
    await this.loop;
    return this.unfinished.splice(0);
  }

  private async run(): Promise<void> {
    const { queue } = this.deps;
    const batchSize = this.deps.batchSize ?? 500;
    const signal = this.aborter.signal;
    for (;;) {
      if (signal.aborted) return;
      const batch = queue.take(batchSize);
      if (batch.length === 0) {
        if (this.stopping) return;
        // A timeout signal, not a race with a sleep: the waiter is removed when it fires.
        await queue.waitForWork(AbortSignal.timeout(100));
        continue;
      }
      this.inBatch = true;
      try {
        this.unfinished.push(...(await this.processBatch(batch, signal)));
      } finally {
        this.inBatch = false;
      }
    }
  }

  /**
   * Processes one batch. The metadata step is retried until it succeeds (a store outage
   * must not lose accepted events); the processing threads get a few attempts, after which
   * the batch's events are dropped with Relay's `internal` outcome rather than wedging the
   * queue behind a payload that kills a thread. Handlers are flushed one after the other.
   *
   * Resolves with nothing once the batch is done; when `signal` aborts first, resolves with the
   * envelopes of the batch cut down to their unfinished items (see {@link abort}).
   */
  async processBatch(batch: AcceptedEnvelope[], signal?: AbortSignal): Promise<AcceptedEnvelope[]> {
    const works: EventWork[] = [];
    const handlers = this.deps.handlers ?? {};
    const handlerOf = (type: string): ItemHandler | undefined =>
      Object.hasOwn(handlers, type) ? handlers[type] : undefined;
    /** Items by the handler whose flush stores them, in batch order. */
    const handled = new Map<ItemHandler, HandledItem[]>();
    const hand = (accepted: AcceptedEnvelope, item: EnvelopeItem, handler: ItemHandler): void => {
      const outcomes = this.deps.outcomes.capture(() => handler.handle(accepted, item));
      const owner = handler.delegate ?? handler;
      const items = handled.get(owner) ?? [];
      items.push({ accepted, item, outcomes });
      handled.set(owner, items);
    };
    /** Items waiting for their envelope's event (Relay's `requires_event`). */
    let dependents: DependentItem[] = [];
    const { quotas } = this.deps;
    if (quotas) await Promise.all(batch.map((accepted) => quotas.enforce(accepted)));
    for (const accepted of batch) {
      // Minidumps and Apple crash reports become error events (src/processing/items/attachments/).
      prepareNativeCrash(accepted.envelope);
      const scoping = outcomeScoping(accepted);
      // The envelope's event (the first event-creating item without a handler of its own).
      let event: DependentItem['event'] | undefined;
      const waiting: Array<{ item: EnvelopeItem; handler: ItemHandler }> = [];
      for (const item of accepted.envelope.items) {
        const type = item.headers.type;
        const handler = handlerOf(type);
        if (handler) {
          if (REQUIRES_EVENT.has(type)) waiting.push({ item, handler });
          else hand(accepted, item, handler);
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
        if (event !== undefined) {
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
          event = { outcome: work.outcome, reason: work.reason };
          continue;
        }
        event = works.length;
        works.push({ work: work.value, dropCategory: category, scoping, source: { accepted, item } });
      }
      for (const { item, handler } of waiting) {
        // Without an event in the envelope (attachments uploaded after their event) they stand alone.
        if (event === undefined) hand(accepted, item, handler);
        else dependents.push({ accepted, item, handler, event });
      }
    }
    /** Events not yet stored (and without a final outcome). */
    let pendingEvents: EventWork[] = works;
    try {
      await this.flushHandled(handled, signal);
      const fates: EventFate[] = works.map(() => true);
      if (works.length > 0) {
        const { symbolicate } = this.deps;
        if (symbolicate) await untilAborted(symbolicate(works.map((w) => w.work)), signal);
        const results = await this.withRetry(
          'process events',
          () => this.deps.pool.run(works.map((w) => w.work)),
          signal,
          3,
        );
        const events: Array<{ result: Extract<ErrorWorkResult, { kind: 'ok' }>; work: EventWork }> = [];
        for (const [i, work] of works.entries()) {
          // No results (the threads kept failing) drops the batch's events as Relay's `internal`.
          const result = results?.[i] ?? INTERNAL_DROP;
          if (result.kind === 'drop') {
            this.deps.outcomes.record({
              outcome: result.outcome,
              reason: result.reason,
              category: work.dropCategory,
              quantity: 1,
              scoping: work.scoping,
            });
            fates[i] = { outcome: result.outcome, reason: result.reason };
            continue;
          }
          events.push({ result, work });
        }
        pendingEvents = events.map(({ work }) => work);
        if (events.length > 0) await this.storeEvents(events, signal);
        pendingEvents = [];
      }
      // Items that require an event follow its fate: stored with it, or dropped with its outcome.
      for (const { accepted, item, handler, event } of dependents) {
        const fate = typeof event === 'number' ? fates[event]! : event;
        if (fate === true) {
          hand(accepted, item, handler);
          continue;
        }
        const scoping = outcomeScoping(accepted);
        for (const [category, quantity] of itemOutcomeQuantities(item)) {
          this.deps.outcomes.record({ outcome: fate.outcome, reason: fate.reason, category, quantity, scoping });
        }
      }
      dependents = [];
      await this.flushHandled(handled, signal);
      return [];
    } catch (err) {
      if (!(err instanceof ProcessingAborted || err instanceof SinkClosedError)) throw err;
      const left = [
        ...[...handled.values()].flat(),
        ...pendingEvents.map((w) => w.source),
        ...dependents.map(({ accepted, item }) => ({ accepted, item })),
      ];
      return unfinishedEnvelopes(batch, left);
    }
  }

  /**
   * Flushes the handlers that were handed items, one after the other (NEL and log items share the
   * logs handler, which must not push twice), committing each item's held outcomes once stored.
   */
  private async flushHandled(handled: Map<ItemHandler, HandledItem[]>, signal?: AbortSignal): Promise<void> {
    for (const [handler, items] of [...handled]) {
      await this.withRetry('store items', () => handler.flush(), signal);
      handled.delete(handler);
      for (const { outcomes } of items) this.deps.outcomes.commit(outcomes);
    }
  }

  /** Resolves the events' issues, hands their rows to the sink, then counts them accepted. */
  private async storeEvents(
    events: Array<{ result: Extract<ErrorWorkResult, { kind: 'ok' }>; work: EventWork }>,
    signal?: AbortSignal,
  ): Promise<void> {
    const groups = await this.withRetry(
      'resolve issues',
      () =>
        resolveGroups(
          this.deps.metadata,
          events.map(({ result: { projectId, timestamp, eventId, hashes, issue, release } }) => ({
            projectId,
            hashes,
            init: { ...issue, release, timestamp: new Date(timestamp), eventId },
          })),
        ),
      signal,
    );
    const rows = events.map(({ result }, i) => withGroupId(result.line, groups[i]!.groupId));
    // Rejects with SinkClosedError only at shutdown, when the sinks were closed for an abort.
    await pushWhenRoom(this.deps.eventSink, rows);
    for (const { result, work } of events) {
      this.deps.outcomes.record({
        outcome: 'accepted',
        reason: null,
        category: eventTypeCategory(result.type),
        quantity: 1,
        scoping: work.scoping,
      });
    }
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
      config: accepted.config.source,
    });
  }

  /**
   * Retries `fn` with exponential backoff (≤ 5 s); forever, or `undefined` after `maxAttempts`.
   * Rejects with {@link ProcessingAborted} as soon as `signal` aborts, also mid-attempt.
   */
  private async withRetry<T>(what: string, fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T>;
  private async withRetry<T>(
    what: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    maxAttempts: number,
  ): Promise<T | undefined>;
  private async withRetry<T>(
    what: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    maxAttempts = Infinity,
  ): Promise<T | undefined> {
    // Steps retried forever are the store round trips: while one fails, the stores count as failing.
    const storeStep = maxAttempts === Infinity;
    let failing = false;
    try {
      for (let attempt = 1; ; attempt++) {
        if (signal?.aborted) throw new ProcessingAborted(`${what}: aborted`);
        try {
          return await untilAborted(fn(), signal);
        } catch (err) {
          if (err instanceof ProcessingAborted || signal?.aborted)
            throw new ProcessingAborted(`${what}: aborted`);
          if (attempt >= maxAttempts) {
            this.deps.logger.error({ err, attempt }, `${what} failed; giving up on this batch`);
            return undefined;
          }
          if (storeStep && !failing) {
            failing = true;
            this.failingStoreSteps++;
          }
          this.deps.logger.error({ err, attempt }, `${what} failed; retrying`);
          await untilAborted(sleep(Math.min(5000, 100 * 2 ** attempt)), signal);
        }
      }
    } finally {
      if (failing) this.failingStoreSteps--;
    }
  }
}
