/**
 * OpenTelemetry traces (an OTLP `TracesData` / `ExportTraceServiceRequest`, as posted to
 * `/api/{project}/integration/otlp/v1/traces` in JSON or decoded from protobuf) converted into
 * span v2 container entries, so they run through the same pipeline as SDK spans. Follows Relay's
 * `relay-spans/src/otel_to_sentry_v2.rs` (reference/relay-protocol.md §1.4, §14.3):
 *
 * - `traceId`, `spanId`, `parentSpanId` as hex (an empty parent makes a root, which is its
 *   segment); `startTimeUnixNano` / `endTimeUnixNano` → seconds;
 * - `kind` 1–5 → `internal`, `server`, `client`, `producer`, `consumer`;
 * - `status.code` 2 (ERROR) → `error`, anything else `ok`; `status.message` →
 *   `sentry.status.message`;
 * - attributes: `sentry.origin: auto.otlp.spans`, resource attributes as `resource.<key>`, scope
 *   attributes as `instrumentation.<key>`, then the span's own; `links` keep their ids and
 *   attributes;
 * - `sentry.op`, when not sent, from the semantic conventions: `http.server` / `http.client` for
 *   spans with an HTTP method (by kind), `db` with `db.system`, `rpc` with `rpc.system`.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import { parseSpanId, parseTraceId } from '../../normalize/index.js';
import {
  addOtlpAttributes,
  otlpBaseAttributes,
  otlpField as field,
  otlpList as list,
  otlpNanosToSeconds,
  readOtlpRecords,
  type OtlpDocumentError,
} from '../eap/index.js';

/** Result of {@link otlpTracesToEntries}: span v2 entries, in input order. */
export type OtlpTracesResult = { ok: true; entries: JsonObject[] } | { ok: false; error: OtlpDocumentError };

const KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

function attributeText(attributes: JsonObject, key: string): string | undefined {
  const attribute = attributes[key];
  return isJsonObject(attribute) && typeof attribute.value === 'string' ? attribute.value : undefined;
}

/** `sentry.op` from the OpenTelemetry semantic conventions, when it can be told. */
function deriveOp(attributes: JsonObject, kind: string): string | undefined {
  if (attributeText(attributes, 'http.request.method') ?? attributeText(attributes, 'http.method')) {
    return kind === 'client' ? 'http.client' : 'http.server';
  }
  if (attributeText(attributes, 'db.system') ?? attributeText(attributes, 'db.system.name')) return 'db';
  if (attributeText(attributes, 'rpc.system')) return 'rpc';
  return undefined;
}

function convertLink(link: JsonValue): JsonObject | undefined {
  if (!isJsonObject(link)) return undefined;
  const attributes: JsonObject = {};
  addOtlpAttributes(attributes, list(link, 'attributes', 'attributes'), '');
  return {
    trace_id: parseTraceId(field(link, 'traceId', 'trace_id')) ?? null,
    span_id: parseSpanId(field(link, 'spanId', 'span_id')) ?? null,
    attributes,
  };
}

function convertSpan(span: JsonObject, resource: JsonValue[], scope: JsonObject | undefined): JsonObject {
  const attributes = otlpBaseAttributes('auto.otlp.spans', resource, scope);
  addOtlpAttributes(attributes, list(span, 'attributes', 'attributes'), '');
  const kindNumber = Number(field(span, 'kind', 'kind') ?? 0);
  const kind = Number.isInteger(kindNumber) ? (KINDS[kindNumber] ?? '') : '';
  const status = field(span, 'status', 'status');
  const code = isJsonObject(status) ? Number(status.code ?? 0) : 0;
  const message = isJsonObject(status) ? status.message : undefined;
  if (typeof message === 'string' && message !== '') {
    attributes['sentry.status.message'] = { type: 'string', value: message };
  }
  if (attributes['sentry.op'] === undefined) {
    const op = deriveOp(attributes, kind);
    if (op !== undefined) attributes['sentry.op'] = { type: 'string', value: op };
  }
  const parent = field(span, 'parentSpanId', 'parent_span_id');
  const parentSpanId = typeof parent === 'string' && parent !== '' ? parent : undefined;
  const entry: JsonObject = {
    trace_id: field(span, 'traceId', 'trace_id') ?? null,
    span_id: field(span, 'spanId', 'span_id') ?? null,
    name: field(span, 'name', 'name') ?? '',
    status: code === 2 ? 'error' : 'ok',
    is_segment: parentSpanId === undefined,
    start_timestamp: otlpNanosToSeconds(field(span, 'startTimeUnixNano', 'start_time_unix_nano')) ?? null,
    end_timestamp: otlpNanosToSeconds(field(span, 'endTimeUnixNano', 'end_time_unix_nano')) ?? null,
    attributes,
  };
  if (parentSpanId !== undefined) entry.parent_span_id = parentSpanId;
  if (kind !== '') entry.kind = kind;
  const links = list(span, 'links', 'links')
    .map(convertLink)
    .filter((l) => l !== undefined);
  if (links.length > 0) entry.links = links;
  return entry;
}

/**
 * Converts an OTLP traces document (`{"resourceSpans": [{"resource", "scopeSpans": [{"scope",
 * "spans": [...]}]}]}`; JSON bytes or a decoded protobuf document) into span v2 entries (see the
 * module comment). Returns `invalid_json` when `payload` is not JSON or not an object. Never
 * throws.
 */
export function otlpTracesToEntries(payload: Buffer | JsonObject): OtlpTracesResult {
  const read = readOtlpRecords(payload, {
    resource: ['resourceSpans', 'resource_spans'],
    scope: ['scopeSpans', 'scope_spans'],
    record: ['spans', 'spans'],
  });
  if (!read.ok) return read;
  return { ok: true, entries: read.records.map((r) => convertSpan(r.record, r.resource, r.scope)) };
}
