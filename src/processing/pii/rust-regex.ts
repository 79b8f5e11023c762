/**
 * Compiles the regular expressions of a project's PII config (`pattern` and `redact_pair`
 * rules), written for Rust's `regex` crate, into JavaScript regexes.
 *
 * Follows `relay-pii/src/config.rs` (`LazyPattern`: Rust `regex` syntax, a 256 KiB compiled size
 * limit, `redact_pair` key patterns case-sensitive unless the pattern says `(?i)`). The `regex`
 * crate has no look-around and no backreferences; patterns that use them are rejected here too,
 * which also keeps the worst backtracking cases out of JavaScript's engine. Translated: leading
 * inline flags `(?imsx)`, named groups `(?P<name>…)`, `\A` / `\z` and POSIX classes
 * (`[[:alpha:]]`). Rejected with an error: inline flags elsewhere, `\p{…}` classes, look-around,
 * backreferences, and anything JavaScript cannot compile.
 */

/** Longest accepted pattern source, in characters (stands in for Relay's compiled-size limit). */
const MAX_PATTERN_LENGTH = 16_384;

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** A compiled pattern or the reason it was rejected. */
export type CompiledRegex = { ok: true; regex: RegExp } | { ok: false; error: string };

/** Removes whitespace and `#` comments outside classes (Rust's `x` flag). */
function stripExtended(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

/** Rewrites the Rust-only syntax of `source` (flags already taken off) or explains why not. */
function rewrite(source: string): { ok: true; source: string } | { ok: false; error: string } {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    const rest = source.slice(i);
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return { ok: false, error: 'pattern ends with a lone backslash' };
      if (/[1-9]/.test(next) || next === 'k') return { ok: false, error: 'backreferences are not supported' };
      if (next === 'p' || next === 'P')
        return { ok: false, error: 'Unicode classes (\\p) are not supported' };
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'z') out += '(?![\\s\\S])';
      else out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^)?([a-z]+):\]/.exec(rest);
      if (posix) {
        const body = POSIX_CLASSES[posix[2] as string];
        if (body === undefined || posix[1]) return { ok: false, error: `unsupported class ${posix[0]}` };
        out += body;
        i += posix[0].length - 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` right after `[` or `[^` is a literal in Rust.
      const negated = source[i + 1] === '^';
      if (negated) {
        out += '^';
        i++;
      }
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (rest.startsWith('(?')) {
      if (/^\(\?(=|!|<=|<!)/.test(rest)) return { ok: false, error: 'look-around is not supported' };
      if (rest.startsWith('(?P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (!rest.startsWith('(?:') && !rest.startsWith('(?<')) {
        return { ok: false, error: 'inline flags are only supported at the start of the pattern' };
      }
    }
    out += c;
  }
  return { ok: true, source: out };
}

/**
 * Compiles a Rust-syntax pattern into a global, `d`-flagged JavaScript regex (match indices for
 * replace groups). `caseInsensitive` adds the `i` flag, as Relay does for some built-in uses.
 */
export function compileRustRegex(pattern: string, caseInsensitive = false): CompiledRegex {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, error: `pattern longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  let source = pattern;
  const flags = new Set<string>(caseInsensitive ? ['i'] : []);
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    for (const flag of leading[1] as string) {
      if (!'imsxu'.includes(flag)) return { ok: false, error: `unsupported inline flag ${flag}` };
      // `u` (Unicode) is Rust's default; JavaScript's `u` would change the accepted syntax.
      if (flag !== 'u') flags.add(flag);
    }
    source = source.slice(leading[0].length);
  }
  if (flags.delete('x')) source = stripExtended(source);
  const rewritten = rewrite(source);
  if (!rewritten.ok) return rewritten;
  try {
    return { ok: true, regex: new RegExp(rewritten.source, `${[...flags].join('')}gd`) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
