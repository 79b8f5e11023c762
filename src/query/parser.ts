/**
 * Parser of Sentry's search syntax into the frontend token tree (tokens.ts).
 *
 * A hand-written PEG emulation of `static/app/components/searchSyntax/grammar.pegjs` (newest
 * rules: typed explicit tag/flag keys, array includes, `//regex//`, hidden wildcard operators,
 * tolerant stray parentheses, `aggregateGeneric`) cross-checked with the backend grammar of
 * `src/sentry/api/event_search.py`. Ordered choice, greedy repetition without backtracking and
 * the semantic predicates (key typing from the config) behave as in the PEG; rule results are
 * memoised per position (packrat) so nested parentheses stay linear, and nesting deeper than
 * {@link MAX_NESTING} is treated as unmatched parentheses instead of recursing further.
 * Reference: reference/sentry-semantics.md §1.2–§1.5.
 */
import { keyTypes, resolveSearchConfig, type SearchConfig, type SearchConfigInput } from './config.js';
import { parseErrorAt, type SearchError } from './errors.js';
import type {
  ComparisonOperator,
  ExplicitKeyType,
  FilterKind,
  FilterToken,
  FreeTextToken,
  InvalidInfo,
  KeyAggregateArgsToken,
  KeyAggregateParamToken,
  KeyAggregateToken,
  KeyArrayIncludesToken,
  KeyExplicitToken,
  KeySimpleToken,
  KeyToken,
  ListItem,
  LogicBooleanToken,
  LogicGroupToken,
  SpacesToken,
  TermOrSpaces,
  TermToken,
  TokenBase,
  ValueBooleanToken,
  ValueDurationToken,
  ValueIso8601DateToken,
  ValueNumberListToken,
  ValueNumberToken,
  ValuePercentageToken,
  ValueRelativeDateToken,
  ValueSizeToken,
  ValueTextListToken,
  ValueTextToken,
  ValueToken,
} from './tokens.js';
import { REGEX_OPERATOR, WILDCARD_OPERATOR_MARK } from './tokens.js';
import {
  applyNumberUnit,
  DURATION_UNITS,
  durationToMs,
  isoOrNull,
  parseIsoDate,
  relativeDateInstant,
  SIZE_UNITS,
  sizeToBytes,
  wildcardPosition,
} from './values.js';

/** Deepest parenthesis nesting parsed as groups; deeper parentheses count as unmatched. */
export const MAX_NESTING = 64;

/**
 * Longest regex pattern accepted in `key://pattern//` (the newer frontend grammar's limit),
 * in characters with an escape pair such as `\.` counted once (the fixtures' 66-character URL
 * pattern with six escapes is accepted, 65 `\.` pairs are not).
 */
export const MAX_REGEX_LENGTH = 64;

/** Result of {@link parseSearch}: the token list, or the parse error. */
export type ParseResult = { ok: true; tokens: TermOrSpaces[] } | { ok: false; error: SearchError };

/**
 * Parses a search query into Sentry's frontend token tree: a list that starts and ends with a
 * spaces token and alternates terms and spaces. `config` adjusts key typing and validations
 * (defaults: {@link resolveSearchConfig}'s). Values the frontend would flag carry `invalid`
 * instead of failing; only text the grammar cannot consume at all (e.g. a newline outside
 * quotes) yields `{ ok: false }` with Sentry's "Parse error at …" message. Never throws.
 */
export function parseSearch(query: string, config: SearchConfigInput | SearchConfig = {}): ParseResult {
  return new Parser(query, resolveSearchConfig(config)).parse();
}

type Parsed<T> = { node: T; end: number } | null;

const OPERATORS: readonly Exclude<ComparisonOperator, ''>[] = ['>=', '<=', '>', '<', '=', '!='];
const isKeyChar = (c: string | undefined): boolean => c !== undefined && /[a-zA-Z0-9_.-]/.test(c);
const isQuotedKeyChar = (c: string | undefined): boolean => c !== undefined && /[a-zA-Z0-9_.:-]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isInValueChar = (c: string | undefined): boolean =>
  c !== undefined && c !== '(' && c !== ')' && c !== ',' && c !== ' ';

const EXPLICIT_TYPES: Readonly<Record<'tags' | 'flags', Readonly<Record<string, ExplicitKeyType>>>> = {
  tags: {
    '': 'keyExplicitTag',
    string: 'keyExplicitStringTag',
    number: 'keyExplicitNumberTag',
    boolean: 'keyExplicitBooleanTag',
    array: 'keyExplicitArrayTag',
  },
  flags: { '': 'keyExplicitFlag', string: 'keyExplicitStringFlag', number: 'keyExplicitNumberFlag' },
};

class Parser {
  private readonly now: Date;
  private depth = 0;
  private readonly filterMemo = new Map<number, Parsed<FilterToken>>();
  private readonly freeTextMemo = new Map<number, Parsed<FreeTextToken>>();
  private readonly groupMemo = new Map<number, Parsed<LogicGroupToken>>();
  private readonly freeParensMemo = new Map<number, number | null>();
  private readonly searchKeyMemo = new Map<number, Parsed<KeySimpleToken>>();
  private readonly textKeyMemo = new Map<number, Parsed<KeyToken>>();
  private readonly aggregateKeyMemo = new Map<number, Parsed<KeyAggregateToken>>();
  /** Every filter has a `:` separator, so none can start after the last one. */
  private readonly lastColon: number;

  constructor(
    private readonly s: string,
    private readonly config: SearchConfig,
  ) {
    this.now = config.now ?? new Date();
    this.lastColon = s.lastIndexOf(':');
  }

  parse(): ParseResult {
    const first = this.spaces(0);
    const tokens: TermOrSpaces[] = [first.node];
    let q = first.end;
    for (;;) {
      const term = this.term(q, true);
      if (term === null) break;
      tokens.push(...term.node);
      q = term.end;
    }
    if (q < this.s.length) return { ok: false, error: parseErrorAt(this.s, q) };
    return { ok: true, tokens };
  }

  // --- structure -------------------------------------------------------------------------

  private base(start: number, end: number): TokenBase {
    return { text: this.s.slice(start, end), location: { start, end } };
  }

  private spaces(p: number): { node: SpacesToken; end: number } {
    let q = p;
    while (this.s[q] === ' ') q++;
    return { node: { ...this.base(p, q), type: 'spaces', value: this.s.slice(p, q) }, end: q };
  }

  private isEndValue(p: number): boolean {
    const c = this.s[p];
    return c === undefined || c === '\t' || c === '\n' || c === ' ' || c === ')';
  }

  private term(p: number, topLevel: boolean): Parsed<TermOrSpaces[]> {
    const t: Parsed<TermToken> =
      this.booleanOperator(p) ??
      this.parenGroup(p) ??
      this.filter(p) ??
      this.freeText(p) ??
      (topLevel ? this.strayParen(p) : null);
    if (t === null) return null;
    const sp = this.spaces(t.end);
    return { node: [t.node, sp.node], end: sp.end };
  }

  private booleanOperator(p: number): Parsed<LogicBooleanToken> {
    for (const op of ['OR', 'AND'] as const) {
      const end = p + op.length;
      if (this.s.slice(p, end).toUpperCase() === op && this.isEndValue(end)) {
        const invalid = this.config.disallowedLogicalOperators.has(op)
          ? this.invalid(op === 'OR' ? 'logic-or-not-allowed' : 'logic-and-not-allowed')
          : null;
        return { node: { ...this.base(p, end), type: 'logicBoolean', value: op, invalid }, end };
      }
    }
    return null;
  }

  private parenGroup(p: number): Parsed<LogicGroupToken> {
    if (this.s[p] !== '(') return null;
    const memo = this.groupMemo.get(p);
    if (memo !== undefined) return memo;
    let result: Parsed<LogicGroupToken> = null;
    if (this.depth < MAX_NESTING) {
      this.depth++;
      const sp = this.spaces(p + 1);
      const inner: TermOrSpaces[] = [sp.node];
      let q = sp.end;
      for (;;) {
        const term = this.term(q, false);
        if (term === null) break;
        inner.push(...term.node);
        q = term.end;
      }
      this.depth--;
      if (this.s[q] === ')') {
        result = { node: { ...this.base(p, q + 1), type: 'logicGroup', inner }, end: q + 1 };
      }
    }
    this.groupMemo.set(p, result);
    return result;
  }

  private strayParen(p: number): Parsed<TermToken> {
    const c = this.s[p];
    if (c !== '(' && c !== ')') return null;
    const invalid = this.config.disallowParens ? this.invalid('parens-not-allowed') : null;
    const node =
      c === '('
        ? { ...this.base(p, p + 1), type: 'lParen' as const, value: '(' as const, invalid }
        : { ...this.base(p, p + 1), type: 'rParen' as const, value: ')' as const, invalid };
    return { node, end: p + 1 };
  }

  // --- free text -------------------------------------------------------------------------

  private freeText(p: number): Parsed<FreeTextToken> {
    const memo = this.freeTextMemo.get(p);
    if (memo !== undefined) return memo;
    const result = this.freeTextQuoted(p) ?? this.freeTextUnquoted(p);
    this.freeTextMemo.set(p, result);
    return result;
  }

  private freeTextQuoted(p: number): Parsed<FreeTextToken> {
    const quoted = this.quotedValue(p);
    if (quoted === null) return null;
    return { node: this.freeTextToken(p, quoted.end, quoted.raw, true), end: quoted.end };
  }

  private freeTextUnquoted(p: number): Parsed<FreeTextToken> {
    let q = p;
    let words = 0;
    for (;;) {
      if (this.filter(q) !== null || this.booleanOperator(q) !== null) break;
      const wordEnd = this.freeParens(q) ?? this.wordEnd(q);
      if (wordEnd === null) break;
      q = this.spaces(wordEnd).end;
      words++;
    }
    if (words === 0) return null;
    return { node: this.freeTextToken(p, q, this.s.slice(p, q), false), end: q };
  }

  private freeTextToken(start: number, end: number, value: string, quoted: boolean): FreeTextToken {
    let invalid: InvalidInfo | null = null;
    if (this.config.disallowFreeText) invalid = this.invalid('free-text-not-allowed');
    else if (this.config.disallowWildcard && value.includes('*'))
      invalid = this.invalid('wildcard-not-allowed');
    return { ...this.base(start, end), type: 'freeText', value, quoted, invalid };
  }

  private wordEnd(p: number): number | null {
    let q = p;
    for (;;) {
      const c = this.s[q];
      if (c === undefined || c === '(' || c === ')' || c === '\n' || c === ' ') break;
      q++;
    }
    return q > p ? q : null;
  }

  /** `( free_text? )` inside free text; returns the end offset. */
  private freeParens(p: number): number | null {
    if (this.s[p] !== '(') return null;
    const memo = this.freeParensMemo.get(p);
    if (memo !== undefined) return memo;
    let result: number | null = null;
    if (this.depth < MAX_NESTING) {
      this.depth++;
      const inner = this.freeText(p + 1);
      this.depth--;
      const q = inner === null ? p + 1 : inner.end;
      if (this.s[q] === ')') result = q + 1;
    }
    this.freeParensMemo.set(p, result);
    return result;
  }

  // --- filters ---------------------------------------------------------------------------

  private filter(p: number): Parsed<FilterToken> {
    if (p >= this.lastColon) return null;
    const memo = this.filterMemo.get(p);
    if (memo !== undefined) return memo;
    const result =
      this.dateFilter(p) ??
      this.specificDateFilter(p) ??
      this.relDateFilter(p) ??
      this.typedFilter(p, 'duration', (q) => this.durationValue(q), true) ??
      this.typedFilter(p, 'size', (q) => this.sizeValue(q), true) ??
      this.booleanFilter(p) ??
      this.numericInFilter(p) ??
      this.typedFilter(p, 'numeric', (q) => this.numericValue(q), true) ??
      this.aggregateFilter(p, 'aggregateDuration', (q) => this.durationValue(q)) ??
      this.aggregateFilter(p, 'aggregateSize', (q) => this.sizeValue(q)) ??
      this.aggregateFilter(p, 'aggregateNumeric', (q) => this.numericValue(q)) ??
      this.aggregateFilter(p, 'aggregatePercentage', (q) => this.percentageValue(q)) ??
      this.aggregateFilter(p, 'aggregateDate', (q) => this.isoDateValue(q)) ??
      this.aggregateFilter(p, 'aggregateRelativeDate', (q) => this.relDateValue(q)) ??
      this.aggregateFilter(p, 'aggregateGeneric', (q) => this.searchValue(q)) ??
      this.hasFilter(p) ??
      this.isFilter(p) ??
      this.textInFilter(p) ??
      this.textFilter(p);
    this.filterMemo.set(p, result);
    return result;
  }

  private makeFilter(
    start: number,
    end: number,
    filter: FilterKind,
    key: KeyToken,
    value: ValueToken,
    operator: string,
    negated: boolean,
  ): Parsed<FilterToken> {
    const invalid = this.checkInvalidFilter(filter, key, value, negated, operator);
    return {
      node: { ...this.base(start, end), type: 'filter', filter, negated, key, operator, value, invalid },
      end,
    };
  }

  private negation(p: number): [boolean, number] {
    return this.s[p] === '!' ? [true, p + 1] : [false, p];
  }

  /** `date_filter`: `key:op iso_date` (operator required, no negation) for date keys. */
  private dateFilter(p: number): Parsed<FilterToken> {
    const key = this.searchKey(p);
    if (key === null || this.s[key.end] !== ':') return null;
    const op = this.operator(key.end + 1);
    if (op === null) return null;
    const value = this.isoDateValue(op.end);
    if (value === null || !keyTypes.isDate(this.config, key.node.value)) return null;
    return this.makeFilter(p, value.end, 'date', key.node, value.node, op.node, false);
  }

  private specificDateFilter(p: number): Parsed<FilterToken> {
    const key = this.searchKey(p);
    if (key === null || this.s[key.end] !== ':') return null;
    const value = this.isoDateValue(key.end + 1);
    if (value === null || !keyTypes.isDate(this.config, key.node.value)) return null;
    return this.makeFilter(p, value.end, 'specificDate', key.node, value.node, '', false);
  }

  private relDateFilter(p: number): Parsed<FilterToken> {
    const key = this.searchKey(p);
    if (key === null || this.s[key.end] !== ':') return null;
    const value = this.relDateValue(key.end + 1);
    if (value === null || !keyTypes.isDate(this.config, key.node.value)) return null;
    return this.makeFilter(p, value.end, 'relativeDate', key.node, value.node, '', false);
  }

  /** `[!]key:[op]value` for duration, size and numeric keys. */
  private typedFilter(
    p: number,
    kind: 'duration' | 'size' | 'numeric',
    parseValue: (q: number) => Parsed<ValueToken>,
    withOperator: boolean,
  ): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    const key = this.searchKey(q0);
    if (key === null || this.s[key.end] !== ':') return null;
    const op = withOperator ? this.operator(key.end + 1) : null;
    const value = parseValue(op === null ? key.end + 1 : op.end);
    if (value === null) return null;
    const name = key.node.value;
    const typed =
      kind === 'duration'
        ? keyTypes.isDuration(this.config, name)
        : kind === 'size'
          ? keyTypes.isSize(this.config, name)
          : keyTypes.isNumeric(this.config, name);
    if (!typed) return null;
    return this.makeFilter(p, value.end, kind, key.node, value.node, op?.node ?? '', negated);
  }

  private booleanFilter(p: number): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    const key = this.searchKey(q0);
    if (key === null || this.s[key.end] !== ':') return null;
    const value = this.booleanValue(key.end + 1);
    if (value === null || !keyTypes.isBoolean(this.config, key.node.value)) return null;
    return this.makeFilter(p, value.end, 'boolean', key.node, value.node, '', negated);
  }

  private numericInFilter(p: number): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    const key = this.searchKey(q0);
    if (key === null || this.s[key.end] !== ':') return null;
    const value = this.numericInList(key.end + 1);
    if (value === null || !keyTypes.isNumeric(this.config, key.node.value)) return null;
    return this.makeFilter(p, value.end, 'numericIn', key.node, value.node, '', negated);
  }

  private aggregateFilter(
    p: number,
    kind: FilterKind,
    parseValue: (q: number) => Parsed<ValueToken>,
  ): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    const key = this.aggregateKey(q0);
    if (key === null || this.s[key.end] !== ':') return null;
    const op = this.operator(key.end + 1);
    const value = parseValue(op === null ? key.end + 1 : op.end);
    if (value === null || !this.aggregatePredicate(kind, key.node)) return null;
    return this.makeFilter(p, value.end, kind, key.node, value.node, op?.node ?? '', negated);
  }

  /**
   * Typed aggregate filters bind only when an argument (or, for dates and percentages, the
   * function itself) has the type: `p95(transaction.duration):>1s`, `last_seen():-1h`,
   * `failure_rate():>50%`.
   */
  private aggregatePredicate(kind: FilterKind, key: KeyAggregateToken): boolean {
    const args = (key.args?.args ?? []).flatMap((a) => (a.value === null ? [] : [a.value.value]));
    const anyArg = (check: (k: string) => boolean): boolean => args.some(check);
    const c = this.config;
    switch (kind) {
      case 'aggregateDuration':
        return anyArg((k) => keyTypes.isDuration(c, k));
      case 'aggregateSize':
        return anyArg((k) => keyTypes.isSize(c, k));
      case 'aggregatePercentage':
        return keyTypes.isPercentage(c, key.name.value) || anyArg((k) => keyTypes.isPercentage(c, k));
      case 'aggregateDate':
        return keyTypes.isDate(c, key.text) || anyArg((k) => keyTypes.isDate(c, k));
      default:
        return true;
    }
  }

  private hasFilter(p: number): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    if (!this.s.startsWith('has:', q0)) return null;
    const key: KeySimpleToken = { ...this.base(q0, q0 + 3), type: 'keySimple', value: 'has', quoted: false };
    const value = this.hasValue(q0 + 4);
    return this.makeFilter(p, value.end, 'has', key, value.node, '', negated);
  }

  /** `has:` takes a key (explicit tag/flag keys included) or, failing that, any value. */
  private hasValue(p: number): { node: ValueTextToken; end: number } {
    const explicit = this.explicitKey(p);
    if (explicit !== null)
      return { node: this.textValue(p, explicit.end, explicit.node.text, false), end: explicit.end };
    const key = this.searchKey(p);
    if (key !== null)
      return { node: this.textValue(p, key.end, key.node.value, key.node.quoted), end: key.end };
    return this.searchValue(p);
  }

  private isFilter(p: number): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    if (!this.s.startsWith('is:', q0)) return null;
    const key: KeySimpleToken = { ...this.base(q0, q0 + 2), type: 'keySimple', value: 'is', quoted: false };
    const value = this.searchValue(q0 + 3);
    return this.makeFilter(p, value.end, 'is', key, value.node, '', negated);
  }

  private textInFilter(p: number): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    const key = this.textKey(q0);
    if (key === null || this.s[key.end] !== ':') return null;
    const wop = this.wildcardOperator(key.end + 1);
    const value = this.textInList(wop === null ? key.end + 1 : wop.end);
    if (value === null) return null;
    // A list on an explicit array key already means "any element": drop the `[*]` wrapper.
    const k =
      key.node.type === 'keyArrayIncludes' && key.node.key.type === 'keyExplicitArrayTag'
        ? key.node.key
        : key.node;
    return this.makeFilter(p, value.end, 'textIn', k, value.node, wop?.node ?? '', negated);
  }

  private textFilter(p: number): Parsed<FilterToken> {
    const [negated, q0] = this.negation(p);
    const key = this.textKey(q0);
    if (key === null || this.s[key.end] !== ':') return null;
    const kind: FilterKind = key.node.type === 'keyArrayIncludes' ? 'arrayIncludes' : 'text';
    const q = key.end + 1;
    const wop = this.wildcardOperator(q);
    if (wop !== null) {
      const value = this.searchValue(wop.end);
      return this.makeFilter(p, value.end, kind, key.node, value.node, wop.node, negated);
    }
    const regex = this.regexValue(q);
    if (regex !== null) {
      return this.config.allowRegex
        ? this.makeFilter(
            p,
            regex.end,
            kind,
            key.node,
            this.textValue(q, regex.end, regex.pattern, false),
            REGEX_OPERATOR,
            negated,
          )
        : this.makeFilter(
            p,
            regex.end,
            kind,
            key.node,
            this.textValue(q, regex.end, this.s.slice(q, regex.end), false),
            '',
            negated,
          );
    }
    const op = keyTypes.isTextOperator(this.config, keyName(key.node)) ? this.operator(q) : null;
    const value = this.searchValue(op === null ? q : op.end);
    return this.makeFilter(p, value.end, kind, key.node, value.node, op?.node ?? '', negated);
  }

  // --- keys ------------------------------------------------------------------------------

  private keyEnd(p: number): number | null {
    let q = p;
    while (isKeyChar(this.s[q])) q++;
    return q > p ? q : null;
  }

  private searchKey(p: number): Parsed<KeySimpleToken> {
    return memoized(this.searchKeyMemo, p, () => this.parseSearchKey(p));
  }

  private parseSearchKey(p: number): Parsed<KeySimpleToken> {
    const end = this.keyEnd(p);
    if (end !== null) {
      return {
        node: { ...this.base(p, end), type: 'keySimple', value: this.s.slice(p, end), quoted: false },
        end,
      };
    }
    if (this.s[p] !== '"') return null;
    let q = p + 1;
    while (isQuotedKeyChar(this.s[q])) q++;
    if (q === p + 1 || this.s[q] !== '"') return null;
    const node: KeySimpleToken = {
      ...this.base(p, q + 1),
      type: 'keySimple',
      value: this.s.slice(p + 1, q),
      quoted: true,
    };
    return { node, end: q + 1 };
  }

  /** `text_key`: an explicit tag/flag key or a search key, optionally followed by `[*]`. */
  private textKey(p: number): Parsed<KeyToken> {
    return memoized(this.textKeyMemo, p, () => this.parseTextKey(p));
  }

  private parseTextKey(p: number): Parsed<KeyToken> {
    const explicit = this.explicitKey(p);
    if (explicit !== null) return explicit;
    const key = this.searchKey(p);
    if (key === null) return null;
    if (this.s.startsWith('[*]', key.end)) {
      const end = key.end + 3;
      return { node: { ...this.base(p, end), type: 'keyArrayIncludes', key: key.node, index: '*' }, end };
    }
    return key;
  }

  /**
   * `tags[k]`, `tags[k,string|number|boolean|array]`, `flags[k]`, `flags[k,string|number]`
   * (spaces allowed around the comma); array keys may carry `[*]` after the key or after `]`.
   */
  private explicitKey(p: number): Parsed<KeyExplicitToken | KeyArrayIncludesToken> {
    const prefix = this.s.startsWith('tags[', p) ? 'tags' : this.s.startsWith('flags[', p) ? 'flags' : null;
    if (prefix === null) return null;
    const inner = this.searchKey(p + prefix.length + 1);
    if (inner === null) return null;
    let q = inner.end;
    const innerStar = this.s.startsWith('[*]', q);
    if (innerStar) q += 3;
    let type = '';
    const afterSpaces = this.spaces(q).end;
    if (this.s[afterSpaces] === ',') {
      const typeStart = this.spaces(afterSpaces + 1).end;
      const m = /^(string|number|boolean|array)/.exec(this.s.slice(typeStart, typeStart + 7));
      if (m === null) return null;
      type = m[1] ?? '';
      q = typeStart + type.length;
    }
    if (this.s[q] !== ']') return null;
    q++;
    const tokenType = EXPLICIT_TYPES[prefix][type];
    if (tokenType === undefined || (innerStar && type !== 'array')) return null;
    const explicitNode: KeyExplicitToken = { ...this.base(p, q), type: tokenType, prefix, key: inner.node };
    const outerStar = !innerStar && type === 'array' && this.s.startsWith('[*]', q);
    if (innerStar || outerStar) {
      const end = outerStar ? q + 3 : q;
      return { node: { ...this.base(p, end), type: 'keyArrayIncludes', key: explicitNode, index: '*' }, end };
    }
    return { node: explicitNode, end: q };
  }

  private aggregateKey(p: number): Parsed<KeyAggregateToken> {
    return memoized(this.aggregateKeyMemo, p, () => this.parseAggregateKey(p));
  }

  private parseAggregateKey(p: number): Parsed<KeyAggregateToken> {
    const nameEnd = this.keyEnd(p);
    if (nameEnd === null || this.s[nameEnd] !== '(') return null;
    const name: KeySimpleToken = {
      ...this.base(p, nameEnd),
      type: 'keySimple',
      value: this.s.slice(p, nameEnd),
      quoted: false,
    };
    const before = this.spaces(nameEnd + 1);
    const args = this.functionArgs(before.end);
    const after = this.spaces(args === null ? before.end : args.end);
    if (this.s[after.end] !== ')') return null;
    const end = after.end + 1;
    return {
      node: {
        ...this.base(p, end),
        type: 'keyAggregate',
        name,
        args: args?.node ?? null,
        argsSpaceBefore: before.node,
        argsSpaceAfter: after.node,
      },
      end,
    };
  }

  private functionArgs(p: number): Parsed<KeyAggregateArgsToken> {
    const first = this.aggregateParam(p);
    if (first === null) return null;
    const args: ListItem<KeyAggregateParamToken>[] = [{ separator: '', value: first.node }];
    let q = first.end;
    for (;;) {
      const next = this.listSeparator(q);
      if (next === null) break;
      const param = this.aggregateParam(next);
      args.push({ separator: this.s.slice(q, next), value: param?.node ?? null });
      q = param === null ? next : param.end;
    }
    return { node: { ...this.base(p, q), type: 'keyAggregateArgs', args }, end: q };
  }

  /** `spaces "," spaces !","`: returns where the next list item would start. */
  private listSeparator(p: number): number | null {
    const comma = this.spaces(p).end;
    if (this.s[comma] !== ',') return null;
    const next = this.spaces(comma + 1).end;
    return this.s[next] === ',' ? null : next;
  }

  private aggregateParam(p: number): Parsed<KeyAggregateParamToken> {
    const param = (end: number, quoted: boolean): Parsed<KeyAggregateParamToken> => ({
      node: { ...this.base(p, end), type: 'keyAggregateParam', value: this.s.slice(p, end), quoted },
      end,
    });
    if (this.s[p] === '"') {
      let q = p + 1;
      for (;;) {
        if (this.s.startsWith('\\"', q)) q += 2;
        else if (this.s[q] === '"') return param(q + 1, true);
        else if (this.s[q] === undefined || this.s[q] === '\t' || this.s[q] === '\n') return null;
        else q++;
      }
    }
    const isRaw = (c: string | undefined): boolean => c !== undefined && !'()\t\n, "'.includes(c);
    let q = p;
    // Explicit tag/flag parameters may contain commas and colons inside their brackets.
    const bracket = this.s.startsWith('tags[', p) ? 5 : this.s.startsWith('flags[', p) ? 6 : 0;
    if (bracket > 0) {
      let depth = 1;
      let r = p + bracket;
      while (depth > 0 && r < this.s.length && !'()\t\n "'.includes(this.s.charAt(r))) {
        if (this.s[r] === '[') depth++;
        else if (this.s[r] === ']') depth--;
        r++;
      }
      if (depth === 0) q = r;
    }
    while (isRaw(this.s[q])) q++;
    return q > p ? param(q, false) : null;
  }

  // --- operators -------------------------------------------------------------------------

  private operator(p: number): Parsed<Exclude<ComparisonOperator, ''>> {
    for (const op of OPERATORS) {
      if (this.s.startsWith(op, p)) return { node: op, end: p + op.length };
    }
    return null;
  }

  /** A hidden wildcard operator `\uF00D<name>\uF00D`. */
  private wildcardOperator(p: number): Parsed<string> {
    if (this.s[p] !== WILDCARD_OPERATOR_MARK) return null;
    const close = this.s.indexOf(WILDCARD_OPERATOR_MARK, p + 1);
    if (close <= p + 1) return null;
    return { node: this.s.slice(p, close + 1), end: close + 1 };
  }

  /** `//pattern//` closed by the first `//` that is followed by a value end. */
  private regexValue(p: number): { pattern: string; end: number } | null {
    if (!this.s.startsWith('//', p)) return null;
    for (let k = this.s.indexOf('//', p + 2); k !== -1; k = this.s.indexOf('//', k + 1)) {
      if (this.isEndValue(k + 2)) return { pattern: this.s.slice(p + 2, k), end: k + 2 };
    }
    return null;
  }

  // --- values ----------------------------------------------------------------------------

  private textValue(start: number, end: number, value: string, quoted: boolean): ValueTextToken {
    return { ...this.base(start, end), type: 'valueText', value, quoted, wildcard: wildcardPosition(value) };
  }

  /** `"` ( `\"` / any char but `"` )* `"`; returns the raw inner text. */
  private quotedValue(p: number): { raw: string; end: number } | null {
    if (this.s[p] !== '"') return null;
    let q = p + 1;
    for (;;) {
      if (this.s.startsWith('\\"', q)) q += 2;
      else if (this.s[q] === '"') return { raw: this.s.slice(p + 1, q), end: q + 1 };
      else if (q >= this.s.length) return null;
      else q++;
    }
  }

  /** `search_value`: a quoted value or a run of anything but whitespace and parentheses (maybe empty). */
  private searchValue(p: number): { node: ValueTextToken; end: number } {
    const quoted = this.quotedValue(p);
    if (quoted !== null) return { node: this.textValue(p, quoted.end, quoted.raw, true), end: quoted.end };
    let q = p;
    for (;;) {
      const c = this.s[q];
      if (c === undefined || c === '(' || c === ')' || c === '\t' || c === '\n' || c === ' ') break;
      q++;
    }
    return { node: this.textValue(p, q, this.s.slice(p, q), false), end: q };
  }

  private numericEnd(p: number): number | null {
    let q = p;
    while (isDigit(this.s[q])) q++;
    if (q === p) return null;
    if (this.s[q] === '.') {
      q++;
      while (isDigit(this.s[q])) q++;
    }
    return q;
  }

  private numericValue(p: number): Parsed<ValueNumberToken> {
    const start = this.s[p] === '-' ? p + 1 : p;
    const numEnd = this.numericEnd(start);
    if (numEnd === null) return null;
    const u = this.s[numEnd];
    const unit = u !== undefined && 'kmbKMB'.includes(u) ? u : null;
    const end = unit === null ? numEnd : numEnd + 1;
    if (!(this.isEndValue(end) || this.s[end] === ',' || this.s[end] === ']')) return null;
    const value = this.s.slice(p, numEnd);
    return {
      node: {
        ...this.base(p, end),
        type: 'valueNumber',
        value,
        unit,
        parsed: { value: applyNumberUnit(value, unit) },
      },
      end,
    };
  }

  private durationValue(p: number): Parsed<ValueDurationToken> {
    const numEnd = this.numericEnd(p);
    if (numEnd === null) return null;
    const unit = DURATION_UNITS.find(([name]) => this.s.startsWith(name, numEnd))?.[0];
    if (unit === undefined || !this.isEndValue(numEnd + unit.length)) return null;
    const end = numEnd + unit.length;
    const value = this.s.slice(p, numEnd);
    return {
      node: {
        ...this.base(p, end),
        type: 'valueDuration',
        value,
        unit,
        parsed: { value: durationToMs(value, unit) },
      },
      end,
    };
  }

  private sizeValue(p: number): Parsed<ValueSizeToken> {
    const numEnd = this.numericEnd(p);
    if (numEnd === null) return null;
    const found = SIZE_UNITS.find(
      ([name]) => this.s.slice(numEnd, numEnd + name.length).toLowerCase() === name,
    );
    if (found === undefined || !this.isEndValue(numEnd + found[0].length)) return null;
    const end = numEnd + found[0].length;
    const value = this.s.slice(p, numEnd);
    const unit = this.s.slice(numEnd, end);
    return {
      node: {
        ...this.base(p, end),
        type: 'valueSize',
        value,
        unit,
        parsed: { value: sizeToBytes(value, unit) },
      },
      end,
    };
  }

  private percentageValue(p: number): Parsed<ValuePercentageToken> {
    const numEnd = this.numericEnd(p);
    if (numEnd === null || this.s[numEnd] !== '%') return null;
    const value = this.s.slice(p, numEnd);
    const end = numEnd + 1;
    return {
      node: {
        ...this.base(p, end),
        type: 'valuePercentage',
        value,
        parsed: { value: Number.parseFloat(value) },
      },
      end,
    };
  }

  private booleanValue(p: number): Parsed<ValueBooleanToken> {
    const m = /^(true|false|1|0)/i.exec(this.s.slice(p, p + 5));
    if (m === null) return null;
    const value = m[1] ?? '';
    const end = p + value.length;
    if (!this.isEndValue(end)) return null;
    const parsed = { value: value === '1' || value.toLowerCase() === 'true' };
    return { node: { ...this.base(p, end), type: 'valueBoolean', value, parsed }, end };
  }

  private isoDateValue(p: number): Parsed<ValueIso8601DateToken> {
    const re = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?/y;
    re.lastIndex = p;
    const m = re.exec(this.s);
    if (m === null) return null;
    const end = p + m[0].length;
    if (!this.isEndValue(end)) return null;
    const parts = parseIsoDate(m[0]);
    const iso = parts === null ? null : isoOrNull(parts.epochMs);
    const node: ValueIso8601DateToken = { ...this.base(p, end), type: 'valueIso8601Date', value: m[0] };
    if (iso !== null) node.parsed = { value: iso };
    return { node, end };
  }

  private relDateValue(p: number): Parsed<ValueRelativeDateToken> {
    const m = /([+-])(\d+)([wdhm])/y;
    m.lastIndex = p;
    const r = m.exec(this.s);
    if (r === null) return null;
    const end = p + r[0].length;
    if (!this.isEndValue(end)) return null;
    const sign = r[1] === '+' ? '+' : '-';
    const count = r[2] ?? '0';
    const unit = (r[3] ?? 'd') as 'w' | 'd' | 'h' | 'm';
    const node: ValueRelativeDateToken = {
      ...this.base(p, end),
      type: 'valueRelativeDate',
      value: count,
      sign,
      unit,
    };
    const instant = relativeDateInstant(this.now, sign, count, unit);
    if (instant !== null) node.parsed = { value: instant };
    return { node, end };
  }

  private textInList(p: number): Parsed<ValueTextListToken> {
    const list = this.list(p, (q) => this.textInValue(q));
    return list === null
      ? null
      : { node: { ...this.base(p, list.end), type: 'valueTextList', items: list.items }, end: list.end };
  }

  private numericInList(p: number): Parsed<ValueNumberListToken> {
    const list = this.list(p, (q) => this.numericValue(q));
    return list === null
      ? null
      : { node: { ...this.base(p, list.end), type: 'valueNumberList', items: list.items }, end: list.end };
  }

  /** `[` item (`spaces , spaces !,` item?)* `]` followed by a value end. */
  private list<T>(p: number, item: (q: number) => Parsed<T>): { items: ListItem<T>[]; end: number } | null {
    if (this.s[p] !== '[') return null;
    const first = item(p + 1);
    if (first === null) return null;
    const items: ListItem<T>[] = [{ separator: '', value: first.node }];
    let q = first.end;
    for (;;) {
      const next = this.listSeparator(q);
      if (next === null) break;
      const it = item(next);
      items.push({ separator: this.s.slice(q, next), value: it?.node ?? null });
      q = it === null ? next : it.end;
    }
    if (this.s[q] !== ']' || !this.isEndValue(q + 1)) return null;
    return { items, end: q + 1 };
  }

  private textInValue(p: number): Parsed<ValueTextToken> {
    const quoted = this.quotedValue(p);
    if (quoted !== null) return { node: this.textValue(p, quoted.end, quoted.raw, true), end: quoted.end };
    let q = p;
    // `&in_value_termination in_value_char`, char by char. The termination scan from any
    // position before its stop point ends at that same point, so one scan serves the run.
    let stop = -1;
    let terminated = false;
    while (isInValueChar(this.s[q])) {
      if (q >= stop) {
        stop = q + 1;
        while (stop < this.s.length && !this.inValueEnd(stop) && isInValueChar(this.s[stop])) stop++;
        terminated = this.inValueEnd(stop);
      }
      if (!terminated) break;
      q++;
    }
    return q > p ? { node: this.textValue(p, q, this.s.slice(p, q), false), end: q } : null;
  }

  private inValueEnd(j: number): boolean {
    return this.s[j] === ']' || this.s[this.spaces(j).end] === ',';
  }

  // --- validation (parser.tsx checkInvalid*) ----------------------------------------------

  private invalid(type: InvalidInfo['type'], expectedType?: FilterKind[]): InvalidInfo {
    const info: InvalidInfo = { type, reason: this.config.invalidMessages[type] };
    if (expectedType !== undefined) info.expectedType = expectedType;
    return info;
  }

  private checkInvalidFilter(
    filter: FilterKind,
    key: KeyToken,
    value: ValueToken,
    negated: boolean,
    operator: string,
  ): InvalidInfo | null {
    const c = this.config;
    if (c.validateKeys && c.supportedTags !== null && !Object.hasOwn(c.supportedTags, keyName(key))) {
      return { type: 'invalid-key', reason: `Invalid key. "${key.text}" is not a supported search key.` };
    }
    if (c.disallowNegation && negated) return this.invalid('negation-not-allowed');
    if (filter === 'aggregateGeneric') return this.invalid('aggregate-filter-incomplete');
    if ((filter === 'text' || filter === 'arrayIncludes') && value.type === 'valueText') {
      if (operator === REGEX_OPERATOR) {
        if (value.value === '') return this.invalid('filter-must-have-value');
        return regexLength(value.value) > MAX_REGEX_LENGTH ? this.invalid('regex-pattern-too-long') : null;
      }
      return this.checkInvalidTextFilter(key, value);
    }
    if ((filter === 'is' || filter === 'has') && value.type === 'valueText')
      return this.checkInvalidTextValue(value);
    if (value.type === 'valueTextList' || value.type === 'valueNumberList')
      return this.checkInvalidInFilter(value);
    if (key.type === 'keyAggregate' && (key.args?.args ?? []).some((a) => a.value === null)) {
      return this.invalid('empty-parameter-not-allowed');
    }
    if (value.type === 'valueIso8601Date' && value.parsed === undefined) {
      return { type: 'invalid-date-format', reason: `${value.value} is not a valid ISO8601 date query` };
    }
    if (value.type === 'valueRelativeDate' && value.parsed === undefined) {
      return {
        type: 'invalid-date-format',
        reason: `${value.sign}${value.value}${value.unit} is not a valid datetime query`,
      };
    }
    return null;
  }

  private checkInvalidTextFilter(key: KeyToken, value: ValueTextToken): InvalidInfo | null {
    if (key.type !== 'keySimple') return this.checkInvalidTextValue(value);
    const c = this.config;
    const name = key.value;
    if (keyTypes.isDuration(c, name)) return this.invalid('invalid-duration', ['duration']);
    if (keyTypes.isDate(c, name)) {
      const example = new Date(Math.floor(this.now.getTime() / 60000) * 60000).toISOString();
      return {
        type: 'invalid-date-format',
        reason: `Invalid date format. Expected +/-duration (e.g. +1h) or ISO 8601-like (e.g. ${example.slice(0, 10)} or ${example})`,
        expectedType: ['date', 'specificDate', 'relativeDate'],
      };
    }
    if (keyTypes.isBoolean(c, name)) return this.invalid('invalid-boolean', ['boolean']);
    if (keyTypes.isSize(c, name)) return this.invalid('invalid-file-size', ['size']);
    if (keyTypes.isNumeric(c, name)) return this.invalid('invalid-number', ['numeric', 'numericIn']);
    return this.checkInvalidTextValue(value);
  }

  private checkInvalidTextValue(value: ValueTextToken): InvalidInfo | null {
    if (this.config.disallowWildcard && value.value.includes('*'))
      return this.invalid('wildcard-not-allowed');
    if (!value.quoted && /(^|[^\\])"/.test(value.value)) return this.invalid('must-be-quoted');
    if (!value.quoted && value.value === '') return this.invalid('filter-must-have-value');
    return null;
  }

  private checkInvalidInFilter(value: ValueTextListToken | ValueNumberListToken): InvalidInfo | null {
    if (value.items.some((item) => item.value === null))
      return this.invalid('empty-value-in-list-not-allowed');
    if (this.config.disallowWildcard && value.items.some((item) => item.value?.value.includes('*'))) {
      return this.invalid('wildcard-not-allowed');
    }
    return null;
  }
}

function memoized<T>(memo: Map<number, T>, p: number, compute: () => T): T {
  if (memo.has(p)) return memo.get(p) as T;
  const value = compute();
  memo.set(p, value);
  return value;
}

/** Length of a regex pattern counting an escape pair (`\\.`) as one character. */
function regexLength(pattern: string): number {
  let n = 0;
  for (let i = 0; i < pattern.length; i++, n++) if (pattern[i] === '\\') i++;
  return n;
}

/**
 * The name Sentry's frontend uses for a key token (`getKeyName`): the key text of simple keys,
 * the inner key of explicit tag/flag keys, `key[*]`'s inner name, and the raw text of aggregates.
 */
export function keyName(key: KeyToken): string {
  switch (key.type) {
    case 'keySimple':
      return key.value;
    case 'keyArrayIncludes':
      return keyName(key.key);
    case 'keyAggregate':
      return key.text;
    default:
      return key.key.value;
  }
}
