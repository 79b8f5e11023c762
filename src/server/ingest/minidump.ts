/**
 * Relay's minidump endpoint (`relay-server/src/endpoints/minidump.rs`, reference/relay-protocol.md
 * §1.4), what Breakpad, Crashpad and Electron crash reporters post to (there is no Sentry SDK for
 * it: clients are `curl`-like uploaders). `POST /api/{project_id}/minidump[/]`:
 *
 * - the dump is the raw body (`Content-Type` `application/octet-stream` or `application/x-dmp`,
 *   file name `Minidump`) or the `upload_file_minidump` part of a `multipart/form-data` body
 *   (400 `missing minidump` without it; a part that is itself a multipart body, as old Electron
 *   versions send, is unwrapped);
 * - a gzip, xz, bzip2 or zstd container around it is detected by magic bytes and unwrapped under
 *   `maxAttachmentSize` (413 `attachment:minidump` over it, 400 `invalid compression container`
 *   when it does not decode), and its extension (`.gz`, `.xz`, `.bz2`, `.zst`) dropped from the
 *   file name; the result must start with `MDMP` or `PMDM` (400 `invalid minidump`);
 * - other parts: `__sentry-event` (msgpack event), `__sentry-breadcrumb1`/`2` (msgpack
 *   breadcrumbs), `view-hierarchy.json`, other files as plain attachments; plain fields (`sentry`
 *   JSON, `sentry[...]` values, annotations) go to a `form_data` item;
 * - the crash becomes an event with the dump attached (src/processing/items/attachments/
 *   native-event.ts) and is queued as an envelope holding an `event` item and the
 *   `event.minidump` attachment, which the error pipeline stores like any error;
 * - the answer is `200` with the event id as a hyphenated UUID in a text body. Rate limits never
 *   answer 429 here (crash reporters retry on it).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope, EnvelopeItem } from '../../protocol/envelope.js';
import type { MultipartPart } from '../../protocol/multipart.js';
import { parseMultipart } from '../../protocol/multipart.js';
import { hasMinidumpSignature, prepareNativeCrash } from '../../processing/items/attachments/index.js';
import { decodeCrashContainer } from './crash-container.js';
import { assignEnvelopeEventId } from './event-id.js';
import { sendError } from './http.js';
import { resolveSizeLimits, type SizeLimits } from './limits.js';
import { attachmentItem, formDataItem, readMultipartForm } from './multipart-items.js';
import { headerValue } from './request-meta.js';
import {
  authorizeKeyRequest,
  checkEnvelopeSize,
  enqueueEnvelope,
  ingestClock,
  prepareIngestPlugin,
  readIngestBody,
  rejectUnread,
  requestMetaOf,
  type IngestResult,
} from './route-kit.js';
import { checkProjectAccess } from './project-access.js';
import type { IngestDeps } from './types.js';

/** Field of the dump in a multipart upload. */
export const MINIDUMP_FIELD_NAME = 'upload_file_minidump';
/** File name of a dump sent as the raw body. */
const MINIDUMP_FILE_NAME = 'Minidump';
/** Content type Relay gives minidump items. */
const MINIDUMP_CONTENT_TYPE = 'application/x-dmp';
const RAW_CONTENT_TYPES = new Set(['application/octet-stream', 'application/x-dmp']);
const CONTAINER_EXTENSIONS = ['.gz', '.xz', '.bz2', '.zst'];

/** Attachment types of multipart fields (Relay's `infer_attachment_type`). */
const FIELD_TYPES: Record<string, string> = {
  [MINIDUMP_FIELD_NAME]: 'event.minidump',
  '__sentry-event': 'event.payload',
  '__sentry-breadcrumb1': 'event.breadcrumbs',
  '__sentry-breadcrumb2': 'event.breadcrumbs',
  'view-hierarchy.json': 'event.view_hierarchy',
};

/** Formats 32 hex digits as a hyphenated UUID. */
export function hyphenatedUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Registers the minidump endpoint (as its own plugin: `app.register(minidumpRoutes, deps)`). */
export async function minidumpRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limits = resolveSizeLimits(deps.limits);
  const now = ingestClock(deps);
  prepareIngestPlugin(app);
  for (const url of ['/api/:projectId/minidump', '/api/:projectId/minidump/']) {
    app.post(url, (request, reply) => handle(request, reply));
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const receivedAt = now();
    const projectText = (request.params as { projectId?: string }).projectId ?? '';
    const authorized = await authorizeKeyRequest(deps, request, projectText);
    if (!authorized.ok) return rejectUnread(request, reply, authorized.error);
    const { access, auth } = authorized.value;

    const contentType = headerValue(request.headers, 'content-type');
    const raw = RAW_CONTENT_TYPES.has((contentType ?? '').split(';')[0]!.trim().toLowerCase());
    const body = await readIngestBody(
      request,
      deps,
      raw ? limits.maxAttachmentSize : limits.maxAttachmentsSize,
    );
    if (!body.ok) return rejectUnread(request, reply, body.error);
    if (body.value.length === 0) return sendError(reply, { kind: 'empty_body' });

    const built = raw
      ? await rawEnvelope(body.value, limits)
      : await multipartEnvelope(body.value, contentType, limits);
    if (!built.ok) return sendError(reply, built.error);
    const envelope = built.value;
    prepareNativeCrash(envelope);
    const meta = requestMetaOf(request, auth.auth.client, receivedAt);
    const key = checkProjectAccess(deps, access, [envelope], meta);
    if (!key.ok) return sendError(reply, key.error);
    const oversized = checkEnvelopeSize(deps, key.value, envelope, limits);
    if (oversized !== undefined) return sendError(reply, oversized);
    const eventId = assignEnvelopeEventId(envelope);
    if (!eventId.ok || eventId.eventId === undefined) return sendError(reply, { kind: 'invalid_event_id' });

    // Relay never answers 429 to a crash upload: a limited one is dropped with its outcomes.
    const queued = enqueueEnvelope(deps, key.value, envelope, meta, body.value.length, {
      neverReject: true,
    });
    if (!queued.ok) return sendError(reply, queued.error);
    return reply.code(200).type('text/plain; charset=utf-8').send(hyphenatedUuid(eventId.eventId));
  }
}

/** The envelope of a raw-body upload: the dump alone. */
async function rawEnvelope(body: Buffer, limits: SizeLimits): Promise<IngestResult<Envelope>> {
  const dump = await unwrapMinidump(body, limits);
  if (!dump.ok) return dump;
  return {
    ok: true,
    value: {
      headers: {},
      items: [attachmentItem(dump.value, MINIDUMP_FILE_NAME, 'event.minidump', MINIDUMP_CONTENT_TYPE)],
    },
  };
}

/** The envelope of a multipart upload: the dump, the other files, the form fields. */
async function multipartEnvelope(
  body: Buffer,
  contentType: string | undefined,
  limits: SizeLimits,
): Promise<IngestResult<Envelope>> {
  const form = readMultipartForm(body, contentType);
  if (!form.ok) return form;
  const parts = form.value;
  const dumpPart = parts.find((part) => part.name === MINIDUMP_FIELD_NAME);
  if (dumpPart === undefined) return { ok: false, error: { kind: 'missing_minidump' } };
  const dump = await unwrapMinidump(embeddedMinidump(dumpPart.data) ?? dumpPart.data, limits);
  if (!dump.ok) return dump;

  const items: EnvelopeItem[] = [];
  for (const part of parts) {
    if (part === dumpPart) {
      const filename = removeContainerExtension(part.filename ?? MINIDUMP_FILE_NAME);
      items.push(attachmentItem(dump.value, filename, 'event.minidump', MINIDUMP_CONTENT_TYPE));
    } else if (part.filename !== undefined) {
      const type = FIELD_TYPES[part.name] ?? 'event.attachment';
      items.push(attachmentItem(part.data, part.filename, type, part.contentType));
    }
  }
  const form_data = formDataItem(parts.filter((part) => part !== dumpPart));
  if (form_data) items.push(form_data);
  return { ok: true, value: { headers: {}, items } };
}

/** Unwraps a compression container and checks the minidump signature. */
async function unwrapMinidump(data: Buffer, limits: SizeLimits): Promise<IngestResult<Buffer>> {
  const decoded = await decodeCrashContainer(data, limits.maxAttachmentSize);
  if (!decoded.ok) {
    return decoded.kind === 'overflow'
      ? { ok: false, error: { kind: 'overflow', itemType: 'attachment:minidump' } }
      : { ok: false, error: { kind: 'invalid_compression_container', cause: decoded.message } };
  }
  if (!hasMinidumpSignature(decoded.bytes)) return { ok: false, error: { kind: 'invalid_minidump' } };
  return { ok: true, value: decoded.bytes };
}

/**
 * The `upload_file_minidump` of a part that is itself a multipart body (old Linux Electron SDKs):
 * a part starting with `--` whose first line is the boundary. Undefined when it is not one.
 */
function embeddedMinidump(data: Buffer): Buffer | undefined {
  if (data[0] !== 0x2d || data[1] !== 0x2d) return undefined;
  const lineEnd = data.indexOf('\n');
  if (lineEnd === -1) return undefined;
  const boundary = data.subarray(2, lineEnd).toString('latin1').replace(/\r$/, '');
  const parsed = parseMultipart(data, boundary);
  if (!parsed.ok) return undefined;
  return parsed.parts.find((part: MultipartPart) => part.name === MINIDUMP_FIELD_NAME)?.data;
}

/** Drops a compression container's extension from a file name (Relay's `remove_container_extension`). */
function removeContainerExtension(filename: string): string {
  const suffix = CONTAINER_EXTENSIONS.find((ext) => filename.endsWith(ext));
  return suffix === undefined ? filename : filename.slice(0, -suffix.length);
}
