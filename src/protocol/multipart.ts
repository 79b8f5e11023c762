/**
 * `multipart/form-data` bodies (RFC 7578) as the attachment and minidump endpoints receive them
 * (reference/relay-protocol.md §1.4; Relay reads them with the `multer` crate in
 * `relay-server/src/utils/multipart.rs`). The body is parsed from a buffer that the ingest edge
 * has already decoded and capped, so a part is a `subarray` view of it (no copy).
 */

/** One part of a form: its field name, the file name when it is a file, its content type and bytes. */
export interface MultipartPart {
  /** `name` of `Content-Disposition: form-data`; `''` when absent. */
  name: string;
  /** `filename` (or RFC 5987 `filename*`) of the disposition; absent for a plain form field. */
  filename?: string;
  /** The part's `Content-Type` header; absent when the part has none. */
  contentType?: string;
  /** The part's body (a view into the request body). */
  data: Buffer;
}

/** Result of {@link parseMultipart}; `error` is a short cause in the words of Relay's `multer` errors. */
export type MultipartResult = { ok: true; parts: MultipartPart[] } | { ok: false; error: string };

/**
 * The `boundary` parameter of a `multipart/form-data` content type (quoted or not), or undefined
 * when the media type is not `multipart/form-data` or names no boundary.
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const [media, ...params] = contentType.split(';');
  if (media?.trim().toLowerCase() !== 'multipart/form-data') return undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    const value = param.slice(eq + 1).trim();
    const unquoted = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    return unquoted === '' ? undefined : unquoted;
  }
  return undefined;
}

/**
 * Splits `body` at `--boundary` delimiters into parts. Preamble and epilogue are ignored; every
 * part needs a `Content-Disposition: form-data` header. Fails when no delimiter is found, a part's
 * headers are not terminated by an empty line, or the closing delimiter is missing.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartResult {
  const delimiter = Buffer.from(`--${boundary}`);
  // A part's body ends at CRLF + delimiter.
  const closing = Buffer.from(`\r\n--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at === -1) return { ok: false, error: 'incomplete stream' };
  const parts: MultipartPart[] = [];
  for (;;) {
    let cursor = at + delimiter.length;
    // `--` after a delimiter closes the body.
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) return { ok: true, parts };
    cursor = skipLine(body, cursor);
    if (cursor === -1) return { ok: false, error: 'incomplete stream' };
    const headerEnd = body.indexOf('\r\n\r\n', cursor);
    const emptyHeaders = body[cursor] === 0x0d && body[cursor + 1] === 0x0a;
    if (headerEnd === -1 && !emptyHeaders) return { ok: false, error: 'incomplete headers' };
    const headerText = emptyHeaders ? '' : body.subarray(cursor, headerEnd).toString('utf8');
    const dataStart = emptyHeaders ? cursor + 2 : headerEnd + 4;
    const next = body.indexOf(closing, dataStart);
    if (next === -1) return { ok: false, error: 'incomplete stream' };
    const part = parsePartHeaders(headerText);
    if (part === undefined) return { ok: false, error: 'no content-disposition form-data header' };
    parts.push({ ...part, data: body.subarray(dataStart, next) });
    at = next + 2;
  }
}

/** The index after the end of the line that starts at `from` (CRLF or LF), or -1. */
function skipLine(body: Buffer, from: number): number {
  const lf = body.indexOf(0x0a, from);
  return lf === -1 ? -1 : lf + 1;
}

/** Field name, file name and content type from a part's header block; undefined without a form-data disposition. */
function parsePartHeaders(text: string): Omit<MultipartPart, 'data'> | undefined {
  let disposition: Record<string, string> | undefined;
  let contentType: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-type') contentType = value;
    if (name === 'content-disposition') {
      const [kind, ...params] = splitParams(value);
      if (kind?.toLowerCase() !== 'form-data') return undefined;
      disposition = {};
      for (const param of params) {
        const eq = param.indexOf('=');
        if (eq === -1) continue;
        disposition[param.slice(0, eq).trim().toLowerCase()] = unquote(param.slice(eq + 1).trim());
      }
    }
  }
  if (disposition === undefined) return undefined;
  const extended = disposition['filename*'];
  const filename = extended !== undefined ? decodeExtended(extended) : disposition.filename;
  return {
    name: disposition.name ?? '',
    ...(filename !== undefined ? { filename } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
}

/** Splits a header value at `;` outside double quotes. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && quoted && i + 1 < value.length) {
      current += c + value[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  out.push(current.trim());
  return out;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

/** RFC 5987 `charset'lang'percent-encoded` (UTF-8 assumed); the raw text when it does not decode. */
function decodeExtended(value: string): string {
  const parts = value.split("'");
  const encoded = parts.length >= 3 ? parts.slice(2).join("'") : value;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
