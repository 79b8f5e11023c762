/**
 * Sentry's `EventAttachmentSerializer` (`src/sentry/api/serializers/models/eventattachment.py`):
 * `{id, event_id, type, name, mimetype, dateCreated, size, headers: {Content-Type}, sha1}`.
 * Attachment ids are Vigil's 32-hex ids (Sentry's are numeric strings; clients treat them as
 * opaque).
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { StoredAttachment } from '../../../storage/clickhouse/attachments.js';

/** The API shape of one attachment. */
export function serializeAttachment(attachment: StoredAttachment): JsonObject {
  return {
    id: attachment.attachmentId,
    event_id: attachment.eventId,
    type: attachment.attachmentType,
    name: attachment.name,
    mimetype: attachment.contentType,
    dateCreated: attachment.timestamp.toISOString(),
    size: attachment.size,
    headers: { 'Content-Type': attachment.contentType },
    sha1: attachment.sha1,
  };
}

/**
 * `Content-Disposition` of a download, as Sentry builds it: the base name of the attachment with
 * runs of whitespace folded, quoted; non-ASCII names also get an RFC 5987 `filename*`.
 */
export function contentDisposition(name: string): string {
  const base = name.split(/\s+/).join(' ').split('/').pop() ?? '';
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const extended = ascii === base ? '' : `; filename*=UTF-8''${encodeURIComponent(base)}`;
  return `attachment; filename="${ascii}"${extended}`;
}
