/**
 * The attachment pipeline in the processing loop: an `ItemHandler` for `attachment` items
 * (reference/relay-protocol.md §3.5). `handle` runs the pure pipeline of
 * src/processing/items/attachments/ (bind to the envelope's event id, name, type, size, SHA-1),
 * `flush` hands the rows to the `attachments` sink and records them `accepted` in Relay's two
 * categories, `attachment` (bytes) and `attachment_item` (count).
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { Outcome } from '../../protocol/outcome.js';
import { attachmentOutcomes, processAttachmentItem } from '../../processing/items/attachments/index.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { encodeAttachmentRow } from '../../storage/clickhouse/attachments.js';
import type { ItemHandler } from './envelope-processor.js';

/** Collaborators of {@link AttachmentItemHandler}. */
export interface AttachmentItemHandlerDeps {
  /** Sink of attachment rows as JSON lines (`jsonLinesWriter(store, ATTACHMENTS_INPUT_TABLE)`). */
  sink: Pick<BatchSink<string>, 'push'>;
  outcomes: { record(outcome: Outcome): void };
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
}

/** Handles `attachment` items; register it as `handlers.attachment`. */
export class AttachmentItemHandler implements ItemHandler {
  private pending: string[] = [];
  private pendingSizes: number[] = [];

  constructor(private readonly deps: AttachmentItemHandlerDeps) {}

  /** Processes one item: invalid ones become outcomes now, valid rows wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const result = processAttachmentItem(item, {
      projectId: accepted.projectId,
      eventId: accepted.envelope.headers.event_id,
      receivedAt: accepted.meta.receivedAt,
    });
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ reason: result.reason }, 'attachment dropped');
      for (const o of attachmentOutcomes(result.outcome, result.reason, item.payload.length)) {
        this.deps.outcomes.record(o);
      }
      return;
    }
    this.pending.push(encodeAttachmentRow(result.value, this.deps.retentionDays));
    this.pendingSizes.push(result.value.size);
  }

  /** Hands the buffered rows to the sink, waiting while it is full (back-pressure), then counts them accepted. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    // push takes all rows or none, so a retried flush never stores a row twice.
    await pushWhenRoom(this.deps.sink, this.pending);
    const sizes = this.pendingSizes;
    this.pending = [];
    this.pendingSizes = [];
    const bytes = sizes.reduce((sum, size) => sum + Math.max(1, size), 0);
    this.deps.outcomes.record({ outcome: 'accepted', reason: null, category: 'attachment', quantity: bytes });
    this.deps.outcomes.record({
      outcome: 'accepted',
      reason: null,
      category: 'attachment_item',
      quantity: sizes.length,
    });
  }
}
