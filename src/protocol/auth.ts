/**
 * SDK authentication payloads: the `X-Sentry-Auth` / `Authorization: Sentry …` header,
 * `Authorization: Basic …` and query-string auth (reference/relay-protocol.md §2.1–§2.2).
 *
 * Parsing follows `Auth::from_str` / `Auth::from_pairs` in sentry-rust `sentry-types/src/auth.rs`
 * (which Relay uses), validation follows `relay-server/src/extractors/request_meta.rs` and
 * `ProjectKey::parse_with_flags` in `relay-base-schema/src/project.rs`. Choosing which source
 * wins and rejecting several at once (`MultipleAuth`) is the server's job; these functions only
 * read one source each.
 */
import { Buffer, isUtf8 } from 'node:buffer';

/** The highest protocol version Relay accepts (`PROTOCOL_VERSION`, relay-event-schema). */
export const PROTOCOL_VERSION = 7;

/** What an SDK authenticated with. */
export interface AuthPayload {
  /** The 32-character project (public) key, with any `.flag` suffixes removed. */
  publicKey: string;
  /** `sentry_version`, the part before the first `.` as an unsigned 16-bit integer; default 7. */
  version: number;
  /** `sentry_client`, e.g. `sentry.javascript.browser/8.0.0`. */
  client?: string;
  /** `sentry_secret` (deprecated, accepted and ignored by Relay). */
  secret?: string;
  /** Flags after the key, e.g. `['no-cache']` for `<key>.no-cache` (forces a config refresh). */
  keyFlags?: string[];
}

/**
 * Why authentication failed. Relay's HTTP status per kind (`BadEventMeta::into_response`; the
 * mapping itself lives in the server):
 * - `bad_auth` → **401** (`BadAuth`: unparsable header, bad `sentry_version`, missing or empty
 *   `sentry_key`; also undecodable Basic credentials, which Relay treats as `MissingAuth`, 401).
 * - `unsupported_protocol_version` → **400** (`sentry_version` > {@link PROTOCOL_VERSION}).
 * - `bad_public_key` → **400** (`BadPublicKey`: key is not exactly 32 ASCII characters).
 *
 * `message` is Relay's top-level error text (the response `detail`), `cause` its source error
 * (the first entry of the response `causes`), when there is one.
 */
export type AuthError = {
  kind: 'bad_auth' | 'unsupported_protocol_version' | 'bad_public_key';
  message: string;
  cause?: string;
};

/** Result of every parser in this module. */
export type AuthResult = { ok: true; auth: AuthPayload } | { ok: false; error: AuthError };

/** Result of {@link parsePublicKey}. */
export type PublicKeyResult =
  { ok: true; publicKey: string; flags: string[] } | { ok: false; error: AuthError };

const BAD_AUTH = 'bad x-sentry-auth header';
const MISSING_AUTH = 'missing authorization information';
const BAD_PUBLIC_KEY = 'bad sentry DSN public key';

// `char::is_whitespace` (Unicode White_Space), which Rust's `str::trim` strips; JS `trim` differs
// (it strips U+FEFF and keeps U+0085).
const RUST_TRIM =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
// Rust's `u16::from_str`: optional `+`, ASCII digits, no whitespace.
const UNSIGNED_INTEGER = /^\+?[0-9]+$/;
// RFC 4648 standard alphabet with canonical padding, as `data_encoding::BASE64` requires.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * True when `value` starts with `Sentry ` (ASCII case-insensitive, exactly one space), the test
 * Relay's `get_auth_header` applies before it reads `X-Sentry-Auth` or `Authorization`: a header
 * without the prefix counts as absent, not as bad auth.
 */
export function hasSentryAuthPrefix(value: string): boolean {
  return startsWithIgnoreAsciiCase(value, 'sentry ');
}

/**
 * True when `value` starts with `Basic ` (ASCII case-insensitive), the test Relay applies to
 * `Authorization` before decoding Basic credentials.
 */
export function hasBasicAuthPrefix(value: string): boolean {
  return startsWithIgnoreAsciiCase(value, 'basic ');
}

/**
 * Parses an `X-Sentry-Auth` or `Authorization: Sentry …` value, e.g.
 * `Sentry sentry_version=7, sentry_client=sdk/1.0, sentry_key=<32 chars>[, sentry_secret=…]`.
 *
 * Rules (sentry-types `Auth::from_str`): the value must start with `Sentry ` (else `bad_auth`,
 * cause "non sentry auth"; see {@link hasSentryAuthPrefix} to treat that as absent instead); the
 * rest is split on `,`; a pair without `=` is skipped; key and value are the first two `=`-separated
 * parts, each trimmed (so a value is cut at a second `=`); unknown keys and `sentry_timestamp`
 * are ignored; a repeated key keeps its last value. Errors in order: bad `sentry_version` or
 * missing/empty `sentry_key` → `bad_auth` (401); key not 32 ASCII chars → `bad_public_key` (400);
 * version > 7 → `unsupported_protocol_version` (400). Never throws.
 */
export function parseSentryAuth(value: string): AuthResult {
  if (!hasSentryAuthPrefix(value)) return fail('bad_auth', BAD_AUTH, 'non sentry auth');
  const pairs: Array<[string, string]> = [];
  for (const item of value.slice('sentry '.length).split(',')) {
    const parts = item.split('=');
    if (parts.length < 2) continue;
    pairs.push([rustTrim(parts[0] ?? ''), rustTrim(parts[1] ?? '')]);
  }
  return fromPairs(pairs, BAD_AUTH);
}

/**
 * Parses `Authorization: Basic base64(<public_key>:<anything>)` (used by cron integrations):
 * the user part, before the first `:`, is the key; version defaults to 7.
 *
 * Relay (`auth_from_parts` in request_meta.rs) ignores credentials that are not strict base64
 * (standard alphabet, canonical padding), not UTF-8, lack a `:` or have an empty user: those
 * return `bad_auth` here with message "missing authorization information" (Relay's `MissingAuth`,
 * also 401). A key that is not 32 ASCII characters → `bad_public_key` (400). Never throws.
 */
export function parseBasicAuth(value: string): AuthResult {
  if (!hasBasicAuthPrefix(value)) return fail('bad_auth', MISSING_AUTH, 'not basic authorization');
  const encoded = value.slice('basic '.length);
  if (!STRICT_BASE64.test(encoded)) return fail('bad_auth', MISSING_AUTH, 'invalid base64 credentials');
  const bytes = Buffer.from(encoded, 'base64');
  // Canonical trailing bits: re-encoding must give the same text.
  if (bytes.toString('base64') !== encoded) {
    return fail('bad_auth', MISSING_AUTH, 'invalid base64 credentials');
  }
  if (!isUtf8(bytes)) return fail('bad_auth', MISSING_AUTH, 'credentials are not valid UTF-8');
  const text = bytes.toString('utf8');
  const colon = text.indexOf(':');
  if (colon === -1) return fail('bad_auth', MISSING_AUTH, 'credentials lack a `:`');
  return fromPairs([['sentry_key', text.slice(0, colon)]], MISSING_AUTH);
}

/**
 * Parses query-string auth (`?sentry_key=…&sentry_version=7&sentry_client=…`), used by browsers,
 * CSP `report-uri` and the GET pixel. Returns `null` when the query does not contain `sentry_`
 * anywhere (Relay then does not consult it: `query.contains("sentry_")`); pass the raw query
 * string (without `?`) to apply that test to the undecoded text exactly as Relay does.
 * Values are form-decoded and not trimmed; otherwise the rules and errors of
 * {@link parseSentryAuth} apply. Never throws.
 */
export function parseQueryAuth(params: URLSearchParams | string): AuthResult | null {
  const raw = typeof params === 'string' ? params : params.toString();
  if (!raw.includes('sentry_')) return null;
  const search = typeof params === 'string' ? new URLSearchParams(params) : params;
  return fromPairs(search.entries(), BAD_AUTH);
}

/**
 * Validates a project key as Relay's `ProjectKey::parse_with_flags` does: split on `.`, the first
 * part must be exactly 32 ASCII characters (hex in practice, not enforced), the rest are flags
 * (e.g. `no-cache`). With `allowFlags: false` (a DSN's key, `ProjectKey::parse`) any `.` suffix
 * makes the key invalid. Returns `bad_public_key` (HTTP 400) on failure; never throws.
 */
export function parsePublicKey(value: string, allowFlags = true): PublicKeyResult {
  const parts = value.split('.');
  const key = allowFlags ? (parts[0] ?? '') : value;
  if (key.length !== 32 || !isAscii(key)) {
    return {
      ok: false,
      error: { kind: 'bad_public_key', message: BAD_PUBLIC_KEY, cause: 'invalid project key' },
    };
  }
  return { ok: true, publicKey: key, flags: allowFlags ? parts.slice(1) : [] };
}

function fromPairs(pairs: Iterable<[string, string]>, badAuthMessage: string): AuthResult {
  let version = PROTOCOL_VERSION;
  let key = '';
  let client: string | undefined;
  let secret: string | undefined;
  for (const [name, value] of pairs) {
    switch (name) {
      case 'sentry_client':
        client = value;
        break;
      case 'sentry_version': {
        const parsed = parseVersion(value);
        if (parsed === undefined) return fail('bad_auth', badAuthMessage, 'invalid value for version');
        version = parsed;
        break;
      }
      case 'sentry_key':
        key = value;
        break;
      case 'sentry_secret':
        secret = value;
        break;
      default:
        break;
    }
  }
  if (key === '') return fail('bad_auth', badAuthMessage, 'missing public key in auth header');

  const parsedKey = parsePublicKey(key);
  if (!parsedKey.ok) return parsedKey;
  if (version > PROTOCOL_VERSION) {
    return fail('unsupported_protocol_version', `unsupported protocol version (${version})`);
  }

  const auth: AuthPayload = { publicKey: parsedKey.publicKey, version };
  if (client !== undefined) auth.client = client;
  if (secret !== undefined) auth.secret = secret;
  if (parsedKey.flags.length > 0) auth.keyFlags = parsedKey.flags;
  return { ok: true, auth };
}

function parseVersion(value: string): number | undefined {
  const dot = value.indexOf('.');
  const head = dot === -1 ? value : value.slice(0, dot);
  if (!UNSIGNED_INTEGER.test(head)) return undefined;
  const version = Number(head);
  return version <= 0xffff ? version : undefined;
}

function startsWithIgnoreAsciiCase(value: string, lowerPrefix: string): boolean {
  if (value.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    const c = value.charCodeAt(i);
    const lower = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    if (lower !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}

function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

function rustTrim(value: string): string {
  return value.replace(RUST_TRIM, '');
}

function fail(kind: AuthError['kind'], message: string, cause?: string): { ok: false; error: AuthError } {
  return { ok: false, error: cause === undefined ? { kind, message } : { kind, message, cause } };
}
