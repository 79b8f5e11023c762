/**
 * How a minified file points at its source map and debug id: the artifact's `Sourcemap` (or
 * `X-SourceMap`) header, else a `//# sourceMappingURL=` comment, resolved against the frame's URL
 * (a `data:` URL embeds the map); the `debug-id` header or a `//# debugId=` comment. Follows
 * `symbolicator: crates/symbolicator-js/src/utils.rs` (`resolve_sourcemap_url`),
 * `src/lookup.rs` (`SourceMapUrl::parse_with_prefix`) and symbolic's `discover_sourcemaps_location`
 * / `discover_debug_id` (`symbolic-debuginfo/src/js.rs`).
 */
import { joinPaths } from './paths.js';

/** Where a minified file's source map is: embedded (decoded text) or at a URL. */
export type SourceMapReference = { kind: 'embedded'; text: string } | { kind: 'url'; url: string };

/**
 * The value of the last `//# sourceMappingURL=` (or legacy `//@ sourceMappingURL=`) line of
 * `source`, trimmed; `undefined` without one.
 */
export function discoverSourceMappingUrl(source: string): string | undefined {
  return lastCommentValue(source, ['//# sourceMappingURL=', '//@ sourceMappingURL=']);
}

/** The debug id of the last `//# debugId=` line of `source` (what `sentry-cli sourcemaps inject` appends). */
export function discoverDebugId(source: string): string | undefined {
  const value = lastCommentValue(source, ['//# debugId=']);
  return value === undefined ? undefined : normalizeDebugId(value);
}

/** Scans lines from the end, so the trailing comment of a large bundle is found without splitting it. */
function lastCommentValue(source: string, prefixes: readonly string[]): string | undefined {
  let end = source.length;
  while (end > 0) {
    const start = source.lastIndexOf('\n', end - 1) + 1;
    const line = source.slice(start, end).trim();
    for (const prefix of prefixes) if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
    end = start - 1;
  }
  return undefined;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/;

/**
 * A debug id in the canonical form the artifact index uses (lowercase UUID with dashes), from
 * the forms SDKs and tools write (any case, with or without dashes or braces); `undefined` if it
 * is not a UUID.
 */
export function normalizeDebugId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let id = value.trim().toLowerCase();
  if (id.startsWith('{') && id.endsWith('}')) id = id.slice(1, -1);
  if (!UUID_RE.test(id)) return undefined;
  const hex = id.replaceAll('-', '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Resolves a minified file's source map reference: the `sourcemap` / `x-sourcemap` header
 * (headers keyed lowercase), else its `sourceMappingURL` comment (`comment()`, see
 * {@link discoverSourceMappingUrl}); relative URLs are joined to `absPath` (the frame's URL).
 * Returns `undefined` without a reference, `'malformed'` for a `data:` URL that does not decode
 * to UTF-8 text.
 */
export function resolveSourceMapReference(
  absPath: string,
  headers: Readonly<Record<string, string>>,
  comment: () => string | undefined,
): SourceMapReference | 'malformed' | undefined {
  const reference = headers['sourcemap'] ?? headers['x-sourcemap'] ?? comment();
  if (reference === undefined) return undefined;
  if (!reference.startsWith('data:')) return { kind: 'url', url: joinPaths(absPath, reference) };
  const text = decodeDataUrl(reference);
  return text === undefined ? 'malformed' : { kind: 'embedded', text };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a `data:` URL (WHATWG fetch's data URL processor: percent-decoding, and
 * forgiving-base64 when the media type ends in `;base64`), or `undefined` when it is not valid
 * or not UTF-8.
 */
export function decodeDataUrl(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const header = url.slice('data:'.length, comma).trim();
  let bytes: Buffer;
  try {
    bytes = percentDecode(url.slice(comma + 1));
  } catch {
    return undefined;
  }
  if (/;\s*base64$/i.test(header)) {
    const decoded = forgivingBase64(bytes.toString('latin1'));
    if (decoded === undefined) return undefined;
    bytes = decoded;
  }
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function percentDecode(text: string): Buffer {
  if (!text.includes('%')) return Buffer.from(text, 'utf8');
  const out: number[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x25 && i + 2 < bytes.length) {
      const hex = String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    out.push(byte);
  }
  return Buffer.from(out);
}

/** WHATWG forgiving-base64 decode; `undefined` on failure (Node's decoder alone accepts anything). */
function forgivingBase64(input: string): Buffer | undefined {
  let data = input.replace(/[\t\n\f\r ]/g, '');
  if (data.length % 4 === 0) data = data.replace(/={1,2}$/, '');
  if (data.length % 4 === 1 || !/^[A-Za-z0-9+/]*$/.test(data)) return undefined;
  return Buffer.from(data, 'base64');
}
