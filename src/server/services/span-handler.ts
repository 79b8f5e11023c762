/**
 * The spans pipelines in the processing loop: an `ItemHandler` for `transaction` items and
 * `span` items (span v2 containers and legacy standalone spans, including OTLP traces converted
 * at the edge). Each item runs through its pure pipeline (src/processing/items/spans/) on the
 * main thread; the rows go to the `spans` sink in `flush`. Outcomes follow Relay's quantities
 * (reference/relay-protocol.md §3.4, §6.2, §7.2):
 *
 * - a transaction counts `transaction` and `transaction_indexed` 1 each, and `span` and
 *   `span_indexed` 1 + its child spans; an invalid one is `invalid` with Relay's reason
 *   (`invalid_json`, `invalid_transaction`) in all four categories;
 * - a span item counts `span` and `span_indexed` per span (a container: per entry, its
 *   declared `item_count` when rejected as a whole); dropped entries are `invalid` per reason
 *   (`invalid_span`, `timestamp`, `no_data`, `duplicate`, `too_large:span`), spans the project's
 *   inbound filters drop are `filtered` with the filter's stat key; only one span v2
 *   container per envelope is taken, a second one is `invalid` / `duplicate_item` (Relay's
 *   `DuplicateContainer`);
 * - a filtered transaction is `filtered` with the filter's stat key in all four categories;
 * - stored items are `accepted`, recorded once the sink took their rows;
 * - dynamic sampling (src/processing/sampling) decides with the project's `sampling` rules and
 *   the envelope's DSC (the `trace` header; trace rules come from the project of its public key
 *   when that key is cached and in the same organization, else from the item's own project). A
 *   sampled-out item is not stored and, as Relay records it, its indexed categories
 *   (`transaction_indexed`, `span_indexed`) are `filtered` with reason `Sampled:<rule ids>`
 *   while the total categories (`transaction`, `span`) are `accepted`: Relay still counts them
 *   through the metrics it extracts before dropping the payload
 *   (`relay-server/src/processing/transactions/mod.rs`, `tests/integration/test_outcome.py`).
 *
 * All of this happens in `prepare`, before the processor enforces quotas (Relay's order), so a
 * filtered or invalid item never counts against them, and a sampled-out one only in its total
 * category (`transaction`, `span`: Relay's metrics limiter counts the metrics extracted from it;
 * rate limited there, it is `rate_limited` instead of `accepted`); `commit` buffers the rows of
 * what passed. A dropped or sampled-out transaction's drop is handed back for the items that
 * belong to it (its profile and attachments, which the processor drops with it).
 *
 * Every outcome carries the scoping (organization, project, key) of the envelope the item came in.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope, ProjectKeyInfo } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { DataCategory } from '../../protocol/data-category.js';
import type { Outcome, OutcomeScoping } from '../../protocol/outcome.js';
import { declaredItemCount } from '../../processing/items/eap/index.js';
import {
  isSpanV2Container,
  processSpanItem,
  processTransactionItem,
  type SpanItemContext,
} from '../../processing/items/spans/index.js';
import {
  ReservoirCounters,
  parseDynamicSamplingContext,
  sampleSpans,
  samplingOutcomeReason,
  type SamplingContext,
  type SamplingResult,
} from '../../processing/sampling/index.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { encodeSpanRow, type StoredSpan } from '../../storage/clickhouse/spans.js';
import {
  handleByPreparing,
  outcomeScoping,
  type ItemHandler,
  type PreparedItem,
} from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';
import type { ReleaseRegistry, SeenRelease } from './release-registry.js';
import { traceItemRequestContext } from './trace-item-handler.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** Collaborators and settings of {@link SpanItemHandler}. */
export interface SpanItemHandlerDeps {
  /** Sink of `spans` rows as JSON lines (`jsonLinesWriter(store, SPANS_TABLE)`). */
  sink: Pick<BatchSink<string>, 'push'>;
  outcomes: OutcomeRecorder;
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
  /** Largest canonical size of one span in bytes; default 1 MiB. */
  maxSpanSize?: number;
  /**
   * The project of a DSC's public key when it is known without waiting (the key cache's
   * `peek`), for trace rules of a trace started in another project; without it, or when it
   * answers `undefined`, the item's own project's rules apply.
   */
  samplingProject?: (
    publicKey: string,
  ) => Pick<ProjectKeyInfo, 'organizationId' | 'isActive' | 'config'> | undefined;
  /** Clock for sampling rules' time ranges, Unix milliseconds; default `Date.now`. */
  now?: () => number;
  /** Creates the releases transactions name (release-registry.ts); default none. */
  releases?: Pick<ReleaseRegistry, 'observe'>;
}

/** The total categories and quantities of a sampled-out item; the first counts against quotas. */
type SampledTotals = [['transaction' | 'span', number], ...Array<['transaction' | 'span', number]>];

const TRANSACTION_CATEGORIES: readonly DataCategory[] = ['transaction', 'transaction_indexed'];
const SPAN_CATEGORIES: readonly DataCategory[] = ['span', 'span_indexed'];

/** Handles `transaction` and `span` items; register it as `handlers.transaction` and `handlers.span`. */
export class SpanItemHandler implements ItemHandler {
  private pending: string[] = [];
  /** The releases of the buffered transactions, created at `flush`. */
  private releases: SeenRelease[] = [];
  /** The `accepted` outcomes of the buffered rows, per scoping; recorded once the sink took them. */
  private readonly accepted = new OutcomeTally();
  /** Envelopes that already brought a span v2 container. */
  private readonly seenContainer = new WeakSet<AcceptedEnvelope>();
  /** Sampling inputs per envelope (its DSC is parsed once). */
  private readonly sampling = new WeakMap<AcceptedEnvelope, SamplingContext>();
  /** The decision for the spans of an envelope (one per envelope: it depends on the DSC only). */
  private readonly spanDecisions = new WeakMap<AcceptedEnvelope, SamplingResult>();
  /** Reservoir rule counters per organization. */
  private readonly reservoirs = new Map<number, ReservoirCounters>();

  constructor(private readonly deps: SpanItemHandlerDeps) {}

  private context(accepted: AcceptedEnvelope): SpanItemContext {
    return {
      ...traceItemRequestContext(accepted),
      sentAt: accepted.envelope.headers.sent_at,
      retentionDays: projectRetentionDays(accepted.config, this.deps.retentionDays),
      maxSpanSize: this.deps.maxSpanSize,
      scrubbing: accepted.config.scrubbing,
      filterSettings: accepted.config.filterSettings,
    };
  }

  /** The dynamic sampling inputs of an envelope: its project's rules, its DSC and the root project's rules. */
  private samplingContext(accepted: AcceptedEnvelope): SamplingContext {
    let ctx = this.sampling.get(accepted);
    if (ctx) return ctx;
    const config = accepted.config.sampling;
    const dsc = parseDynamicSamplingContext(accepted.envelope.headers.trace);
    let rootConfig = dsc === undefined ? undefined : config;
    if (dsc !== undefined && dsc.publicKey !== accepted.publicKey) {
      // Relay resolves the root project only within the organization and for active keys.
      const root = this.deps.samplingProject?.(dsc.publicKey);
      rootConfig =
        root?.isActive && root.organizationId === accepted.organizationId ? root.config.sampling : undefined;
    }
    let reservoir = this.reservoirs.get(accepted.organizationId);
    if (!reservoir) {
      reservoir = new ReservoirCounters();
      this.reservoirs.set(accepted.organizationId, reservoir);
    }
    ctx = {
      config,
      publicKey: accepted.publicKey,
      dsc,
      rootConfig,
      now: (this.deps.now ?? Date.now)(),
      reservoir,
    };
    this.sampling.set(accepted, ctx);
    return ctx;
  }

  /**
   * Remembers the release of a stored segment (a transaction or a streamed segment span) for
   * `flush`: Sentry creates it as it does an error's (`_create_models` of its segment consumer).
   */
  private noteRelease(accepted: AcceptedEnvelope, rows: readonly StoredSpan[]): void {
    const segment = rows.find((row) => row.is_segment && row.release !== '');
    if (segment === undefined) return;
    this.releases.push({
      organizationId: accepted.organizationId,
      projectId: accepted.projectId,
      version: segment.release,
      timestamp: new Date(segment.timestamp / 1000),
    });
  }

  /** Processes one item: rejections become outcomes now, rows wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    handleByPreparing(this, accepted, item);
  }

  /**
   * Runs the item's pipeline through inbound filters and dynamic sampling, recording the outcomes
   * of what it drops; the rows of what is left wait for `commit`.
   */
  prepare(accepted: AcceptedEnvelope, item: EnvelopeItem): PreparedItem {
    if (item.headers.type === 'transaction') return this.prepareTransaction(accepted, item);
    if (item.headers.type === 'span') return this.prepareSpan(accepted, item);
    return { kept: false };
  }

  private prepareTransaction(accepted: AcceptedEnvelope, item: EnvelopeItem): PreparedItem {
    const scoping = outcomeScoping(accepted);
    const { spanCount, result, sampledOut } = processTransactionItem(item.payload, {
      ...this.context(accepted),
      envelopeEventId: accepted.envelope.headers.event_id,
      filterSettings: accepted.config.filterSettings,
      sampling: this.samplingContext(accepted),
    });
    const { outcomes } = this.deps;
    if (result.kind === 'drop' && sampledOut) {
      this.deps.logger?.debug({ reason: result.reason }, 'transaction sampled out');
      const totals: SampledTotals = [
        ['transaction', 1],
        ['span', spanCount],
      ];
      return {
        ...this.sampledOut(scoping, result.reason, totals),
        drop: { outcome: 'filtered', reason: result.reason, sampled: true },
      };
    }
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ reason: result.reason }, 'transaction dropped');
      record(outcomes, scoping, result.outcome, result.reason, TRANSACTION_CATEGORIES, 1);
      record(outcomes, scoping, result.outcome, result.reason, SPAN_CATEGORIES, spanCount);
      return { kept: false, drop: { outcome: result.outcome, reason: result.reason } };
    }
    // Encoded now: the batch's rows wait for their quotas as compact lines, not object graphs.
    const lines = result.value.map((row) => encodeSpanRow(row));
    return {
      kept: true,
      commit: () => {
        for (const line of lines) this.pending.push(line);
        this.noteRelease(accepted, result.value);
        record(this.accepted, scoping, 'accepted', null, TRANSACTION_CATEGORIES, 1);
        record(this.accepted, scoping, 'accepted', null, SPAN_CATEGORIES, lines.length);
      },
    };
  }

  private prepareSpan(accepted: AcceptedEnvelope, item: EnvelopeItem): PreparedItem {
    const scoping = outcomeScoping(accepted);
    const { outcomes } = this.deps;
    if (isSpanV2Container(item.headers)) {
      if (this.seenContainer.has(accepted)) {
        const declared = declaredItemCount(item.headers);
        record(outcomes, scoping, 'invalid', 'duplicate_item', SPAN_CATEGORIES, declared);
        return { kept: false };
      }
      this.seenContainer.add(accepted);
    }
    const result = processSpanItem(item.payload, item.headers, this.context(accepted));
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ reason: result.reason }, 'span item dropped');
      const quantity = isSpanV2Container(item.headers) ? declaredItemCount(item.headers) : 1;
      record(outcomes, scoping, result.outcome, result.reason, SPAN_CATEGORIES, quantity);
      return { kept: false };
    }
    const { records, dropped, filtered } = result.value;
    for (const d of dropped) record(outcomes, scoping, 'invalid', d.reason, SPAN_CATEGORIES, d.count);
    for (const f of filtered) record(outcomes, scoping, 'filtered', f.reason, SPAN_CATEGORIES, f.count);
    if (records.length === 0) return { kept: false };
    const decision = this.spanDecision(accepted);
    if (decision.kind === 'match' && !decision.match.keep) {
      const reason = samplingOutcomeReason(decision.match.matchedRuleIds);
      return this.sampledOut(scoping, reason, [['span', records.length]]);
    }
    const lines = records.map((row) => encodeSpanRow(row));
    return {
      kept: true,
      quantities: [['span', lines.length]],
      commit: () => {
        for (const line of lines) this.pending.push(line);
        this.noteRelease(accepted, records);
        record(this.accepted, scoping, 'accepted', null, SPAN_CATEGORIES, lines.length);
      },
    };
  }

  /**
   * A dynamic-sampling drop, as Relay records it: `filtered` with `reason` (`Sampled:<ids>`) in
   * the indexed category of each of `totals` now; the item still counts against quotas in its
   * first total category (Relay counts it there through the metrics it extracts), and `commit`
   * records the totals `accepted`. Nothing is stored.
   */
  private sampledOut(
    scoping: OutcomeScoping,
    reason: string,
    totals: SampledTotals,
  ): Extract<PreparedItem, { kept: true }> {
    const { outcomes } = this.deps;
    for (const [total, quantity] of totals) {
      record(outcomes, scoping, 'filtered', reason, [`${total}_indexed`], quantity);
    }
    return {
      kept: true,
      quantities: [totals[0]],
      commit: () => {
        for (const [total, quantity] of totals)
          record(outcomes, scoping, 'accepted', null, [total], quantity);
      },
    };
  }

  private spanDecision(accepted: AcceptedEnvelope): SamplingResult {
    let decision = this.spanDecisions.get(accepted);
    if (!decision) {
      decision = sampleSpans(this.samplingContext(accepted));
      this.spanDecisions.set(accepted, decision);
    }
    return decision;
  }

  /** Hands the buffered rows to the sink (waiting while it is full), then records `accepted`. */
  async flush(): Promise<void> {
    if (this.releases.length > 0) await this.deps.releases?.observe(this.releases.splice(0));
    if (this.pending.length === 0) return;
    // push takes all rows or none, so a retried flush never stores a row twice.
    await pushWhenRoom(this.deps.sink, this.pending);
    this.pending = [];
    this.accepted.drainTo(this.deps.outcomes);
  }
}

/** Records to `to` one outcome of `quantity` per category (nothing for a quantity ≤ 0). */
function record(
  to: OutcomeRecorder,
  scoping: OutcomeScoping,
  outcome: Outcome['outcome'],
  reason: string | null,
  categories: readonly DataCategory[],
  quantity: number,
): void {
  if (quantity <= 0) return;
  for (const category of categories) to.record({ outcome, reason, category, quantity, scoping });
}
