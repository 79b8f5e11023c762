/**
 * OTLP/HTTP protobuf bodies (`Content-Type: application/x-protobuf`) decoded into the OTLP/JSON
 * document shape, so one conversion serves both encodings (reference/relay-protocol.md §1.4;
 * Relay's `relay-server/src/endpoints/integrations/otlp.rs` accepts both).
 *
 * The message definitions are the subset of opentelemetry-proto (v1: `common`, `resource`,
 * `trace`, `logs` and the collector's `Export*ServiceRequest`) that the conversions read, with
 * the upstream field numbers; enums are read as plain integers (the same varint on the wire).
 * Decoding follows the OTLP/JSON mapping: field names in lowerCamelCase, 64-bit integers as
 * decimal strings, `bytes` as base64 except trace and span ids, which are hex.
 */
import protobuf from 'protobufjs';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

const OTLP_PROTO = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
}
message Status { string message = 2; int32 code = 3; }

message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}
`;

let root: protobuf.Root | undefined;

function messageType(name: string): protobuf.Type {
  root ??= protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
  return root.lookupType(`otlp.${name}`);
}

/** Fields holding trace or span ids, which OTLP/JSON writes as hex rather than base64. */
const ID_FIELDS: ReadonlySet<string> = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Rewrites the id fields of a decoded document from base64 to hex, in place. */
function hexIds(value: JsonValue): void {
  if (Array.isArray(value)) {
    for (const element of value) hexIds(element);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [key, field] of Object.entries(value)) {
    if (ID_FIELDS.has(key) && typeof field === 'string') {
      value[key] = Buffer.from(field, 'base64').toString('hex');
    } else if (typeof field === 'object' && field !== null && key !== 'value') {
      hexIds(field);
    }
  }
}

/** Why a protobuf body could not be decoded. */
export type OtlpProtoError = { kind: 'invalid_proto'; detail: string };

/** A decoded OTLP document in the OTLP/JSON shape, or why decoding failed. */
export type OtlpProtoResult = { ok: true; document: JsonObject } | { ok: false; error: OtlpProtoError };

/** The OTLP signals with a protobuf decoder. */
export type OtlpSignal = 'traces' | 'logs';

const REQUEST_TYPES: Readonly<Record<OtlpSignal, string>> = {
  traces: 'ExportTraceServiceRequest',
  logs: 'ExportLogsServiceRequest',
};

/**
 * Decodes an OTLP/HTTP protobuf `Export{Trace,Logs}ServiceRequest` into the OTLP/JSON document
 * shape (`{"resourceSpans": [...]}` / `{"resourceLogs": [...]}`; see the module comment).
 * Returns `invalid_proto` (Relay's discard reason) when the bytes are not a valid message.
 * Never throws.
 */
export function decodeOtlpProtobuf(signal: OtlpSignal, body: Uint8Array): OtlpProtoResult {
  try {
    const type = messageType(REQUEST_TYPES[signal]);
    const message = type.decode(body);
    const document = type.toObject(message, {
      longs: String,
      bytes: String,
      enums: Number,
      defaults: false,
      arrays: false,
      oneofs: false,
    }) as JsonObject;
    hexIds(document);
    return { ok: true, document };
  } catch (error) {
    return {
      ok: false,
      error: { kind: 'invalid_proto', detail: error instanceof Error ? error.message : 'invalid protobuf' },
    };
  }
}
