/**
 * Sentry DSNs: `{protocol}://{public_key}[:{secret_key}]@{host}[:{port}]{path}/{project_id}`.
 *
 * Follows reference/relay-protocol.md §2.3 and the parser Relay uses, `sentry-types/src/dsn.rs`
 * (getsentry/sentry-rust), plus Relay's stricter `PartialDsn` rule that the project id is numeric
 * (`relay-server/src/extractors/request_meta.rs`). Both parse with a WHATWG URL parser, as Node's
 * `URL` does, so host normalisation (lowercasing, punycode, IPv6 brackets) and default-port
 * elision agree.
 */

/** A parsed DSN. */
export interface Dsn {
  /** `http` or `https` (no colon); other schemes are rejected. */
  protocol: 'http' | 'https';
  /** The user part of the URL, still percent-encoded. Not validated here (see `parsePublicKey` in auth.ts). */
  publicKey: string;
  /** The deprecated secret (URL password); absent when the DSN has none or an empty one. */
  secretKey?: string;
  /** Host name as the URL parser normalised it (lowercase, punycode; IPv6 keeps its brackets). */
  host: string;
  /** Explicit port; absent when not given or equal to the scheme's default (80/443). */
  port?: number;
  /** Path prefix before the project id: `''` or `/segment[/segment…]`, never ending in `/`. */
  path: string;
  /** Numeric project id (the last path segment), a non-negative safe integer. */
  projectId: number;
}

/**
 * Why a DSN failed to parse. `kind` mirrors `ParseDsnError` in sentry-types and `message` is
 * its text: `invalid_url` ("no valid url provided"), `invalid_scheme` ("no valid scheme"),
 * `no_username` ("username is empty"), `no_project_id` ("empty path"), `invalid_project_id`
 * ("invalid project id").
 */
export type DsnError = {
  kind: 'invalid_url' | 'invalid_scheme' | 'no_username' | 'no_project_id' | 'invalid_project_id';
  message: string;
};

/** Result of {@link parseDsn}. */
export type ParseDsnResult = { ok: true; dsn: Dsn } | { ok: false; error: DsnError };

// Rust's `u64::from_str` accepts an optional `+` and leading zeros.
const UNSIGNED_INTEGER = /^\+?[0-9]+$/;

/**
 * Parses a DSN string. Query string and fragment are ignored (as upstream does). The checks run
 * in sentry-types' order: URL syntax, empty path, project id, user name, scheme, host. The project
 * id must be an unsigned integer (Relay's `PartialDsn`), at most `Number.MAX_SAFE_INTEGER` here.
 * Never throws; returns a typed {@link DsnError} on bad input.
 */
export function parseDsn(dsn: string): ParseDsnResult {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return fail('invalid_url', 'no valid url provided');
  }

  const pathname = url.pathname;
  if (pathname === '/' || pathname === '') return fail('no_project_id', 'empty path');

  const trimmed = trimSlashes(pathname);
  const lastSlash = trimmed.lastIndexOf('/');
  const projectIdText = lastSlash === -1 ? trimmed : trimmed.slice(lastSlash + 1);
  const prefix = lastSlash === -1 ? '' : trimmed.slice(0, lastSlash);
  if (projectIdText === '') return fail('no_project_id', 'empty path');
  if (!UNSIGNED_INTEGER.test(projectIdText)) return fail('invalid_project_id', 'invalid project id');
  const projectId = Number(projectIdText);
  if (!Number.isSafeInteger(projectId)) return fail('invalid_project_id', 'invalid project id');

  if (url.username === '') return fail('no_username', 'username is empty');

  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') return fail('invalid_scheme', 'no valid scheme');
  if (url.hostname === '') return fail('invalid_url', 'no valid url provided');

  const parsed: Dsn = {
    protocol: scheme,
    publicKey: url.username,
    host: url.hostname,
    // `trimmed` starts with a non-slash, so a non-empty prefix does too.
    path: prefix === '' ? '' : `/${trimSlashes(prefix)}`,
    projectId,
  };
  if (url.password !== '') parsed.secretKey = url.password;
  if (url.port !== '') parsed.port = Number(url.port);
  return { ok: true, dsn: parsed };
}

/**
 * Formats a DSN back to its string form, `{protocol}://{key}[:{secret}]@{host}[:{port}]{path}/{id}`.
 * The inverse of {@link parseDsn} for any DSN it produced (the port is omitted when absent; an
 * empty secret is written without the colon).
 */
export function formatDsn(dsn: Dsn): string {
  const secret = dsn.secretKey !== undefined && dsn.secretKey !== '' ? `:${dsn.secretKey}` : '';
  const port = dsn.port !== undefined ? `:${dsn.port}` : '';
  return `${dsn.protocol}://${dsn.publicKey}${secret}@${dsn.host}${port}${dsn.path}/${dsn.projectId}`;
}

function trimSlashes(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) === 0x2f) start++;
  while (end > start && value.charCodeAt(end - 1) === 0x2f) end--;
  return value.slice(start, end);
}

function fail(kind: DsnError['kind'], message: string): { ok: false; error: DsnError } {
  return { ok: false, error: { kind, message } };
}
