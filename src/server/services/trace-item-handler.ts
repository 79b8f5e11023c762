/**
 * The shared shape of the container item handlers (`log`, `trace_metric`): an `ItemHandler` that
 * runs a pure container pipeline on the main thread, buffers the rows as JSON lines and hands
 * them to its table's sink in `flush`, with Relay's outcomes (reference/relay-protocol.md §7,
 * §14.2, §14.4):
 *
 * - only one container of the type per envelope: a second one is `invalid` / `duplicate_item`
 *   (Relay's `validate::container`; the envelope is recognised by object identity);
 * - a rejected container is `invalid` with the pipeline's reason for its declared `item_count`
 *   (and payload bytes where the type counts bytes);
 * - dropped entries are `invalid` per reason with their count (and canonical bytes);
 * - entries an inbound filter drops are `filtered` with the filter's stat key (Relay's
 *   `filter::filter` of logs and trace metrics), before the quotas: the container then counts
 *   against quotas with what is left (`prepare`), as Relay enforces quotas on the expanded items;
 * - stored entries are `accepted`, recorded once the sink took them, per envelope scoping.
 *
 * Every outcome carries the scoping (organization, project, key) of the envelope the item came in.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { DataCategory } from '../../protocol/data-category.js';
import type { Outcome, OutcomeScoping } from '../../protocol/outcome.js';
import type { StepResult } from '../../processing/pipeline/result.js';
import { declaredItemCount, type DroppedEntries } from '../../processing/items/eap/index.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import {
  handleByPreparing,
  outcomeScoping,
  type ItemHandler,
  type PreparedItem,
} from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';

/**
 * The request facts every trace-item pipeline takes from an accepted envelope: its
 * project and organization, the receive time and the client's IP, user agent and hints.
 */
export function traceItemRequestContext(accepted: AcceptedEnvelope) {
  return {
    projectId: accepted.projectId,
    organizationId: accepted.organizationId,
    receivedAt: accepted.meta.receivedAt,
    clientIp: accepted.meta.clientIp,
    userAgent: accepted.meta.userAgent,
    clientHints: accepted.meta.clientHints,
  };
}

/** What a container pipeline returns for one item. */
export interface ProcessedContainer<Row> {
  records: Row[];
  /** Invalid entries per discard reason. */
  dropped: DroppedEntries[];
  /** Entries dropped by inbound filters per stat key (in `reason`). */
  filtered: DroppedEntries[];
}

/** The outcome categories of a trace item type: one per entry, and optionally one for bytes. */
export interface TraceItemCategories {
  /** Counted per entry (`log_item`, `trace_metric`). */
  items: DataCategory;
  /** Counted in bytes (`log_byte`); absent when the type has no byte category. */
  bytes?: DataCategory;
}

/** Collaborators shared by the trace item handlers. */
export interface TraceItemHandlerDeps {
  /** Sink of the table's rows as JSON lines (`jsonLinesWriter(store, <table>)`). */
  sink: Pick<BatchSink<string>, 'push'>;
  outcomes: OutcomeRecorder;
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
}

/** What distinguishes one trace item type from another. */
export interface TraceItemType<Row extends { payload_size_bytes: number }> {
  /** The envelope item type handled (`log`, `trace_metric`). */
  itemType: string;
  categories: TraceItemCategories;
  /** The pure pipeline for one item of this envelope. */
  process(accepted: AcceptedEnvelope, item: EnvelopeItem): StepResult<ProcessedContainer<Row>>;
  /** The row's JSONEachRow line. */
  encode(row: Row): string;
}

/** A container item handler for one trace item type; see the module comment. */
export class TraceItemHandler<Row extends { payload_size_bytes: number }> implements ItemHandler {
  private pending: string[] = [];
  /** The `accepted` outcomes of the buffered rows, per scoping; recorded once the sink took them. */
  private readonly accepted = new OutcomeTally();
  /** Envelopes that already brought a container of this type. */
  private readonly seen = new WeakSet<AcceptedEnvelope>();

  constructor(
    private readonly type: TraceItemType<Row>,
    private readonly deps: TraceItemHandlerDeps,
  ) {}

  /** Processes one item: rejections become outcomes now, rows wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    handleByPreparing(this, accepted, item);
  }

  /**
   * Runs the pipeline over one container up to its rows, recording the outcomes of rejected,
   * invalid and filtered entries; the rows left are buffered by `commit`. Kept containers count
   * against quotas with their entries left (and their canonical bytes).
   */
  prepare(accepted: AcceptedEnvelope, item: EnvelopeItem): PreparedItem {
    if (item.headers.type !== this.type.itemType) return { kept: false };
    const scoping = outcomeScoping(accepted);
    if (this.seen.has(accepted)) {
      this.rejectContainer(scoping, item, 'duplicate_item');
      return { kept: false };
    }
    this.seen.add(accepted);
    const result = this.type.process(accepted, item);
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ itemType: this.type.itemType, reason: result.reason }, 'container dropped');
      this.rejectContainer(scoping, item, result.reason);
      return { kept: false };
    }
    const { records, dropped, filtered } = result.value;
    for (const d of dropped) {
      this.outcomes(this.deps.outcomes, scoping, 'invalid', d.reason, d.count, d.bytes);
    }
    for (const f of filtered) {
      this.outcomes(this.deps.outcomes, scoping, 'filtered', f.reason, f.count, f.bytes);
    }
    if (records.length === 0) return { kept: false };
    // Encoded now: the batch's rows wait for their quotas as compact lines, not object graphs.
    let bytes = 0;
    const lines = records.map((row) => {
      bytes += row.payload_size_bytes;
      return this.type.encode(row);
    });
    const { categories } = this.type;
    const quantities: Array<[DataCategory, number]> = [[categories.items, lines.length]];
    if (categories.bytes !== undefined) quantities.push([categories.bytes, Math.max(1, bytes)]);
    return {
      kept: true,
      quantities,
      commit: () => {
        for (const line of lines) this.pending.push(line);
        this.outcomes(this.accepted, scoping, 'accepted', null, lines.length, bytes);
      },
    };
  }

  /** Hands the buffered rows to the sink (waiting while it is full), then records `accepted`. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    // push takes all rows or none, so a retried flush never stores a row twice.
    await pushWhenRoom(this.deps.sink, this.pending);
    this.pending = [];
    this.accepted.drainTo(this.deps.outcomes);
  }

  /** Outcomes of a container rejected as a whole: its declared entries and its payload bytes. */
  private rejectContainer(scoping: OutcomeScoping, item: EnvelopeItem, reason: string): void {
    const items = declaredItemCount(item.headers);
    const bytes = Math.max(1, item.payload.length);
    this.outcomes(this.deps.outcomes, scoping, 'invalid', reason, items, bytes);
  }

  /** Records to `to` the outcomes of `items` entries and `bytes` bytes in the type's categories. */
  private outcomes(
    to: OutcomeRecorder,
    scoping: OutcomeScoping,
    outcome: Outcome['outcome'],
    reason: string | null,
    items: number,
    bytes: number,
  ): void {
    const { categories } = this.type;
    if (items > 0) to.record({ outcome, reason, category: categories.items, quantity: items, scoping });
    if (categories.bytes !== undefined && bytes > 0) {
      to.record({ outcome, reason, category: categories.bytes, quantity: bytes, scoping });
    }
  }
}
