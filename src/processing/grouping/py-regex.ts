/**
 * Python-compatible regular expressions for the grouping code.
 *
 * Sentry's grouping regexes run on Python's `re` with `str` patterns, where `\d`, `\w`, `\s`
 * and `\b` are Unicode-aware and `.` only excludes `\n`. JavaScript's versions are ASCII-only
 * (`\d`, `\w`, `\b`) or differ in detail (`\s` includes U+FEFF, `.` excludes `\r`). Hashes must
 * not depend on which language ran the regex, so patterns are written in JavaScript syntax and
 * passed through {@link pyRegex}, which rewrites those escapes to Python's meaning.
 */

/** Python's `str.isspace()` set: JS `\s` minus U+FEFF, plus U+001C–U+001F and U+0085. */
const PY_SPACE_CHARS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's Unicode word characters (letters, numbers, underscore). */
const PY_WORD_CHARS = '\\p{L}\\p{N}_';
const PY_WORD = `[${PY_WORD_CHARS}]`;
/** Python's Unicode word boundary, written with lookarounds. */
const PY_BOUNDARY = `(?:(?<=${PY_WORD})(?!${PY_WORD})|(?<!${PY_WORD})(?=${PY_WORD}))`;
const PY_NOT_BOUNDARY = `(?:(?<=${PY_WORD})(?=${PY_WORD})|(?<!${PY_WORD})(?!${PY_WORD}))`;

/**
 * Rewrites a JavaScript-syntax pattern so that `\d \w \W \s \S \b \B .` behave as in Python 3.
 * Character classes are tracked so escapes inside `[...]` are expanded in place.
 * Returns the rewritten pattern source (to be compiled with the `u` flag).
 *
 * With `asciiSubjects`, the pattern is only meant for pure-ASCII subjects: there Python's Unicode
 * `\d`, `\w`, `\b` (and their negations) coincide with JavaScript's own ASCII ones, which are
 * kept because they run much faster; `\s` and `.` still get Python's meaning (they differ on
 * ASCII control characters).
 */
export function toPythonSemantics(source: string, asciiSubjects = false): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] as string;
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (asciiSubjects && ASCII_SAFE_ESCAPES.has(next)) out += `\\${next}`;
      else out += inClass ? translateClassEscape(next) : translateEscape(next);
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      // A `]` right after `[` or `[^` is a literal in Python; JS needs it escaped.
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    out += ch === '.' ? '[^\\n]' : ch;
  }
  return out;
}

/** Escapes whose JavaScript meaning equals Python's on ASCII subjects. */
const ASCII_SAFE_ESCAPES: ReadonlySet<string> = new Set(['d', 'D', 'w', 'W', 'b', 'B']);

function translateEscape(next: string): string {
  switch (next) {
    case 'd':
      return '\\p{Nd}';
    case 'D':
      return '\\P{Nd}';
    case 'w':
      return PY_WORD;
    case 'W':
      return `[^${PY_WORD_CHARS}]`;
    case 's':
      return `[${PY_SPACE_CHARS}]`;
    case 'S':
      return `[^${PY_SPACE_CHARS}]`;
    case 'b':
      return PY_BOUNDARY;
    case 'B':
      return PY_NOT_BOUNDARY;
    default:
      return `\\${next}`;
  }
}

function translateClassEscape(next: string): string {
  switch (next) {
    case 'd':
      return '\\p{Nd}';
    case 'w':
      return PY_WORD_CHARS;
    case 's':
      return PY_SPACE_CHARS;
    default:
      return `\\${next}`;
  }
}

/**
 * Compiles `source` (JavaScript syntax) with Python 3 `str`-pattern semantics for the
 * character-class escapes, `\b` and `.`. `flags` defaults to none; `u` is always
 * added. With `asciiSubjects` the regex is faster but only valid for pure-ASCII subjects
 * (see {@link toPythonSemantics}). Throws (a bug) when the pattern is invalid.
 */
export function pyRegex(source: string, flags = '', asciiSubjects = false): RegExp {
  return new RegExp(toPythonSemantics(source, asciiSubjects), flags.includes('u') ? flags : `${flags}u`);
}

/** True when `text` is pure ASCII (so `asciiSubjects` regexes from {@link pyRegex} apply). */
export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}

const NON_ASCII = /[^\0-\x7f]/u;

// eslint-disable-next-line no-control-regex -- Python's splitlines() breaks on U+001C–U+001E too.
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u;

/** Python's `str.splitlines()`: splits on every line boundary Python recognises. */
export function pySplitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(PY_LINE_BREAK);
  // A trailing line break does not produce an empty last line in Python.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Python's `str.strip()` with no arguments (Unicode whitespace per `str.isspace`). */
export function pyStrip(text: string): string {
  // Most values have nothing to strip; every Python space is a single UTF-16 unit.
  if (text === '' || (!isPySpace(text.charCodeAt(0)) && !isPySpace(text.charCodeAt(text.length - 1)))) {
    return text;
  }
  return text.replace(PY_STRIP_RE, '');
}

/** Whether the UTF-16 unit `code` is in Python's `str.isspace()` set ({@link PY_SPACE_CHARS}). */
function isPySpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

const PY_STRIP_RE = new RegExp(`^[${PY_SPACE_CHARS}]+|[${PY_SPACE_CHARS}]+$`, 'gu');

/** Python's `str.split()` with no arguments: splits on runs of whitespace, drops empties. */
export function pySplitWhitespace(text: string): string[] {
  return text.split(PY_SPACE_RUN_RE).filter((part) => part !== '');
}

const PY_SPACE_RUN_RE = new RegExp(`[${PY_SPACE_CHARS}]+`, 'u');
