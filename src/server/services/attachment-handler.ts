/**
 * The attachment pipeline in the processing loop: an `ItemHandler` for `attachment` items
 * (reference/relay-protocol.md §3.5). `handle` runs the pure pipeline of
 * src/processing/items/attachments/ (bind to the envelope's event id, name, type, size, SHA-1),
 * `flush` hands the rows to the `attachments` sink and records them `accepted` in Relay's two
 * categories, `attachment` (bytes) and `attachment_item` (count).
 */
import type { Logger } from 'pino';
import { RATE_LIMITED_HEADER, type AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { attachmentOutcomes, processAttachmentItem } from '../../processing/items/attachments/index.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { encodeAttachmentRow } from '../../storage/clickhouse/attachments.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** Collaborators of {@link AttachmentItemHandler}. */
export interface AttachmentItemHandlerDeps {
  /** Sink of attachment rows as JSON lines (`jsonLinesWriter(store, ATTACHMENTS_INPUT_TABLE)`). */
  sink: Pick<BatchSink<string>, 'push'>;
  outcomes: OutcomeRecorder;
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
}

/** Handles `attachment` items; register it as `handlers.attachment`. */
export class AttachmentItemHandler implements ItemHandler {
  private pending: string[] = [];
  /** The `accepted` outcomes of the buffered rows, per scoping; recorded once the sink took them. */
  private readonly accepted = new OutcomeTally();

  constructor(private readonly deps: AttachmentItemHandlerDeps) {}

  /** Processes one item: invalid ones become outcomes now, valid rows wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const limited = item.headers[RATE_LIMITED_HEADER];
    if (limited !== undefined) {
      // A crash attachment over an attachment quota: its event was made from it, its bytes are not kept.
      const reason = typeof limited === 'string' ? limited : null;
      for (const o of attachmentOutcomes('rate_limited', reason, item.payload.length)) {
        this.deps.outcomes.record({ ...o, scoping: outcomeScoping(accepted) });
      }
      return;
    }
    const result = processAttachmentItem(item, {
      projectId: accepted.projectId,
      eventId: accepted.envelope.headers.event_id,
      receivedAt: accepted.meta.receivedAt,
    });
    const scoping = outcomeScoping(accepted);
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ reason: result.reason }, 'attachment dropped');
      for (const o of attachmentOutcomes(result.outcome, result.reason, item.payload.length)) {
        this.deps.outcomes.record({ ...o, scoping });
      }
      return;
    }
    const retentionDays = projectRetentionDays(accepted.config, this.deps.retentionDays);
    this.pending.push(encodeAttachmentRow(result.value, retentionDays));
    for (const o of attachmentOutcomes('accepted', null, result.value.size)) {
      this.accepted.record({ ...o, scoping });
    }
  }

  /** Hands the buffered rows to the sink, waiting while it is full (back-pressure), then counts them accepted. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    // push takes all rows or none, so a retried flush never stores a row twice.
    await pushWhenRoom(this.deps.sink, this.pending);
    this.pending = [];
    this.accepted.drainTo(this.deps.outcomes);
  }
}
