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
 *
 * A batch goes in Relay's order (`relay-server/src/services/processor.rs`, and the processors of
 * `relay-server/src/processing/`: process → filter → dynamic sampling → enforce quotas → store):
 * 1. the events run through the processing threads while the handlers' first phase
 *    (`ItemHandler.prepare`) runs every other item up to its inbound filters and dynamic
 *    sampling on the main thread; what they drop is final, with the items that belong to it
 *    (an event's attachments and user reports, a transaction's profile and attachments);
 * 2. the quotas count only what is left (`QuotaEnforcer.enforce`): a filtered item never
 *    consumes quota, a sampled-out transaction or span only in its total category (`transaction`,
 *    `span`, as Relay's metrics limiter counts it); a rate-limited event's result is discarded;
 * 3. the rest is stored: handler rows (`commit`, then `flush`), events, then the items that
 *    waited for their event.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope, EnvelopeQueue } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { isJsonObject } from '../../protocol/json.js';
import {
  isPermanentStoreError,
  resolveGroups,
  type MetadataStore,
  type ResolvedGroup,
  type ResolveGroupsItem,
  type ResolveGroupsOptions,
} from '../../storage/metadata/index.js';
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
import type { ReleaseRegistry } from './release-registry.js';
import type { QuotaEnforcer } from './quota-enforcer.js';
import { itemOutcomeQuantities } from '../../quotas/envelope-limiter.js';
import type { ProcessingPool } from './processing-pool.js';
import { INTERNAL_DROP, type ErrorWork, type ErrorWorkResult } from './error-work.js';
import { ok, type StepResult } from '../../processing/pipeline/result.js';
import { prepareNativeCrash } from '../../processing/items/attachments/index.js';

/**
 * The pipeline of a cheap item type (sessions, check-ins, ...), run on the main thread:
 * `handle` processes one item and buffers its rows and outcomes; `flush` hands what the
 * batch produced to the stores and resolves once they took it (back-pressure). A rejected
 * `flush` is retried, so it must keep what it did not store and not repeat what it did.
 *
 * A handler whose pipeline has inbound filters or dynamic sampling also has `prepare`, the first
 * phase the processor runs before it enforces quotas (Relay's order): it runs the pipeline, records
 * the outcomes of what it drops, and keeps its result for `commit`, which the processor calls once
 * the item passed its quotas (nothing is parsed twice). `handle` is then `prepare` + `commit`
 * ({@link handleByPreparing}).
 *
 * At shutdown with a store down the processor may give up on a flush that waits for a store;
 * the items of that handler are then spooled again whole and replayed at the next start. So a
 * flush must push its rows to the sinks only after its last store round trip (sinks take every
 * push during shutdown, so a flush that started pushing finishes), and the outcomes `handle`,
 * `prepare` and `commit` record for a kept item are held by the processor
 * (`OutcomeCounter.capture`) until the flush resolved.
 */
export interface ItemHandler {
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void;
  /** The first phase, up to and including inbound filters and dynamic sampling (see above). */
  prepare?(accepted: AcceptedEnvelope, item: EnvelopeItem): PreparedItem;
  flush(): Promise<void>;
  /**
   * Set when this handler hands its items to another one (NEL → logs) whose `flush` stores
   * them: the processor then flushes only that one, once per batch, and accounts the items to it.
   */
  readonly delegate?: ItemHandler;
}

/** The outcome that dropped an item (an event, a transaction) and the items that belong to it. */
export interface ItemDrop {
  outcome: Exclude<OutcomeType, 'accepted'>;
  reason: string;
  /**
   * Set when dynamic sampling dropped it: the items that belong to it are then `filtered` only in
   * their indexed categories (a profile counts `accepted` in `profile`), as Relay records it.
   */
  sampled?: boolean;
}

/**
 * What `ItemHandler.prepare` made of an item: nothing left (`kept: false`, its outcomes recorded),
 * or something to count against quotas and then store (`commit`). `drop` is the outcome the items
 * that belong to it are dropped with (a transaction's profile and attachments follow it): with a
 * dropped transaction, and with a sampled-out one, which is still counted in `transaction` (Relay
 * counts it through the metrics it extracts) but whose payload is gone.
 */
export type PreparedItem =
  | {
      kept: true;
      /**
       * The categories and quantities left to count against quotas (the entries of a container
       * that survived the filters), in place of the item's own; absent: the item's own.
       */
      quantities?: Array<[DataCategory, number]>;
      drop?: ItemDrop;
      /** Buffers the item's rows for `flush`; called at most once, after the item passed its quotas. */
      commit(): void;
    }
  | {
      kept: false;
      drop?: ItemDrop;
    };

/** `ItemHandler.handle` of a handler with `prepare`: both phases at once, without quotas in between. */
export function handleByPreparing(
  handler: Required<Pick<ItemHandler, 'prepare'>>,
  accepted: AcceptedEnvelope,
  item: EnvelopeItem,
): void {
  const prepared = handler.prepare(accepted, item);
  if (prepared.kept) prepared.commit();
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
  /** Counts what processing left of each envelope against its project's quotas; default none. */
  quotas?: Pick<QuotaEnforcer, 'enforce'>;
  /** Creates the releases events name (release-registry.ts); default none. */
  releases?: Pick<ReleaseRegistry, 'observe'>;
  logger: Logger;
  /** Envelopes taken per batch; default 500. */
  batchSize?: number;
  /**
   * The escalation check of issues archived until escalating (`resolveGroups`' options of the same
   * names): the event store's counts of the current hour (default none: they are not checked),
   * its first-seen times (default none: issues count as first seen when created) and the request
   * for missing forecasts (default none).
   */
  escalation?: Pick<ResolveGroupsOptions, 'hourlyEventCounts' | 'firstSeen' | 'forecastMissing'>;
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

/** An item with the handler registered for its type. */
interface HandlerItem extends ItemSource {
  handler: ItemHandler;
}

/** An item handed to a handler, with the outcomes its `handle` recorded (held until it is stored). */
interface HandledItem extends ItemSource {
  outcomes: Outcome[];
}

/** An item its handler's `prepare` kept, waiting for its quotas, with the outcomes `prepare` recorded. */
interface PreparedSource extends HandlerItem {
  prepared: Extract<PreparedItem, { kept: true }>;
  outcomes: Outcome[];
}

/** Adds a handled item to the items of the handler whose flush stores it (its delegate, if any). */
function stage(handled: Map<ItemHandler, HandledItem[]>, handler: ItemHandler, entry: HandledItem): void {
  const owner = handler.delegate ?? handler;
  const items = handled.get(owner) ?? [];
  items.push(entry);
  handled.set(owner, items);
}

/**
 * The envelopes of `batch` cut down to the items in `left` (wire order kept), for spooling what a
 * batch given up did not finish; envelopes with none of them are left out.
 */
function unfinishedEnvelopes(
  batch: readonly AcceptedEnvelope[],
  left: ReadonlySet<EnvelopeItem>,
): AcceptedEnvelope[] {
  const envelopes: AcceptedEnvelope[] = [];
  for (const accepted of batch) {
    const kept = accepted.envelope.items.filter((item) => left.has(item));
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

/**
 * Whether an item belongs to its envelope's transaction: its profile, and its attachments when the
 * envelope has no event (Relay's transaction processor takes them into its unit of work,
 * `processing/transactions/mod.rs` `prepare_envelope`). They are dropped with a dropped transaction.
 */
function followsTransaction(item: EnvelopeItem, hasEvent: boolean): boolean {
  const type = item.headers.type;
  return type === 'profile' || (type === 'attachment' && !hasEvent);
}

/** An item waiting for its envelope's event (its index in the batch's works): stored after it if it is kept. */
interface DependentItem extends HandlerItem {
  event: number;
}

/**
 * The outcomes of an item dropped with the item it belongs to (Relay rejects the whole unit of
 * work): the same outcome in every category it counts in (a transaction's profile in `profile`
 * and `profile_indexed`, as a rate limit drops it). After dynamic sampling Relay drops only what
 * is indexed: a profile then counts `accepted` in `profile`; attachments have no indexed
 * category and are `filtered` whole (`test_profile_outcomes`).
 */
function droppedWithOutcomes(
  item: EnvelopeItem,
  drop: ItemDrop,
): Array<Pick<Outcome, 'outcome' | 'reason' | 'category' | 'quantity'>> {
  const quantities: Array<[DataCategory, number]> =
    item.headers.type === 'profile'
      ? [
          ['profile', 1],
          ['profile_indexed', 1],
        ]
      : itemOutcomeQuantities(item);
  return quantities.map(([category, quantity]) =>
    drop.sampled === true && category === 'profile'
      ? { outcome: 'accepted', reason: null, category, quantity }
      : { outcome: drop.outcome, reason: drop.reason, category, quantity },
  );
}

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
   * Processes one batch in Relay's order (see the module comment). The metadata step is retried
   * until it succeeds (a store outage must not lose accepted events), except for failures the
   * event's own data causes (isPermanentStoreError: that event alone is dropped as `internal`);
   * the processing threads get
   * a few attempts, after which the batch's events are dropped with Relay's `internal` outcome
   * rather than wedging the queue behind a payload that kills a thread. Handlers are flushed one
   * after the other.
   *
   * Resolves with nothing once the batch is done; when `signal` aborts first, resolves with the
   * envelopes of the batch cut down to their unfinished items (see {@link abort}).
   */
  async processBatch(batch: AcceptedEnvelope[], signal?: AbortSignal): Promise<AcceptedEnvelope[]> {
    const handlers = this.deps.handlers ?? {};
    const handlerOf = (type: string): ItemHandler | undefined =>
      Object.hasOwn(handlers, type) ? handlers[type] : undefined;
    const { outcomes } = this.deps;
    /** Items without a final fate yet (stored or dropped with their outcomes): what an abort spools. */
    const open = new Set<EnvelopeItem>();
    const works: EventWork[] = [];
    /** Items waiting for their envelope's event (Relay's `requires_event`). */
    const dependents: DependentItem[] = [];
    /** Items whose handler has a first phase, run before the quotas. */
    const toPrepare: HandlerItem[] = [];
    /** Items handled once they passed their quotas. */
    const toHandle: HandlerItem[] = [];
    /** Items that share the fate of their envelope's transaction, by envelope. */
    const followers = new Map<AcceptedEnvelope, HandlerItem[]>();
    const dropWith = (source: ItemSource, drop: ItemDrop): void => {
      const scoping = outcomeScoping(source.accepted);
      for (const o of droppedWithOutcomes(source.item, drop)) outcomes.record({ ...o, scoping });
      open.delete(source.item);
    };

    for (const accepted of batch) {
      // Minidumps and Apple crash reports become error events (src/processing/items/attachments/).
      prepareNativeCrash(accepted.envelope);
      const scoping = outcomeScoping(accepted);
      // The envelope's event (the first event-creating item without a handler of its own).
      let event: number | ItemDrop | undefined;
      const waiting: HandlerItem[] = [];
      for (const item of accepted.envelope.items) {
        const type = item.headers.type;
        const handler = handlerOf(type);
        if (handler) {
          open.add(item);
          const entry = { accepted, item, handler };
          // Items that belong to another item (their event or transaction) wait for its fate.
          const follows = REQUIRES_EVENT.has(type) || followsTransaction(item, true);
          if (handler.prepare && !follows) toPrepare.push(entry);
          else waiting.push(entry);
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
          outcomes.record({ outcome: 'invalid', reason: 'duplicate_item', category, quantity: 1, scoping });
          continue;
        }
        const work = this.toWork(accepted, item);
        if (work.kind === 'drop') {
          outcomes.record({ outcome: work.outcome, reason: work.reason, category, quantity: 1, scoping });
          event = { outcome: work.outcome, reason: work.reason };
          continue;
        }
        event = works.length;
        works.push({ work: work.value, dropCategory: category, scoping, source: { accepted, item } });
        open.add(item);
      }
      const following: HandlerItem[] = [];
      for (const entry of waiting) {
        const requiresEvent = REQUIRES_EVENT.has(entry.item.headers.type);
        if (requiresEvent && typeof event === 'number') dependents.push({ ...entry, event });
        else if (requiresEvent && typeof event === 'object') dropWith(entry, event);
        else if (followsTransaction(entry.item, event !== undefined)) following.push(entry);
        // Without an event or a transaction (attachments uploaded after their event) they stand alone.
        else toHandle.push(entry);
      }
      if (following.length > 0) followers.set(accepted, following);
    }

    try {
      // The events run on the processing threads (JavaScript symbolication included, its artifact
      // lookups answered by this thread) while the main thread prepares the other items.
      const running =
        works.length > 0
          ? this.withRetry('process events', () => this.deps.pool.run(works.map((w) => w.work)), signal, {
              maxAttempts: 3,
            })
          : undefined;
      running?.catch(() => undefined); // awaited below; must not count as unhandled meanwhile
      const prepared: PreparedSource[] = [];
      /** What processing left of the prepared items, counted against quotas in their place. */
      const counted = new Map<EnvelopeItem, Array<[DataCategory, number]>>();
      const transactionDrops = new Map<AcceptedEnvelope, ItemDrop>();
      for (const entry of toPrepare) {
        let result: PreparedItem | undefined;
        const held = outcomes.capture(() => {
          result = entry.handler.prepare!(entry.accepted, entry.item);
        });
        const { drop } = result!;
        if (drop && entry.item.headers.type === 'transaction' && !transactionDrops.has(entry.accepted)) {
          transactionDrops.set(entry.accepted, drop);
        }
        if (result!.kept) {
          prepared.push({ ...entry, prepared: result!, outcomes: held });
          if (result!.quantities) counted.set(entry.item, result!.quantities);
          continue;
        }
        // Dropped whole: final, with its outcomes.
        outcomes.commit(held);
        open.delete(entry.item);
      }
      for (const [accepted, entries] of followers) {
        const drop = transactionDrops.get(accepted);
        for (const entry of entries) {
          if (drop) dropWith(entry, drop);
          else toHandle.push(entry);
        }
      }

      /** Processed events by their index in works. */
      const processed = new Map<number, Extract<ErrorWorkResult, { kind: 'ok' }>>();
      const eventDrops = new Map<number, ItemDrop>();
      if (running) {
        const results = await running;
        for (const [i, work] of works.entries()) {
          // No results (the threads kept failing) drops the batch's events as Relay's `internal`.
          const result = results?.[i] ?? INTERNAL_DROP;
          if (result.kind === 'ok') {
            processed.set(i, result);
            continue;
          }
          const { outcome, reason } = result;
          outcomes.record({
            outcome,
            reason,
            category: work.dropCategory,
            quantity: 1,
            scoping: work.scoping,
          });
          eventDrops.set(i, { outcome, reason });
          open.delete(work.source.item);
        }
      }
      // Items that require an event follow its fate: dropped with its outcome, or kept for now.
      const kept = dependents.filter((entry) => {
        const drop = eventDrops.get(entry.event);
        if (drop) dropWith(entry, drop);
        return drop === undefined;
      });

      // Only what is left counts against the quotas (Relay filters and samples before it enforces).
      for (const accepted of batch) {
        const { items } = accepted.envelope;
        if (!items.every((i) => open.has(i))) accepted.envelope.items = items.filter((i) => open.has(i));
      }
      const { quotas } = this.deps;
      if (quotas) await Promise.all(batch.map((accepted) => quotas.enforce(accepted, counted)));
      const admitted = new Set(batch.flatMap((accepted) => accepted.envelope.items));
      // Rate-limited items are final: the enforcer recorded their outcomes.
      for (const item of open) if (!admitted.has(item)) open.delete(item);

      const handled = new Map<ItemHandler, HandledItem[]>();
      for (const entry of prepared) {
        // A rate-limited container's entries dropped earlier (invalid, filtered) keep their outcomes.
        if (!admitted.has(entry.item)) {
          outcomes.commit(entry.outcomes);
          continue;
        }
        const more = outcomes.capture(() => entry.prepared.commit());
        stage(handled, entry.handler, { ...entry, outcomes: [...entry.outcomes, ...more] });
      }
      for (const entry of toHandle) if (admitted.has(entry.item)) this.hand(handled, entry);
      await this.flushHandled(handled, open, signal);
      // A rate-limited event's processed result is discarded.
      const events = [...processed]
        .filter(([i]) => admitted.has(works[i]!.source.item))
        .map(([i, result]) => ({ result, work: works[i]! }));
      if (events.length > 0) {
        await this.storeEvents(events, signal);
        for (const { work } of events) open.delete(work.source.item);
      }
      for (const entry of kept) if (admitted.has(entry.item)) this.hand(handled, entry);
      await this.flushHandled(handled, open, signal);
      return [];
    } catch (err) {
      if (!(err instanceof ProcessingAborted || err instanceof SinkClosedError)) throw err;
      return unfinishedEnvelopes(batch, open);
    }
  }

  /** Hands an item to its handler, holding the outcomes `handle` records until it is stored. */
  private hand(handled: Map<ItemHandler, HandledItem[]>, { accepted, item, handler }: HandlerItem): void {
    const outcomes = this.deps.outcomes.capture(() => handler.handle(accepted, item));
    stage(handled, handler, { accepted, item, outcomes });
  }

  /**
   * Flushes the handlers that were handed items, one after the other (NEL and log items share the
   * logs handler, which must not push twice), committing each item's held outcomes once stored
   * and taking the items off `open`.
   */
  private async flushHandled(
    handled: Map<ItemHandler, HandledItem[]>,
    open: Set<EnvelopeItem>,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const [handler, items] of [...handled]) {
      await this.withRetry('store items', () => handler.flush(), signal);
      handled.delete(handler);
      for (const { item, outcomes } of items) {
        this.deps.outcomes.commit(outcomes);
        open.delete(item);
      }
    }
  }

  /**
   * Resolves the events' issues, hands their rows to the sink, then counts them accepted. An
   * event whose issue cannot be resolved for a reason retrying cannot fix (its project was
   * deleted meanwhile, a value the database refuses) is dropped as `invalid` / `internal`
   * instead of holding up ingestion.
   */
  private async storeEvents(
    events: Array<{ result: Extract<ErrorWorkResult, { kind: 'ok' }>; work: EventWork }>,
    signal?: AbortSignal,
  ): Promise<void> {
    // Before the issues: a new release is created (and becomes the next release of issues
    // resolved in the next release) before the event's regression check, as in Sentry.
    await this.deps.releases?.observe(
      events.flatMap(({ result, work }) =>
        result.release === undefined
          ? []
          : [
              {
                organizationId: work.scoping.organizationId,
                projectId: result.projectId,
                version: result.release,
                timestamp: new Date(result.timestamp),
              },
            ],
      ),
    );
    const groups = await this.resolveIssues(
      events.map(({ result: { projectId, timestamp, eventId, hashes, issue, release } }) => ({
        projectId,
        hashes,
        init: { ...issue, release, timestamp: new Date(timestamp), eventId },
      })),
      signal,
    );
    const stored = events.flatMap((event, i) => {
      const group = groups[i];
      if (group !== undefined) return [{ ...event, groupId: group.groupId }];
      this.deps.outcomes.record({
        outcome: 'invalid',
        reason: 'internal',
        category: event.work.dropCategory,
        quantity: 1,
        scoping: event.work.scoping,
      });
      return [];
    });
    const rows = stored.map(({ result, groupId }) => withGroupId(result.line, groupId));
    // Rejects with SinkClosedError only at shutdown, when the sinks were closed for an abort.
    await pushWhenRoom(this.deps.eventSink, rows);
    for (const { result, work } of stored) {
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
   * `resolveGroups` retried while the store fails; on a permanent failure (isPermanentStoreError)
   * the batch is split into single events so that only the one at fault is given up
   * (`undefined` in its place, logged).
   */
  private async resolveIssues(
    items: ResolveGroupsItem[],
    signal: AbortSignal | undefined,
  ): Promise<Array<ResolvedGroup | undefined>> {
    try {
      return await this.withRetry(
        'resolve issues',
        () => resolveGroups(this.deps.metadata, items, this.deps.escalation),
        signal,
        {
          permanent: isPermanentStoreError,
        },
      );
    } catch (err) {
      if (!isPermanentStoreError(err)) throw err;
      if (items.length > 1) {
        const resolved: Array<ResolvedGroup | undefined> = [];
        for (const item of items) resolved.push(...(await this.resolveIssues([item], signal)));
        return resolved;
      }
      this.deps.logger.error(
        { err, projectId: items[0]?.projectId, eventId: items[0]?.init.eventId },
        'the issue of an event cannot be stored; event dropped',
      );
      return [undefined];
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
   * A failure `permanent` accepts is not retried but rethrown at once (retrying cannot fix it).
   * Rejects with {@link ProcessingAborted} as soon as `signal` aborts, also mid-attempt.
   */
  private async withRetry<T>(
    what: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    options?: { permanent: (err: unknown) => boolean },
  ): Promise<T>;
  private async withRetry<T>(
    what: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    options: { maxAttempts: number },
  ): Promise<T | undefined>;
  private async withRetry<T>(
    what: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    options: { maxAttempts?: number; permanent?: (err: unknown) => boolean } = {},
  ): Promise<T | undefined> {
    const maxAttempts = options.maxAttempts ?? Infinity;
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
          if (options.permanent?.(err) === true) throw err;
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
