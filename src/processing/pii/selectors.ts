/**
 * PII selectors: the small path language of `excludeFields` ("safe fields") and of Relay's
 * built-in applications.
 *
 * Follows `relay-pii/src/selector.rs` / `selector.pest`: items separated by `.`; `*` matches one
 * segment, `**` any number; `$type` matches a value type (`$http`, `$frame`, `$string`, …);
 * `'quoted.keys'`; `!`, `&&`, `||` and parentheses. Paths match the end of a value's path
 * (they are not anchored at the root); keys compare case-insensitively. Safe fields that do not
 * parse fall back to a single key, as `convert.rs` does. reference/relay-protocol.md §9.3.
 */

/** One step of a value's path as selectors see it. */
export interface PathSegment {
  /** Object key, or the key of a `[key, value]` pair; undefined for array elements. */
  key: string | undefined;
  /** Array index, when the segment is an array element. */
  index: number | undefined;
  /** Structural value types of the value at this segment (`http`, `frame`, `user`, …). */
  types: readonly string[];
  /** The JSON type of the value: `string`, `number`, `boolean`, `array`, `object` or `null`. */
  kind: string;
}

/** A parsed selector item. */
type Item =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'type'; type: string }
  | { kind: 'wildcard' }
  | { kind: 'deep' };

/** A parsed selector. */
export type Selector =
  | { kind: 'path'; items: Item[] }
  | { kind: 'and'; parts: Selector[] }
  | { kind: 'or'; parts: Selector[] }
  | { kind: 'not'; inner: Selector };

/** Selector type names and the value types they stand for (synonyms collapse). */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'string',
  number: 'number',
  boolean: 'boolean',
  datetime: 'datetime',
  array: 'array',
  object: 'object',
  event: 'event',
  exception: 'error',
  error: 'error',
  stacktrace: 'stacktrace',
  frame: 'frame',
  request: 'http',
  http: 'http',
  user: 'user',
  logentry: 'logentry',
  message: 'logentry',
  thread: 'thread',
  breadcrumb: 'breadcrumb',
  span: 'span',
  sdk: 'sdk',
  replay: 'replay',
  log: 'log',
  minidump: 'minidump',
  attachments: 'attachments',
};

class ParseError extends Error {}

/** Recursive-descent parser over the selector grammar. */
class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Selector {
    const selector = this.parseOr();
    this.skipSpace();
    if (this.pos !== this.text.length) throw new ParseError(`unexpected ${this.text[this.pos]}`);
    return selector;
  }

  private skipSpace(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private parseOr(): Selector {
    const parts = [this.parseAnd()];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '|') break;
      this.pos += this.text[this.pos + 1] === '|' ? 2 : 1;
      parts.push(this.parseAnd());
    }
    return parts.length === 1 ? (parts[0] as Selector) : { kind: 'or', parts };
  }

  private parseAnd(): Selector {
    const parts = [this.parseNot()];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '&') break;
      this.pos += this.text[this.pos + 1] === '&' ? 2 : 1;
      parts.push(this.parseNot());
    }
    return parts.length === 1 ? (parts[0] as Selector) : { kind: 'and', parts };
  }

  private parseNot(): Selector {
    this.skipSpace();
    if (this.text[this.pos] === '!') {
      this.pos++;
      return { kind: 'not', inner: this.parseNot() };
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.skipSpace();
      if (this.text[this.pos] !== ')') throw new ParseError('missing )');
      this.pos++;
      return inner;
    }
    return this.parsePath();
  }

  private parsePath(): Selector {
    const items = [this.parseItem()];
    while (this.text[this.pos] === '.') {
      this.pos++;
      items.push(this.parseItem());
    }
    return { kind: 'path', items };
  }

  private parseItem(): Item {
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('**')) {
      this.pos += 2;
      return { kind: 'deep' };
    }
    if (rest.startsWith('*')) {
      this.pos += 1;
      return { kind: 'wildcard' };
    }
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end === -1) throw new ParseError('unterminated quote');
      this.pos += end + 1;
      return { kind: 'key', key: rest.slice(1, end).replace(/''/g, "'") };
    }
    if (rest.startsWith('$')) {
      const m = /^\$([a-zA-Z_]+)/.exec(rest);
      const type = m ? TYPE_NAMES[(m[1] ?? '').toLowerCase()] : undefined;
      if (!m || type === undefined) throw new ParseError('unknown value type');
      this.pos += m[0].length;
      return { kind: 'type', type };
    }
    const m = /^[a-zA-Z0-9_+-]+/.exec(rest);
    if (!m) throw new ParseError('expected a selector item');
    this.pos += m[0].length;
    return /^\d+$/.test(m[0]) ? { kind: 'index', index: Number(m[0]) } : { kind: 'key', key: m[0] };
  }
}

/** Parses a selector; throws nothing, returns `undefined` when the text is not a selector. */
export function parseSelector(text: string): Selector | undefined {
  try {
    return new Parser(text.trim()).parse();
  } catch (error) {
    if (error instanceof ParseError) return undefined;
    throw error;
  }
}

/**
 * Parses a safe field (`excludeFields` entry): a selector, or — when it does not parse — a
 * single key with the whole text, as Relay's `convert.rs` falls back.
 */
export function parseSafeField(text: string): Selector {
  return parseSelector(text) ?? { kind: 'path', items: [{ kind: 'key', key: text.trim() }] };
}

function matchItem(item: Item, segment: PathSegment): boolean {
  switch (item.kind) {
    case 'key':
      return segment.key !== undefined && segment.key.toLowerCase() === item.key.toLowerCase();
    case 'index':
      return segment.index === item.index || segment.key === String(item.index);
    case 'type':
      return segment.kind === item.type || segment.types.includes(item.type);
    case 'wildcard':
      return true;
    case 'deep':
      return true;
  }
}

/** Matches `items[0..=i]` against a suffix of `path[0..=j]`; `**` spans zero or more segments. */
function matchPath(items: readonly Item[], i: number, path: readonly PathSegment[], j: number): boolean {
  if (i < 0) return true;
  const item = items[i] as Item;
  if (item.kind === 'deep') {
    if (i === 0) return true;
    for (let k = j; k >= -1; k--) if (matchPath(items, i - 1, path, k)) return true;
    return false;
  }
  if (j < 0) return false;
  return matchItem(item, path[j] as PathSegment) && matchPath(items, i - 1, path, j - 1);
}

/** True when `selector` selects the value at `path` (the last segment is the value itself). */
export function selectorMatches(selector: Selector, path: readonly PathSegment[]): boolean {
  switch (selector.kind) {
    case 'path':
      return path.length > 0 && matchPath(selector.items, selector.items.length - 1, path, path.length - 1);
    case 'and':
      return selector.parts.every((part) => selectorMatches(part, path));
    case 'or':
      return selector.parts.some((part) => selectorMatches(part, path));
    case 'not':
      return !selectorMatches(selector.inner, path);
  }
}
