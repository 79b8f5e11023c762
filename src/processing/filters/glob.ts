/**
 * Relay's glob patterns (`relay-pattern`, used by `relay-common`'s `GlobPatterns` for every
 * inbound filter: error messages, releases, ignored transactions, generic `glob` conditions).
 *
 * Syntax: `?` one character, `*` any run of characters (including `/` and newlines: there is no
 * path mode, so releases and messages match alike), `[abc]` / `[a-z]` a class, `[!abc]` its
 * negation, `{a,b}` alternatives (not nested), `\` escapes the next character. `!` outside a class
 * is a literal. The empty pattern matches nothing, and nothing matches an empty value
 * (`GlobPatterns::is_match` returns false for `""`). Inbound filters always match
 * case-insensitively (Unicode lower-casing, so `İ` matches `i̇`).
 *
 * Invalid patterns (unbalanced `[`/`]`/`{`/`}`, nested `{`, `[b-a]`, a dangling `\`) are
 * rejected by {@link compileGlob}; Relay drops such patterns silently, so {@link GlobPatterns}
 * ignores them and {@link globError} lets a config parser report them.
 *
 * Matching is a linear scan over sets of positions (no regular expressions, no backtracking),
 * so user-supplied patterns cannot blow up on long messages.
 */

/** A character range of a class, inclusive, as code points. */
interface Range {
  start: number;
  end: number;
}

type Token =
  | { kind: 'literal'; chars: number[] }
  | { kind: 'any'; count: number }
  | { kind: 'wildcard' }
  | { kind: 'class'; negated: boolean; ranges: Range[] }
  | { kind: 'alternates'; options: Token[][] };

/** A compiled glob; match with {@link matchGlob}. */
export interface CompiledGlob {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
  readonly tokens: readonly Token[];
}

/** Thrown by {@link compileGlob} for a pattern Relay would not compile. */
export class GlobSyntaxError extends Error {
  constructor(pattern: string, detail: string) {
    super(`Error parsing pattern '${pattern}': ${detail}`);
    this.name = 'GlobSyntaxError';
  }
}

function codePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(ch.codePointAt(0) as number);
  return out;
}

/** Appends `token` to `tokens`, folding runs the way Relay's `Tokens::push` does. */
function pushToken(tokens: Token[], token: Token): void {
  if (token.kind === 'alternates') {
    const options = token.options.filter((o) => o.length > 0);
    if (options.some((o) => o.length === 1 && o[0]?.kind === 'wildcard')) token = { kind: 'wildcard' };
    else token = { kind: 'alternates', options };
  }
  const last = tokens[tokens.length - 1];
  if (token.kind === 'class' && token.ranges.length === 0) {
    // Relay drops empty classes (`[]`, `[!]`) altogether, so `x[]` matches `x`.
    return;
  }
  if (last?.kind === 'any' && token.kind === 'any') last.count += token.count;
  else if (last?.kind === 'wildcard' && token.kind === 'wildcard') return;
  else if (last?.kind === 'literal' && token.kind === 'literal') last.chars.push(...token.chars);
  else tokens.push(token);
}

/**
 * Compiles a Relay glob. `caseInsensitive` lower-cases literals and the value, and lets a class
 * match a character or its upper-case form, as `Pattern::builder(p).case_insensitive(true)` does.
 *
 * @throws {GlobSyntaxError} for patterns Relay rejects.
 */
export function compileGlob(pattern: string, caseInsensitive = true): CompiledGlob {
  const chars = [...pattern];
  const tokens: Token[] = [];
  let alternates: Token[][] | undefined;
  let literal = '';
  let i = 0;

  const target = (): Token[] => {
    if (alternates === undefined) return tokens;
    let current = alternates[alternates.length - 1];
    if (current === undefined) {
      current = [];
      alternates.push(current);
    }
    return current;
  };
  const finishLiteral = (): void => {
    if (literal === '') return;
    const text = caseInsensitive ? literal.toLowerCase() : literal;
    literal = '';
    pushToken(target(), { kind: 'literal', chars: codePoints(text) });
  };
  const push = (token: Token): void => {
    finishLiteral();
    pushToken(target(), token);
  };

  while (i < chars.length) {
    const c = chars[i++] as string;
    switch (c) {
      case '?':
        push({ kind: 'any', count: 1 });
        break;
      case '*':
        push({ kind: 'wildcard' });
        break;
      case '[': {
        let negated = false;
        if (chars[i] === '!') {
          negated = true;
          i++;
        }
        const ranges: Range[] = [];
        let first = true;
        let inRange = false;
        for (;;) {
          const d = chars[i++];
          if (d === undefined) throw new GlobSyntaxError(pattern, 'Unbalanced character class');
          if (d === '[') throw new GlobSyntaxError(pattern, 'Invalid character class');
          if (d === ']') break;
          if (d === '-') {
            if (first) ranges.push({ start: 45, end: 45 });
            else if (inRange) {
              const last = ranges[ranges.length - 1] as Range;
              if (last.start > 45) throw new GlobSyntaxError(pattern, `Invalid character range`);
              last.end = 45;
              inRange = false;
            } else inRange = true;
          } else {
            let ch = d;
            if (ch === '\\') {
              const escaped = chars[i++];
              if (escaped === undefined) throw new GlobSyntaxError(pattern, 'Dangling escape');
              ch = escaped;
            }
            const cp = ch.codePointAt(0) as number;
            if (inRange) {
              const last = ranges[ranges.length - 1] as Range;
              if (last.start > cp) throw new GlobSyntaxError(pattern, `Invalid character range`);
              last.end = cp;
              inRange = false;
            } else ranges.push({ start: cp, end: cp });
          }
          first = false;
        }
        if (inRange) ranges.push({ start: 45, end: 45 });
        push({ kind: 'class', negated, ranges });
        break;
      }
      case ']':
        throw new GlobSyntaxError(pattern, 'Unbalanced character class');
      case '{':
        if (alternates !== undefined) throw new GlobSyntaxError(pattern, 'Nested alternates');
        finishLiteral();
        alternates = [];
        break;
      case '}': {
        finishLiteral();
        if (alternates === undefined) throw new GlobSyntaxError(pattern, 'Unbalanced alternates');
        const options = alternates;
        alternates = undefined;
        pushToken(tokens, { kind: 'alternates', options });
        break;
      }
      case '\\': {
        const escaped = chars[i++];
        if (escaped === undefined) throw new GlobSyntaxError(pattern, 'Dangling escape');
        literal += escaped;
        break;
      }
      case ',':
        if (alternates !== undefined) {
          finishLiteral();
          alternates.push([]);
        } else literal += c;
        break;
      default:
        literal += c;
    }
  }
  finishLiteral();
  if (alternates !== undefined) throw new GlobSyntaxError(pattern, 'Unbalanced alternates');
  return { pattern, caseInsensitive, tokens };
}

/** Returns Relay's error text for an invalid pattern, `undefined` for a valid one. */
export function globError(pattern: string): string | undefined {
  try {
    compileGlob(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function classMatches(
  token: { negated: boolean; ranges: Range[] },
  cp: number,
  caseInsensitive: boolean,
): boolean {
  const inRanges = (c: number): boolean => token.ranges.some((r) => r.start <= c && c <= r.end);
  let hit = inRanges(cp);
  if (!hit && caseInsensitive) {
    const upper = String.fromCodePoint(cp).toUpperCase();
    if ([...upper].length === 1) hit = inRanges(upper.codePointAt(0) as number);
  }
  return token.negated ? !hit : hit;
}

/**
 * Advances the set of reachable positions `from` (sorted, unique) over `tokens`; returns the
 * positions reachable after them.
 */
function step(tokens: readonly Token[], hay: readonly number[], from: number[], ci: boolean): number[] {
  let positions = from;
  for (const token of tokens) {
    if (positions.length === 0) return positions;
    const next: number[] = [];
    switch (token.kind) {
      case 'literal': {
        const lit = token.chars;
        for (const p of positions) {
          if (p + lit.length > hay.length) continue;
          let ok = true;
          for (let k = 0; k < lit.length; k++) {
            if (hay[p + k] !== lit[k]) {
              ok = false;
              break;
            }
          }
          if (ok) next.push(p + lit.length);
        }
        break;
      }
      case 'any':
        for (const p of positions) if (p + token.count <= hay.length) next.push(p + token.count);
        break;
      case 'wildcard': {
        const min = positions[0] as number;
        for (let p = min; p <= hay.length; p++) next.push(p);
        break;
      }
      case 'class':
        for (const p of positions) {
          const cp = hay[p];
          if (cp !== undefined && classMatches(token, cp, ci)) next.push(p + 1);
        }
        break;
      case 'alternates': {
        const seen = new Set<number>();
        for (const option of token.options) for (const p of step(option, hay, positions, ci)) seen.add(p);
        next.push(...[...seen].sort((a, b) => a - b));
        break;
      }
    }
    positions = next;
  }
  return positions;
}

/** Lower-cased code points of `value` (what case-insensitive patterns compare against). */
function haystack(value: string, caseInsensitive: boolean): number[] {
  return codePoints(caseInsensitive ? value.toLowerCase() : value);
}

/** True when the whole `value` matches `glob`. An empty pattern never matches. */
export function matchGlob(glob: CompiledGlob, value: string): boolean {
  if (glob.tokens.length === 0) return false;
  const hay = haystack(value, glob.caseInsensitive);
  return step(glob.tokens, hay, [0], glob.caseInsensitive).includes(hay.length);
}

/**
 * A list of patterns compiled once (Relay's `GlobPatterns`): case-insensitive, invalid patterns
 * ignored, an empty value never matches.
 */
export class GlobPatterns {
  readonly patterns: readonly string[];
  private compiled: CompiledGlob[] | undefined;

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
  }

  /** True when no pattern was configured (invalid ones count: Relay keeps them). */
  isEmpty(): boolean {
    return this.patterns.length === 0;
  }

  /** True when any valid pattern matches the whole `value`; false for `""`. */
  isMatch(value: string): boolean {
    if (value === '') return false;
    this.compiled ??= this.patterns.flatMap((p) => {
      try {
        return [compileGlob(p, true)];
      } catch {
        return [];
      }
    });
    if (this.compiled.length === 0) return false;
    const hay = haystack(value, true);
    return this.compiled.some(
      (glob) => glob.tokens.length > 0 && step(glob.tokens, hay, [0], true).includes(hay.length),
    );
  }
}
