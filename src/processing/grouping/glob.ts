/**
 * Glob patterns as used by Sentry's stack trace rules and fingerprint rules.
 *
 * Follows `sentry: src/sentry/utils/glob.py` (which delegates to Relay's `is_glob_match`):
 * the whole value must match; `**` matches anything; `*` matches anything except `/` in
 * "double star" (path) mode and anything at all otherwise; `?` matches one character;
 * `[...]` is a character class (`[!...]` negated); a backslash escapes the next character.
 * With `pathNormalize`, `\` in the value (not the pattern) is read as `/`. Newlines are matched like any character.
 */
import { BoundedCache } from './bounded-cache.js';

/** Options of {@link globToRegExp} / {@link globMatch}. */
export interface GlobOptions {
  /** Path mode: `*` stops at `/`, `**` crosses it. Default false. */
  doubleStar?: boolean;
  /** Compare case-insensitively. Default false. */
  ignoreCase?: boolean;
  /** Treat backslashes in the value as `/` (Windows paths). Default false. */
  pathNormalize?: boolean;
}

/** Compiled globs by options and pattern (rule sets reuse a small set of patterns). */
const cache = new BoundedCache<string, RegExp>(4096);

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/u.test(ch) ? `\\${ch}` : ch;
}

function escapeClassChar(ch: string): string {
  return /[\\\][^]/u.test(ch) ? `\\${ch}` : ch;
}

/** Compiles a glob into an anchored regular expression (cached, up to 4096 globs). Never throws. */
export function globToRegExp(pattern: string, options: GlobOptions = {}): RegExp {
  const key = `${options.doubleStar ? 'd' : '-'}${options.ignoreCase ? 'i' : '-'}${pattern}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\' && i + 1 < pattern.length) {
      source += escapeLiteral(pattern[i + 1] as string);
      i++;
    } else if (ch === '*') {
      if (pattern[i + 1] === '*') {
        source += '[\\s\\S]*';
        i++;
      } else {
        source += options.doubleStar ? '[^/]*' : '[\\s\\S]*';
      }
    } else if (ch === '?') {
      source += '[\\s\\S]';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      let negated = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negated = true;
        body = body.slice(1);
      }
      source += `[${negated ? '^' : ''}${[...body].map((c) => (c === '-' ? '-' : escapeClassChar(c))).join('')}]`;
      i = end;
    } else {
      source += escapeLiteral(ch);
    }
  }
  source += '$';
  const regex = new RegExp(source, options.ignoreCase ? 'iu' : 'u');
  return cache.set(key, regex);
}

/** True when the whole `value` matches the glob `pattern`. */
export function globMatch(value: string, pattern: string, options: GlobOptions = {}): boolean {
  const subject = options.pathNormalize ? value.replaceAll('\\', '/') : value;
  return globToRegExp(pattern, options).test(subject);
}
