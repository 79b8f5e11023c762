/**
 * Turning a crash or attachment upload's `multipart/form-data` body into envelope items, as
 * Relay's `ConstrainedMultipart::items` does (`relay-server/src/utils/multipart.rs`): every file
 * part becomes an `attachment` item (named by its file name, typed by the endpoint from its field
 * name, `application/octet-stream` unless the part says otherwise), and the plain fields are
 * collected into one urlencoded `form_data` item.
 */
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { DEFAULT_ATTACHMENT_CONTENT_TYPE, UNNAMED_ATTACHMENT } from '../../protocol/attachment.js';
import { multipartBoundary, parseMultipart, type MultipartPart } from '../../protocol/multipart.js';
import type { IngestResult } from './route-kit.js';

/** The parts of a `multipart/form-data` body; 400 `invalid_multipart` for another content type or a broken body. */
export function readMultipartForm(
  body: Buffer,
  contentType: string | undefined,
): IngestResult<MultipartPart[]> {
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined) {
    return {
      ok: false,
      error: { kind: 'invalid_multipart', cause: 'Content-Type is not multipart/form-data' },
    };
  }
  const parsed = parseMultipart(body, boundary);
  if (!parsed.ok) return { ok: false, error: { kind: 'invalid_multipart', cause: parsed.error } };
  return { ok: true, value: parsed.parts };
}

/** An `attachment` item of `data` named `filename`, of `attachmentType` and `contentType`. */
export function attachmentItem(
  data: Buffer,
  filename: string | undefined,
  attachmentType: string,
  contentType: string | undefined,
): EnvelopeItem {
  return {
    headers: {
      type: 'attachment',
      length: data.length,
      filename: filename === undefined || filename === '' ? UNNAMED_ATTACHMENT : filename,
      attachment_type: attachmentType,
      content_type: contentType ?? DEFAULT_ATTACHMENT_CONTENT_TYPE,
    },
    payload: data,
  };
}

/** The `form_data` item of the parts without a file name, or undefined when there are none. */
export function formDataItem(parts: readonly MultipartPart[]): EnvelopeItem | undefined {
  const fields = parts.filter((part) => part.filename === undefined);
  if (fields.length === 0) return undefined;
  const form = new URLSearchParams();
  for (const field of fields) form.append(field.name, field.data.toString('utf8'));
  const payload = Buffer.from(form.toString());
  return { headers: { type: 'form_data', length: payload.length }, payload };
}
