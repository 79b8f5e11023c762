/**
 * Source context of a frame: five lines before and after the frame's line, each cut to about
 * 140 bytes around the frame's column with `{snip}` markers (minified bundles are one long
 * line). Port of `symbolicator: crates/symbolicator-service/src/source_context.rs`
 * (`get_context_lines`, `trim_context_line`), which counts UTF-8 bytes.
 */

/** Lines around a frame: `pre_context`, `context_line`, `post_context`. */
export interface ContextLines {
  pre: string[];
  line: string;
  post: string[];
}

/** Lines of context on each side (Symbolicator's `DEFAULT_CONTEXT_LINES`). */
export const CONTEXT_LINES = 5;

/**
 * `text` split into lines as Rust's `str::lines` does: on `\n`, dropping one `\r` before it,
 * without a last empty line after a trailing newline.
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  if (text === '') lines.length = 0;
  return lines;
}

/**
 * The context of the 1-based `lineno` in `lines`, each line trimmed around the 0-based byte
 * `column`; `undefined` when the file has no such line.
 */
export function getContextLines(
  lines: readonly string[],
  lineno: number,
  column: number,
  contextLines = CONTEXT_LINES,
): ContextLines | undefined {
  const start = Math.max(0, Math.max(0, lineno - contextLines) - 1);
  const before = Math.max(0, lineno - start - 1);
  const line = lines[start + before];
  if (line === undefined) return undefined;
  const trim = (text: string): string => trimContextLine(text, column);
  return {
    pre: lines.slice(start, start + before).map(trim),
    line: trim(line),
    post: lines.slice(start + before + 1, start + before + 1 + contextLines).map(trim),
  };
}

/**
 * Cuts a line longer than 150 bytes to 140 bytes, starting 60 bytes before `column` where
 * possible, marking each cut edge with `{snip}`; cuts never split a UTF-8 character.
 */
export function trimContextLine(line: string, column: number): string {
  // UTF-16 length × 3 bounds the UTF-8 length: most lines skip the encoding.
  if (line.length * 3 <= 150) return line;
  const len = Buffer.byteLength(line, 'utf8');
  if (len <= 150) return line;
  // ASCII (the usual minified bundle): bytes are characters, no need to encode a long line.
  if (len === line.length) {
    const [start, end] = window(len, column);
    return snipped(line.slice(start, end), start, end, len);
  }
  const bytes = Buffer.from(line, 'utf8');
  const [start, end] = window(len, column).map((i) => floorCharBoundary(bytes, i)) as [number, number];
  return snipped(bytes.toString('utf8', start, end), start, end, len);
}

/** The byte range `[start, end)` kept of a line of `len` bytes: 140 bytes from 60 before the column. */
function window(len: number, column: number): [number, number] {
  const col = Math.min(Math.max(0, column), len);
  let start = Math.max(0, col - 60);
  if (start < 5) start = 0;
  let end = Math.min(start + 140, len);
  if (end > len - 5) end = len;
  if (end === len) start = Math.max(0, end - 140);
  return [start, end];
}

function snipped(text: string, start: number, end: number, len: number): string {
  let out = text;
  if (start > 0) out = `{snip} ${out}`;
  if (end < len) out += ' {snip}';
  return out;
}

/** The largest index ≤ `index` that starts a UTF-8 character (or the length). */
function floorCharBoundary(bytes: Buffer, index: number): number {
  if (index >= bytes.length) return bytes.length;
  let i = index;
  // Continuation bytes are 0b10xxxxxx.
  while (i > 0 && (bytes[i]! & 0xc0) === 0x80) i--;
  return i;
}
