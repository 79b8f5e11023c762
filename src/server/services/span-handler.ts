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
 *   (`invalid_span`, `timestamp`, `no_data`, `duplicate`, `too_large:span`); only one span v2
 *   container per envelope is taken, a second one is `invalid` / `duplicate_item` (Relay's
 *   `DuplicateContainer`);
 * - stored items are `accepted`, recorded once the sink took their rows.
 *
 * Every outcome carries the scoping (organization, project, key) of the envelope the item came in.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
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
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { encodeSpanRow } from '../../storage/clickhouse/spans.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';
import { traceItemRequestContext } from './trace-item-handler.js';

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
}

const TRANSACTION_CATEGORIES: readonly DataCategory[] = ['transaction', 'transaction_indexed'];
const SPAN_CATEGORIES: readonly DataCategory[] = ['span', 'span_indexed'];

/** Handles `transaction` and `span` items; register it as `handlers.transaction` and `handlers.span`. */
export class SpanItemHandler implements ItemHandler {
  private pending: string[] = [];
  /** The `accepted` outcomes of the buffered rows, per scoping; recorded once the sink took them. */
  private readonly accepted = new OutcomeTally();
  /** Envelopes that already brought a span v2 container. */
  private readonly seenContainer = new WeakSet<AcceptedEnvelope>();

  constructor(private readonly deps: SpanItemHandlerDeps) {}

  private context(accepted: AcceptedEnvelope): SpanItemContext {
    return {
      ...traceItemRequestContext(accepted),
      sentAt: accepted.envelope.headers.sent_at,
      retentionDays: this.deps.retentionDays,
      maxSpanSize: this.deps.maxSpanSize,
      scrubbing: accepted.config.scrubbing,
    };
  }

  /** Processes one item: rejections become outcomes now, rows wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    if (item.headers.type === 'transaction') this.handleTransaction(accepted, item);
    else if (item.headers.type === 'span') this.handleSpan(accepted, item);
  }

  private handleTransaction(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const scoping = outcomeScoping(accepted);
    const { spanCount, result } = processTransactionItem(item.payload, {
      ...this.context(accepted),
      envelopeEventId: accepted.envelope.headers.event_id,
      filterSettings: accepted.config.filterSettings,
    });
    const { outcomes } = this.deps;
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ reason: result.reason }, 'transaction dropped');
      record(outcomes, scoping, result.outcome, result.reason, TRANSACTION_CATEGORIES, 1);
      record(outcomes, scoping, result.outcome, result.reason, SPAN_CATEGORIES, spanCount);
      return;
    }
    for (const row of result.value) this.pending.push(encodeSpanRow(row));
    record(this.accepted, scoping, 'accepted', null, TRANSACTION_CATEGORIES, 1);
    record(this.accepted, scoping, 'accepted', null, SPAN_CATEGORIES, result.value.length);
  }

  private handleSpan(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const scoping = outcomeScoping(accepted);
    const { outcomes } = this.deps;
    if (isSpanV2Container(item.headers)) {
      if (this.seenContainer.has(accepted)) {
        const declared = declaredItemCount(item.headers);
        record(outcomes, scoping, 'invalid', 'duplicate_item', SPAN_CATEGORIES, declared);
        return;
      }
      this.seenContainer.add(accepted);
    }
    const result = processSpanItem(item.payload, item.headers, this.context(accepted));
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ reason: result.reason }, 'span item dropped');
      const quantity = isSpanV2Container(item.headers) ? declaredItemCount(item.headers) : 1;
      record(outcomes, scoping, result.outcome, result.reason, SPAN_CATEGORIES, quantity);
      return;
    }
    for (const dropped of result.value.dropped) {
      record(outcomes, scoping, 'invalid', dropped.reason, SPAN_CATEGORIES, dropped.count);
    }
    for (const row of result.value.records) this.pending.push(encodeSpanRow(row));
    record(this.accepted, scoping, 'accepted', null, SPAN_CATEGORIES, result.value.records.length);
  }

  /** Hands the buffered rows to the sink (waiting while it is full), then records `accepted`. */
  async flush(): Promise<void> {
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
