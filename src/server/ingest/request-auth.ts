/**
 * Choosing the request's auth source exactly as Relay's `auth_from_parts` does
 * (`relay-server/src/extractors/request_meta.rs`, reference/relay-protocol.md §2.1–§2.2):
 * `X-Sentry-Auth`, then `Authorization: Sentry …`, then `Authorization: Basic …`, then the query
 * string (only when it contains `sentry_`). Headers without the `Sentry `/`Basic ` prefix, an
 * empty header and undecodable Basic credentials count as absent. A second source is
 * `MultipleAuth` (401). The envelope-header `dsn` fallback lives in the route.
 */
import {
  hasBasicAuthPrefix,
  hasSentryAuthPrefix,
  parseBasicAuth,
  parseQueryAuth,
  parseSentryAuth,
  type AuthError,
  type AuthPayload,
  type AuthResult,
} from '../../protocol/auth.js';
import type { IngestError } from './errors.js';

/** Where a request's credentials came from. */
export type AuthSource = 'x-sentry-auth' | 'authorization' | 'basic' | 'query' | 'envelope';

/** A resolved auth payload and its source. */
export interface RequestAuth {
  source: AuthSource;
  auth: AuthPayload;
}

/** Result of {@link resolveRequestAuth}: `auth` is undefined when no source was present. */
export type RequestAuthResult =
  { ok: true; auth: RequestAuth | undefined } | { ok: false; error: IngestError };

/** The request parts auth is read from. */
export interface AuthInput {
  /** `X-Sentry-Auth` header value, if any. */
  xSentryAuth: string | undefined;
  /** `Authorization` header value, if any. */
  authorization: string | undefined;
  /** The raw (undecoded) query string without `?`, `''` when none. */
  rawQuery: string;
}

/**
 * Resolves auth from headers and query. Errors, in Relay's order: an unparsable source → 401
 * (`bad x-sentry-auth header`); a second present source → 401 `multiple authorization payloads
 * detected`; then the first source's key or version problem → 400. No source → `auth: undefined`
 * (the caller decides between 401 `missing authorization information` and the envelope `dsn`).
 */
export function resolveRequestAuth(input: AuthInput): RequestAuthResult {
  let found: { source: AuthSource; result: AuthResult } | undefined;

  // Relay checks for a second source before parsing it, so `multiple_auth` wins over its errors.
  const add = (source: AuthSource, result: AuthResult): IngestError | undefined => {
    if (found) return { kind: 'multiple_auth' };
    // A syntactically bad source fails at once; key and version problems surface after the
    // multiple-auth check, as Relay validates them only once a single source was chosen.
    if (!result.ok && result.error.kind === 'bad_auth') return toIngestError(result.error);
    found = { source, result };
    return undefined;
  };

  const { xSentryAuth, authorization } = input;
  if (xSentryAuth !== undefined && hasSentryAuthPrefix(xSentryAuth)) {
    const error = add('x-sentry-auth', parseSentryAuth(xSentryAuth));
    if (error) return { ok: false, error };
  }
  if (authorization !== undefined && hasSentryAuthPrefix(authorization)) {
    const error = add('authorization', parseSentryAuth(authorization));
    if (error) return { ok: false, error };
  }
  if (authorization !== undefined && hasBasicAuthPrefix(authorization)) {
    const basic = parseBasicAuth(authorization);
    // Relay drops Basic credentials it cannot decode (they are not a source at all).
    if (basic.ok || basic.error.kind !== 'bad_auth') {
      const error = add('basic', basic);
      if (error) return { ok: false, error };
    }
  }
  const query = parseQueryAuth(input.rawQuery); // null unless the query mentions `sentry_`
  if (query) {
    const error = add('query', query);
    if (error) return { ok: false, error };
  }

  if (!found) return { ok: true, auth: undefined };
  if (!found.result.ok) return { ok: false, error: toIngestError(found.result.error) };
  return { ok: true, auth: { source: found.source, auth: found.result.auth } };
}

/** Maps an auth parser error to the edge's error (status per reference/relay-protocol.md §2.2). */
export function toIngestError(error: AuthError): IngestError {
  switch (error.kind) {
    case 'bad_auth':
      return error.cause === undefined
        ? { kind: 'bad_auth', message: error.message }
        : { kind: 'bad_auth', message: error.message, cause: error.cause };
    case 'bad_public_key':
      return error.cause === undefined
        ? { kind: 'bad_public_key' }
        : { kind: 'bad_public_key', cause: error.cause };
    case 'unsupported_protocol_version':
      return { kind: 'unsupported_protocol_version', message: error.message };
  }
}
