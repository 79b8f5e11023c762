/**
 * Every way an ingest request can fail, and its one mapping to an HTTP status and Relay's
 * `ApiErrorResponse` body `{"detail": "...", "causes": [...]}` (reference/relay-protocol.md
 * §1.2–§1.3, §2.2; texts from `BadStoreRequest` in `relay-server/src/endpoints/common.rs`,
 * `BadEventMeta` in `relay-server/src/extractors/request_meta.rs` and `StorePayloadError`).
 */

/** An ingest failure; `kind` picks the status, the other fields fill `causes`. */
export type IngestError =
  /** The `{project_id}` path segment is not a positive integer. 400. */
  | { kind: 'bad_project'; value: string }
  /** No auth source at all. 401. */
  | { kind: 'missing_auth' }
  /** More than one of X-Sentry-Auth, Authorization, query. 401. */
  | { kind: 'multiple_auth' }
  /** An auth header or query that could not be parsed. 401. */
  | { kind: 'bad_auth'; message: string; cause?: string }
  /** The envelope header had to authenticate but is not JSON or has no usable `dsn`. 401. */
  | { kind: 'bad_envelope_auth'; cause: string }
  /** The public key is not 32 ASCII characters. 400. */
  | { kind: 'bad_public_key'; cause?: string }
  /** `sentry_version` above 7. 400. */
  | { kind: 'unsupported_protocol_version'; message: string }
  /**
   * Relay's `EventRejected(DiscardReason)`: `ProjectId` for an unknown, disabled or foreign key,
   * `Cors` for an origin the project's `allowedDomains` does not allow. 403.
   */
  | { kind: 'event_rejected'; reason: 'ProjectId' | 'Cors' }
  /** Body over the route limit on the wire or after decompression. 413. */
  | { kind: 'payload_too_large' }
  /** `Content-Encoding` names a coding this server cannot decode. 400. */
  | { kind: 'unsupported_encoding'; encoding: string }
  /** The body could not be read or decoded. 400. */
  | { kind: 'body_read_failed'; causes: string[] }
  /** Zero-length body. 400. */
  | { kind: 'empty_body' }
  /** Store body that is neither JSON nor base64(+zlib) JSON. 400. */
  | { kind: 'invalid_body'; cause: string }
  /** Store body that is not a JSON object with a valid `event_id`. 400. */
  | { kind: 'invalid_json'; cause: string }
  /** Envelope framing, header JSON or header/request mismatch. 400. */
  | { kind: 'invalid_envelope'; causes: string[] }
  /** Envelope carrying Relay-internal item types (`integration`). 400. */
  | { kind: 'internal_envelope' }
  /** Envelope with a header but no items. 400. */
  | { kind: 'empty_envelope' }
  /** An item type over its size/count limits; `itemType` is Relay's `DiscardItemType` name. 413. */
  | { kind: 'overflow'; itemType: string }
  /** The envelope queue is full or closed. 503. */
  | { kind: 'queue_failed' }
  /** The key lookup itself failed (database down); Relay's `ProjectFailed`. 503. */
  | { kind: 'project_lookup_failed' }
  /** A CORS preflight for a method other than POST. 400. */
  | { kind: 'cors_method_not_allowed'; method: string }
  /** A method the endpoint does not serve. 405. */
  | { kind: 'method_not_allowed'; method: string }
  /** An `/api/<digits>/...` path this server has no endpoint for. 404. */
  | { kind: 'not_found' }
  /** A multipart body that does not parse (attachment and minidump endpoints). 400. */
  | { kind: 'invalid_multipart'; cause: string }
  /** A crash upload without the `upload_file_minidump` part. 400. */
  | { kind: 'missing_minidump' }
  /** A minidump that does not start with `MDMP` / `PMDM` once unwrapped. 400. */
  | { kind: 'invalid_minidump' }
  /** A crash upload whose compression container (by magic bytes) does not decode. 400. */
  | { kind: 'invalid_compression_container'; cause: string }
  /** An event id in the path that is not a UUID. 400. */
  | { kind: 'invalid_event_id' }
  /** Every item was removed by an active rate limit. 429 with the limits' headers. */
  | { kind: 'rate_limited'; rateLimits: RateLimitHeaders };

/** The rate-limit response headers of one request (reference/relay-protocol.md §6.1). */
export interface RateLimitHeaders {
  /** `X-Sentry-Rate-Limits`: every limit that applied, in Relay's grammar. */
  rateLimits: string;
  /** `Retry-After`: the longest limit's remaining seconds, rounded up. */
  retryAfter: string;
}

/** The HTTP rendering of an {@link IngestError}. */
export interface ErrorResponse {
  status: number;
  body: { detail: string; causes?: string[] };
}

const FAILED_TO_READ = 'failed to read request body';

/** Maps an {@link IngestError} to its status and JSON body (exhaustive over `kind`). */
export function toErrorResponse(error: IngestError): ErrorResponse {
  switch (error.kind) {
    case 'rate_limited':
      return respond(429, 'event rejected due to rate limit');
    case 'bad_project':
      return respond(400, 'bad project path parameter', [`invalid project id: ${error.value}`]);
    case 'missing_auth':
      return respond(401, 'missing authorization information');
    case 'multiple_auth':
      return respond(401, 'multiple authorization payloads detected');
    case 'bad_auth':
      return respond(401, error.message, error.cause === undefined ? [] : [error.cause]);
    case 'bad_envelope_auth':
      return respond(401, 'bad envelope authentication header', [error.cause]);
    case 'bad_public_key':
      return respond(400, 'bad sentry DSN public key', error.cause === undefined ? [] : [error.cause]);
    case 'unsupported_protocol_version':
      return respond(400, error.message);
    case 'event_rejected':
      return respond(403, `event submission rejected with_reason: ${error.reason}`);
    case 'payload_too_large':
      return respond(413, FAILED_TO_READ, ['payload reached its size limit']);
    case 'unsupported_encoding':
      return respond(400, FAILED_TO_READ, [`unsupported content encoding: ${error.encoding}`]);
    case 'body_read_failed':
      return respond(400, FAILED_TO_READ, error.causes);
    case 'empty_body':
      return respond(400, 'empty request body');
    case 'invalid_body':
      return respond(400, 'invalid request body', [error.cause]);
    case 'invalid_json':
      return respond(400, `invalid JSON data: ${error.cause}`, [error.cause]);
    case 'invalid_envelope':
      return respond(400, 'invalid event envelope', error.causes);
    case 'internal_envelope':
      return respond(400, 'envelope contains internal items');
    case 'empty_envelope':
      return respond(400, 'empty envelope');
    case 'overflow':
      return respond(
        413,
        `envelope exceeded size limits for type '${error.itemType}' (https://develop.sentry.dev/sdk/envelopes/#size-limits)`,
      );
    case 'queue_failed':
      return respond(503, 'failed to queue envelope');
    case 'project_lookup_failed':
      return respond(503, 'failed to fetch project information');
    case 'cors_method_not_allowed':
      return respond(400, 'CORS preflight rejected', [`method not allowed: ${error.method}`]);
    case 'method_not_allowed':
      return respond(405, 'method not allowed', [`unsupported method: ${error.method}`]);
    case 'not_found':
      return respond(404, 'The requested resource does not exist');
    case 'invalid_multipart':
      return respond(400, 'invalid multipart data', [error.cause]);
    case 'missing_minidump':
      return respond(400, 'missing minidump');
    case 'invalid_minidump':
      return respond(400, 'invalid minidump');
    case 'invalid_compression_container':
      return respond(400, 'invalid compression container', [error.cause]);
    case 'invalid_event_id':
      return respond(400, 'invalid event id');
  }
}

function respond(status: number, detail: string, causes: string[] = []): ErrorResponse {
  return { status, body: causes.length > 0 ? { detail, causes } : { detail } };
}
