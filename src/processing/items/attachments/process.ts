/**
 * The pipeline of one `attachment` item (reference/relay-protocol.md §3.3–§3.5): every attachment
 * type is stored as sent, bound to the envelope's event id, named by its `filename` header
 * (Relay's `Unnamed Attachment` when absent), typed by `attachment_type` (default
 * `event.attachment`; unknown types kept as Relay keeps them), with the item's `content_type`
 * (default `application/octet-stream`), its size and SHA-1 (Sentry's `EventAttachment` columns,
 * `src/sentry/models/eventattachment.py`). Outcomes are counted in Relay's two categories:
 * `attachment` in bytes (at least 1) and `attachment_item` (1). Pure: no I/O.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EnvelopeItem } from '../../../protocol/envelope.js';
import {
  DEFAULT_ATTACHMENT_CONTENT_TYPE,
  DEFAULT_ATTACHMENT_TYPE,
  UNNAMED_ATTACHMENT,
} from '../../../protocol/attachment.js';
import type { OutcomeType, UnscopedOutcome } from '../../../protocol/outcome.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { parseEventId } from '../../normalize/index.js';

/** What the pipeline needs to know about the envelope an attachment came in. */
export interface AttachmentItemContext {
  projectId: number;
  /** The envelope's `event_id` (any UUID form); the edge sets it for every envelope with attachments. */
  eventId: string | undefined;
  /** When the envelope arrived, Unix seconds; the attachment's date (Sentry's `date_added`). */
  receivedAt: number;
}

/** An attachment ready to be stored. */
export interface ProcessedAttachment {
  projectId: number;
  /** The event it belongs to, 32 lowercase hex. */
  eventId: string;
  /** A new random id, 32 lowercase hex. */
  attachmentId: string;
  name: string;
  contentType: string;
  attachmentType: string;
  /** Bytes. */
  size: number;
  /** SHA-1 of the bytes, 40 lowercase hex. */
  sha1: string;
  /** Unix seconds. */
  timestamp: number;
  data: Buffer;
}

/**
 * Runs the pipeline: `invalid` / `no_event_payload` when the envelope has no usable event id
 * (Relay's `requires_event` items need one), else the attachment.
 */
export function processAttachmentItem(
  item: EnvelopeItem,
  ctx: AttachmentItemContext,
): StepResult<ProcessedAttachment> {
  const eventId = ctx.eventId === undefined ? undefined : parseEventId(ctx.eventId);
  if (eventId === undefined) return drop('invalid', 'no_event_payload');
  const { filename, content_type: contentType, attachment_type: attachmentType } = item.headers;
  return ok({
    projectId: ctx.projectId,
    eventId,
    attachmentId: randomUUID().replace(/-/g, ''),
    name: typeof filename === 'string' && filename !== '' ? filename : UNNAMED_ATTACHMENT,
    contentType:
      typeof contentType === 'string' && contentType !== '' ? contentType : DEFAULT_ATTACHMENT_CONTENT_TYPE,
    attachmentType:
      typeof attachmentType === 'string' && attachmentType !== '' ? attachmentType : DEFAULT_ATTACHMENT_TYPE,
    size: item.payload.length,
    sha1: createHash('sha1').update(item.payload).digest('hex'),
    timestamp: ctx.receivedAt,
    data: item.payload,
  });
}

/**
 * The outcomes of one attachment of `size` bytes in Relay's categories (`Item::quantities`):
 * `attachment` counts bytes (at least 1), `attachment_item` counts the item.
 */
export function attachmentOutcomes(
  outcome: OutcomeType,
  reason: string | null,
  size: number,
): UnscopedOutcome[] {
  return [
    { outcome, reason, category: 'attachment', quantity: Math.max(1, size) },
    { outcome, reason, category: 'attachment_item', quantity: 1 },
  ];
}
