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

/**
 * Selector type names and the value types they stand for (Relay's `ValueType` names and
 * aliases; synonyms collapse onto one name).
 */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'string',
  binary: 'binary',
  number: 'number',
  boolean: 'boolean',
  bool: 'boolean',
  datetime: 'datetime',
  array: 'array',
  list: 'array',
  object: 'object',
  event: 'event',
  attachments: 'attachments',
  replay: 'replay',
  exception: 'error',
  error: 'error',
  stack: 'stacktrace',
  stacktrace: 'stacktrace',
  frame: 'frame',
  request: 'http',
  http: 'http',
  user: 'user',
  logentry: 'logentry',
  message: 'message',
  thread: 'thread',
  breadcrumb: 'breadcrumb',
  log: 'log',
  trace_metric: 'trace_metric',
  span: 'span',
  sdk: 'sdk',
  minidump: 'minidump',
  heap_memory: 'heap_memory',
  stack_memory: 'stack_memory',
};

/**
 * The value types in Relay's declaration order (`ValueType`), which orders selectors, and so
 * the order in which a PII config's applications run.
 */
const TYPE_ORDER: readonly string[] = [
  'string',
  'binary',
  'number',
  'boolean',
  'datetime',
  'array',
  'object',
  'event',
  'attachments',
  'replay',
  'error',
  'stacktrace',
  'frame',
  'http',
  'user',
  'logentry',
  'message',
  'thread',
  'breadcrumb',
  'log',
  'trace_metric',
  'span',
  'sdk',
  'minidump',
  'heap_memory',
  'stack_memory',
];

/** Basic value types: never "specific" for fields Relay marks `pii = "maybe"`. */
const BASIC_TYPES: ReadonlySet<string> = new Set(TYPE_ORDER.slice(0, 7));

/** Why a selector did not parse. */
export class SelectorError extends Error {}

/**
 * Recursive-descent parser over Relay's `selector.pest`: `||`/`|` over `&&`/`&` over an optional
 * `!`/`~` before a parenthesized selector or a path; spaces may separate tokens.
 */
class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Selector {
    const selector = this.parseOr();
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
    return selector;
  }

  private fail(message: string): never {
    throw new SelectorError(`${message} at position ${this.pos}`);
  }

  private skipSpace(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  /** Consumes `double` or its one-character form (`||` / `|`, `&&` / `&`). */
  private operator(char: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] !== char) return false;
    this.pos += this.text[this.pos + 1] === char ? 2 : 1;
    return true;
  }

  private parseOr(): Selector {
    const parts = [this.parseAnd()];
    while (this.operator('|')) parts.push(this.parseAnd());
    return parts.length === 1 ? (parts[0] as Selector) : { kind: 'or', parts };
  }

  private parseAnd(): Selector {
    const parts = [this.parseMaybeNot()];
    while (this.operator('&')) parts.push(this.parseMaybeNot());
    return parts.length === 1 ? (parts[0] as Selector) : { kind: 'and', parts };
  }

  private parseMaybeNot(): Selector {
    this.skipSpace();
    const char = this.text[this.pos];
    if (char === '!' || char === '~') {
      this.pos++;
      return { kind: 'not', inner: this.parseParenthesisOrPath() };
    }
    return this.parseParenthesisOrPath();
  }

  private parseParenthesisOrPath(): Selector {
    this.skipSpace();
    if (this.text[this.pos] !== '(') return this.parsePath();
    this.pos++;
    const inner = this.parseOr();
    this.skipSpace();
    if (this.text[this.pos] !== ')') this.fail('expected )');
    this.pos++;
    return inner;
  }

  private parsePath(): Selector {
    const items = [this.parseItem()];
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.text[this.pos] !== '.') {
        this.pos = before;
        break;
      }
      this.pos++;
      items.push(this.parseItem());
    }
    if (items.filter((item) => item.kind === 'deep').length > 1)
      this.fail('deep wildcard used more than once');
    if (items.length === 1 && items[0]?.kind === 'wildcard') this.fail('wildcard must be part of a path');
    return { kind: 'path', items };
  }

  private parseItem(): Item {
    this.skipSpace();
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('$')) {
      const m = /^\$([a-z_]+)/.exec(rest);
      if (!m) this.fail('expected a value type after $');
      const type = TYPE_NAMES[m[1] as string];
      if (type === undefined) this.fail(`unknown value type $${m[1]}`);
      this.pos += m[0].length;
      return { kind: 'type', type };
    }
    if (rest.startsWith('**')) {
      this.pos += 2;
      return { kind: 'deep' };
    }
    if (rest.startsWith('*')) {
      this.pos += 1;
      return { kind: 'wildcard' };
    }
    const index = /^[0-9]+/.exec(rest);
    if (index) {
      this.pos += index[0].length;
      return { kind: 'index', index: Number(index[0]) };
    }
    if (rest.startsWith("'")) return { kind: 'key', key: this.parseQuoted() };
    const key = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (!key) this.fail('expected a selector item');
    this.pos += key[0].length;
    return { kind: 'key', key: key[0] };
  }

  /** `'…'` with `''` standing for one quote; at least one character. */
  private parseQuoted(): string {
    let key = '';
    let i = this.pos + 1;
    for (;;) {
      const char = this.text[i];
      if (char === undefined) this.fail('unterminated quoted key');
      if (char === "'") {
        if (this.text[i + 1] === "'") {
          key += "'";
          i += 2;
          continue;
        }
        break;
      }
      key += char;
      i++;
    }
    if (key === '') this.fail('empty quoted key');
    this.pos = i + 1;
    return key;
  }
}

/**
 * Parses a selector (Relay's `SelectorSpec::parse_non_legacy`), throwing {@link SelectorError}
 * with the reason when `text` is not one.
 */
export function parseSelectorOrThrow(text: string): Selector {
  return new Parser(text.trim()).parse();
}

/** Relay's legacy selector names (`SelectorSpec::from_str`). */
const LEGACY_SELECTORS: Readonly<Record<string, string>> = {
  freeform: 'string',
  email: 'string',
  sensitive: 'string',
  text: 'string',
  databag: 'object',
  container: 'object',
};

/**
 * Parses a selector of a PII config's `applications` (Relay's `SelectorSpec::from_str`): like
 * {@link parseSelectorOrThrow}, plus the legacy names `freeform`, `email`, `sensitive`, `text`
 * (`$string`) and `databag`, `container` (`$object`). Safe fields do not get these.
 */
export function parseApplicationSelector(text: string): Selector {
  const legacy = Object.hasOwn(LEGACY_SELECTORS, text) ? LEGACY_SELECTORS[text] : undefined;
  if (legacy !== undefined) return { kind: 'path', items: [{ kind: 'type', type: legacy }] };
  return parseSelectorOrThrow(text);
}

/** Parses a selector; throws nothing, returns `undefined` when the text is not a selector. */
export function parseSelector(text: string): Selector | undefined {
  try {
    return parseSelectorOrThrow(text);
  } catch (error) {
    if (error instanceof SelectorError) return undefined;
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

/** How a value is marked in Relay's schema: scrubbed by any selector, or only by specific ones. */
export type PiiLevel = 'true' | 'maybe';

/** One processing state as Relay's selectors see it: a key or index and the value types there. */
export interface SelectorState {
  key: string | undefined;
  index: number | undefined;
  /** Relay value types of the value (`string`, `object`, `http`, `frame`, …). */
  types: readonly string[];
}

/**
 * Relay's `SelectorPathItem::matches_state`: for `maybe` values, deep wildcards never match,
 * basic value types (`$string`, `$object`, …) never match and other types only as the first
 * item of the selector.
 */
function matchesState(item: Item, pii: PiiLevel, position: number, state: SelectorState): boolean {
  switch (item.kind) {
    case 'wildcard':
      return true;
    case 'deep':
      return pii === 'true';
    case 'type':
      return (
        state.types.includes(item.type) && (pii === 'true' || (!BASIC_TYPES.has(item.type) && position === 0))
      );
    case 'index':
      return state.index === item.index;
    case 'key':
      return state.key !== undefined && state.key.toLowerCase() === item.key.toLowerCase();
  }
}

/** Relay's path matching for one path selector; `states` runs from the root to the value. */
function matchesRelayPath(items: readonly Item[], states: readonly SelectorState[], pii: PiiLevel): boolean {
  // The root is depth 0; a selector longer than the value's depth cannot match.
  if (items.length > states.length - 1) return false;
  let s = states.length - 1;
  let j = items.length - 1;
  let deep = false;
  // Fast path: match items against states from the value upwards, until a deep wildcard.
  while (s >= 0 && j >= 0) {
    const item = items[j] as Item;
    if (!matchesState(item, pii, j, states[s] as SelectorState)) return false;
    s--;
    j--;
    if (item.kind === 'deep') {
      deep = true;
      break;
    }
  }
  if (!deep) return true;
  // `states[0..=s]` are left for the items before the deep wildcard: their first item matches
  // the outermost state it can (no backtracking), the rest must follow directly.
  if (j < 0) return s >= 0;
  let k = 0;
  while (k <= s && !matchesState(items[0] as Item, pii, 0, states[k] as SelectorState)) k++;
  if (k > s) return false;
  if (s - k < j) return false;
  for (let i = 1; i <= j; i++) {
    if (!matchesState(items[i] as Item, pii, i, states[k + i] as SelectorState)) return false;
  }
  return true;
}

/**
 * Relay's `SelectorSpec::matches_path` for the advanced PII config: true when `selector`
 * selects the value at the end of `states` (root first; the root state has no key), whose
 * field is marked `pii`. Paths match the end of the value's path (they are not anchored).
 */
export function selectorMatchesPath(
  selector: Selector,
  states: readonly SelectorState[],
  pii: PiiLevel,
): boolean {
  switch (selector.kind) {
    case 'path':
      return matchesRelayPath(selector.items, states, pii);
    case 'and':
      return selector.parts.every((part) => selectorMatchesPath(part, states, pii));
    case 'or':
      return selector.parts.some((part) => selectorMatchesPath(part, states, pii));
    case 'not':
      return !selectorMatchesPath(selector.inner, states, pii);
  }
}

const SELECTOR_RANK = { and: 0, or: 1, not: 2, path: 3 } as const;
const ITEM_RANK = { type: 0, index: 1, key: 2, wildcard: 3, deep: 4 } as const;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareLists<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compare(a[i] as T, b[i] as T);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareItems(a: Item, b: Item): number {
  if (a.kind !== b.kind) return ITEM_RANK[a.kind] - ITEM_RANK[b.kind];
  if (a.kind === 'type' && b.kind === 'type') return TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type);
  if (a.kind === 'index' && b.kind === 'index') return a.index - b.index;
  if (a.kind === 'key' && b.kind === 'key') return compareStrings(a.key, b.key);
  return 0;
}

/**
 * Orders selectors as Relay's derived `Ord` on `SelectorSpec` does (`And` < `Or` < `Not` <
 * `Path`, then their contents), which is the order a PII config's applications run in.
 */
export function compareSelectors(a: Selector, b: Selector): number {
  if (a.kind !== b.kind) return SELECTOR_RANK[a.kind] - SELECTOR_RANK[b.kind];
  if (a.kind === 'path' && b.kind === 'path') return compareLists(a.items, b.items, compareItems);
  if (a.kind === 'not' && b.kind === 'not') return compareSelectors(a.inner, b.inner);
  if ((a.kind === 'and' || a.kind === 'or') && (b.kind === 'and' || b.kind === 'or')) {
    return compareLists(a.parts, b.parts, compareSelectors);
  }
  return 0;
}
