/**
 * Semantic filters: the token tree turned into Sentry backend search filters, following the
 * `SearchVisitor` of `src/sentry/api/event_search.py` (reference/sentry-semantics.md §1.4):
 * free text → `message = *text*`, `has:k` → `k != ""`, `is:` through the config's translation
 * table, negation through `OPERATOR_NEGATION_MAP`, lists → `IN`/`NOT IN`, specific dates expanded
 * to ranges, relative dates made absolute, units applied, key aliases mapped, and Sentry's
 * `InvalidSearchQuery` messages for everything the backend rejects.
 */
import {
  canonicalKey,
  keyTypes,
  resolveSearchConfig,
  type SearchConfig,
  type SearchConfigInput,
} from './config.js';
import { parseErrorAt, searchError, type SearchError, type SearchResult } from './errors.js';
import { parseSearch } from './parser.js';
import type {
  FilterToken,
  FreeTextToken,
  KeyToken,
  LogicGroupToken,
  TermOrSpaces,
  TokenLocation,
  ValueTextToken,
} from './tokens.js';
import { REGEX_OPERATOR, WILDCARD_OPERATOR_MARK } from './tokens.js';
import {
  applyNumberUnit,
  escapeWildcardText,
  isoOrNull,
  parseIsoDate,
  RELATIVE_DATE_UNITS,
} from './values.js';

/** Operators of backend filters (`IN`/`NOT IN` for lists). */
export type SearchOperator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'IN' | 'NOT IN';

/**
 * A filter value.
 * - `text`: wildcard syntax — an unescaped `*` is a wildcard, `\*` a literal star; quotes are
 *   already unescaped (`\"` → `"`). Compare through values.ts (`classifyWildcard`, `literalValue`).
 * - `regex`: an RE2 pattern from `key://pattern//`.
 * - `number`: `unit` says what a converted value measures (`ms` for durations, `bytes` for sizes,
 *   `fraction` for percentages); absent for plain numbers (k/m/b already applied).
 * - `boolean`: a boolean key's value after negation.
 * - `date`: an instant as an ISO-8601 UTC string.
 */
export type SearchValue =
  | { kind: 'text'; value: string }
  | { kind: 'regex'; value: string }
  | { kind: 'textList'; values: string[] }
  | { kind: 'number'; value: number; unit?: 'ms' | 'bytes' | 'fraction' }
  | { kind: 'numberList'; values: number[] }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: string };

/** A filter on an event or group attribute (`SearchFilter`). */
export interface SearchFilter {
  type: 'filter';
  /** The canonical key (aliases mapped): `level`, `tags[browser]`, `flags[beta,number]`, `first_seen`… */
  key: string;
  operator: SearchOperator;
  value: SearchValue;
  /** For filters that came from `is:<value>`: that value (`resolved`, `assigned`, …). */
  isAlias?: string;
  /** Span of the query the filter came from. */
  location?: TokenLocation;
}

/** A filter on an aggregate such as `count()` (`AggregateFilter`); `key` is `name(arg, arg)`. */
export interface AggregateFilter {
  type: 'aggregate';
  key: string;
  operator: SearchOperator;
  value: SearchValue;
  location?: TokenLocation;
}

/** A parenthesised group (`ParenExpression`). */
export interface ParenExpression {
  type: 'paren';
  children: SearchTerm[];
  location?: TokenLocation;
}

/** An explicit `AND` / `OR`. */
export interface BooleanOperatorTerm {
  type: 'operator';
  operator: 'AND' | 'OR';
  location?: TokenLocation;
}

/** One element of the flat list the backend visitor returns. */
export type SearchTerm = SearchFilter | AggregateFilter | ParenExpression | BooleanOperatorTerm;

/** `OPERATOR_NEGATION_MAP` (`src/sentry/search/events/constants.py`). */
export const OPERATOR_NEGATION: Readonly<Record<SearchOperator, SearchOperator>> = {
  '=': '!=',
  '!=': '=',
  '<': '>=',
  '<=': '>',
  '>': '<=',
  '>=': '<',
  IN: 'NOT IN',
  'NOT IN': 'IN',
};

/**
 * Parses `query` and converts it to backend filters (`parse_search_query`). Errors carry
 * Sentry's messages and the offending span. Never throws.
 */
export function parseSearchQuery(
  query: string,
  config: SearchConfigInput | SearchConfig = {},
): SearchResult<SearchTerm[]> {
  const resolved = resolveSearchConfig(config);
  const parsed = parseSearch(query, resolved);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  return toSearchTerms(parsed.tokens, resolved);
}

/**
 * Converts a token list from {@link parseSearch} (made with the same config) to backend
 * filters. Returns the first error in query order. Never throws.
 */
export function toSearchTerms(
  tokens: readonly TermOrSpaces[],
  config: SearchConfig,
): SearchResult<SearchTerm[]> {
  const query = tokens.map((t) => t.text).join('');
  try {
    return { ok: true, value: new Converter(config, query).terms(tokens) };
  } catch (e) {
    if (e instanceof ConversionError) return { ok: false, error: e.error };
    throw e;
  }
}

// Internal control flow only: conversion is deeply recursive and the first error wins, as in
// the backend visitor; the exception never escapes toSearchTerms.
class ConversionError extends Error {
  constructor(readonly error: SearchError) {
    super(error.message);
  }
}

const fail = (type: SearchError['type'], message: string, position: TokenLocation | null = null): never => {
  throw new ConversionError(searchError(type, message, position));
};

const SIMPLE_KEY_RE = /^[a-zA-Z0-9_.-]+$/;
const QUOTED_KEY_RE = /^[a-zA-Z0-9_.:-]+$/;
const EXPLICIT_KEY_RE = /^(tags|flags)\[[^\]]+\](\[\*\])?$/;
const NUMERIC_TEXT_RE = /^(>=|<=|>|<|=|!=)?(-?\d+(?:\.\d*)?)([kmb])?$/i;

/** Python's `repr` of a list of strings, as Sentry's messages print them. */
function pyList(values: readonly string[]): string {
  return `[${values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

class Converter {
  private readonly now: Date;

  constructor(
    private readonly config: SearchConfig,
    private readonly query: string,
  ) {
    this.now = config.now ?? new Date();
  }

  terms(tokens: readonly TermOrSpaces[]): SearchTerm[] {
    const out: SearchTerm[] = [];
    for (const token of tokens) {
      switch (token.type) {
        case 'spaces':
          break;
        case 'lParen':
        case 'rParen':
          throw new ConversionError(parseErrorAt(this.query, token.location.start));
        case 'logicBoolean':
          if (!this.config.allowBoolean) {
            fail(
              'unsupported',
              'Boolean statements containing "OR" or "AND" are not supported in this search',
              token.location,
            );
          }
          this.rejectInvalid(token.invalid, token.location);
          out.push({ type: 'operator', operator: token.value, location: token.location });
          break;
        case 'logicGroup':
          out.push(...this.group(token));
          break;
        case 'freeText':
          out.push(...this.freeText(token));
          break;
        case 'filter':
          out.push(...this.filter(token));
          break;
      }
    }
    return out;
  }

  private group(token: LogicGroupToken): SearchTerm[] {
    // The backend visits the group's children first, so their errors win.
    const children = this.terms(token.inner);
    if (!this.config.allowBoolean) {
      // Without boolean support a parenthesised group is plain free text (visit_paren_group).
      return [this.freeTextFilter(token.text, token.location)];
    }
    return children.length === 0 ? [] : [{ type: 'paren', children, location: token.location }];
  }

  private freeText(token: FreeTextToken): SearchTerm[] {
    this.rejectInvalid(token.invalid, token.location);
    const text = token.quoted ? token.value.replace(/\\"/g, '"') : token.value.replace(/^ +| +$/g, '');
    return text === '' ? [] : [this.freeTextFilter(text, token.location)];
  }

  private freeTextFilter(text: string, location: TokenLocation): SearchFilter {
    const wrapped =
      !this.config.wrapFreeText || text.startsWith('*') || text.endsWith('*') ? text : `*${text}*`;
    return {
      type: 'filter',
      key: this.config.freeTextKey,
      operator: '=',
      value: { kind: 'text', value: wrapped },
      location,
    };
  }

  /** Rejects frontend-only invalid markers (config validations the backend has no message for). */
  private rejectInvalid(invalid: FilterToken['invalid'], location: TokenLocation): void {
    if (invalid === null) return;
    switch (invalid.type) {
      case 'invalid-key':
      case 'negation-not-allowed':
      case 'wildcard-not-allowed':
      case 'free-text-not-allowed':
      case 'logic-or-not-allowed':
      case 'logic-and-not-allowed':
      case 'parens-not-allowed':
      case 'regex-pattern-too-long':
      case 'empty-parameter-not-allowed':
        fail('invalid_filter', invalid.reason, location);
        break;
      default:
        // Typed-value problems are reported below with the backend's wording.
        break;
    }
  }

  private filter(token: FilterToken): SearchTerm[] {
    this.rejectInvalid(token.invalid, token.location);
    switch (token.filter) {
      case 'text':
      case 'arrayIncludes':
        return [this.textFilter(token)];
      case 'textIn':
        return [this.textInFilter(token)];
      case 'has':
        return [this.hasFilter(token)];
      case 'is':
        return [this.isFilter(token)];
      case 'numeric':
      case 'duration':
      case 'size':
        return [this.numberFilter(token)];
      case 'numericIn':
        return [this.numericInFilter(token)];
      case 'boolean':
        return [this.booleanFilter(token)];
      case 'date':
        return [this.dateFilter(token)];
      case 'specificDate':
        return this.specificDateFilter(token);
      case 'relativeDate':
        return [this.relativeDateFilter(token)];
      default:
        return [this.aggregateFilter(token)];
    }
  }

  // --- keys ------------------------------------------------------------------------------

  private keyOf(key: KeyToken, location: TokenLocation): string {
    switch (key.type) {
      case 'keySimple':
        return this.checkedKey(key.value, location);
      case 'keyArrayIncludes':
        return `${this.keyOf(key.key, location)}[*]`;
      case 'keyAggregate': {
        const args = (key.args?.args ?? []).map((a) => a.value?.value ?? '').join(', ');
        return canonicalKey(this.config, `${key.name.value}(${args})`);
      }
      default: {
        const suffix = key.type
          .replace(/^keyExplicit/, '')
          .replace(/(Tag|Flag)$/, '')
          .toLowerCase();
        return `${key.prefix}[${key.key.value}${suffix === '' ? '' : `,${suffix}`}]`;
      }
    }
  }

  private checkedKey(raw: string, location: TokenLocation): string {
    const c = this.config;
    if ((c.allowedKeys.size > 0 && !c.allowedKeys.has(raw)) || c.blockedKeys.has(raw)) {
      fail('unsupported', `Invalid key for this search: ${raw}`, location);
    }
    return canonicalKey(c, raw);
  }

  // --- text ------------------------------------------------------------------------------

  /** A value's text as the backend sees it (`visit_value` / `visit_quoted_value`). */
  private textOf(value: ValueTextToken, location: TokenLocation): string {
    if (!value.quoted && /(^|[^\\])"/.test(value.value)) {
      fail(
        'invalid_filter',
        `Invalid quote at '${value.value}': quotes must enclose text or be escaped.`,
        location,
      );
    }
    return value.value.replace(/\\"/g, '"');
  }

  private textFilter(token: FilterToken): SearchFilter {
    const key = this.keyOf(token.key, token.location);
    const value = token.value;
    if (value.type !== 'valueText') return fail('invalid_filter', `Invalid value for ${key}`, token.location);
    const filter = (operator: SearchOperator, v: SearchValue): SearchFilter => ({
      type: 'filter',
      key,
      operator: token.negated ? OPERATOR_NEGATION[operator] : operator,
      value: v,
      location: token.location,
    });
    if (token.operator === REGEX_OPERATOR) {
      if (value.value === '') fail('invalid_filter', `Empty string after '${key}:'`, token.location);
      return filter('=', { kind: 'regex', value: value.value });
    }
    let text = this.textOf(value, token.location);
    if (text === '' && !value.quoted) fail('invalid_filter', `Empty string after '${key}:'`, token.location);
    let operator: SearchOperator = '=';
    let negated = false;
    if (token.operator.startsWith(WILDCARD_OPERATOR_MARK)) {
      [text, negated] = applyWildcardOperator(token.operator, text, key, token.location);
    } else if (token.operator !== '') {
      operator = token.operator as SearchOperator;
    }
    if (isNumberTyped(token.key)) {
      const m = NUMERIC_TEXT_RE.exec(text);
      if (m === null) this.invalidTyped(key, text, token.location);
      else {
        const op = (m[1] as SearchOperator | undefined) ?? '=';
        return filter(negated ? OPERATOR_NEGATION[op] : op, {
          kind: 'number',
          value: applyNumberUnit(m[2] ?? '', m[3] ?? null),
        });
      }
    }
    this.checkBasic(key, text, token.location);
    return filter(negated ? OPERATOR_NEGATION[operator] : operator, { kind: 'text', value: text });
  }

  private textInFilter(token: FilterToken): SearchFilter {
    const key = this.keyOf(token.key, token.location);
    if (token.value.type !== 'valueTextList')
      return fail('invalid_filter', `Invalid value for ${key}`, token.location);
    const values: string[] = [];
    let negated = false;
    for (const item of token.value.items) {
      if (item.value === null)
        return fail('invalid_filter', 'Lists should not have empty values', token.location);
      // Quoted and bare list items alike only unescape quotes (visit_quoted_value / visit_in_value).
      let text = item.value.value.replace(/\\"/g, '"');
      if (token.operator.startsWith(WILDCARD_OPERATOR_MARK)) {
        [text, negated] = applyWildcardOperator(token.operator, text, key, token.location);
      }
      values.push(text);
    }
    const operator: SearchOperator = token.negated !== negated ? 'NOT IN' : 'IN';
    if (isNumberTyped(token.key)) {
      const numbers = values.map((v) => NUMERIC_TEXT_RE.exec(v));
      if (numbers.some((m) => m === null || m[1] !== undefined))
        this.invalidTyped(key, pyList(values), token.location);
      return {
        type: 'filter',
        key,
        operator,
        value: {
          kind: 'numberList',
          values: numbers.map((m) => applyNumberUnit(m?.[2] ?? '', m?.[3] ?? null)),
        },
        location: token.location,
      };
    }
    this.checkBasic(key, pyList(values), token.location);
    return { type: 'filter', key, operator, value: { kind: 'textList', values }, location: token.location };
  }

  /** `_handle_basic_filter`: a typed key reaching a text filter means its value had the wrong format. */
  private checkBasic(key: string, shown: string, location: TokenLocation): void {
    const c = this.config;
    if (keyTypes.isDate(c, key)) {
      const example = this.now.toISOString().slice(0, 22);
      fail(
        'invalid_filter',
        `${key}: Invalid date: ${shown}. Expected +/-duration (e.g. +1h) or ISO 8601-like (e.g. ${example}).`,
        location,
      );
    }
    if (keyTypes.isBoolean(c, key)) {
      fail('invalid_filter', `${key}: Invalid boolean: ${shown}. Expected true, 1, false, or 0.`, location);
    }
    if (keyTypes.isNumeric(c, key) || keyTypes.isDuration(c, key) || keyTypes.isSize(c, key)) {
      this.invalidTyped(key, shown, location);
    }
  }

  private invalidTyped(key: string, shown: string, location: TokenLocation): never {
    return fail(
      'invalid_filter',
      `${key}: Invalid number: ${shown}. Expected number then optional k, m, or b suffix (e.g. 500k).`,
      location,
    );
  }

  private hasFilter(token: FilterToken): SearchFilter {
    const value = token.value;
    const valid =
      value.type === 'valueText' &&
      (value.quoted
        ? QUOTED_KEY_RE.test(value.value)
        : SIMPLE_KEY_RE.test(value.value) || EXPLICIT_KEY_RE.test(value.value));
    if (!valid || value.type !== 'valueText') {
      return fail(
        'invalid_filter',
        'Invalid format for "has" search: was expecting a field or tag instead',
        token.location,
      );
    }
    const key = EXPLICIT_KEY_RE.test(value.value)
      ? value.value
      : this.checkedKey(value.value, token.location);
    return {
      type: 'filter',
      key,
      operator: token.negated ? '=' : '!=',
      value: { kind: 'text', value: '' },
      location: token.location,
    };
  }

  private isFilter(token: FilterToken): SearchFilter {
    const table = this.config.isFilterTranslation;
    const names = Object.keys(table);
    if (names.length === 0)
      fail('unsupported', '"is:" queries are not supported in this search.', token.location);
    if (token.value.type !== 'valueText')
      return fail('invalid_filter', 'Invalid value for "is" search', token.location);
    const raw = this.textOf(token.value, token.location);
    if (raw.startsWith('[')) fail('invalid_filter', '"in" syntax invalid for "is" search', token.location);
    const translated = Object.hasOwn(table, raw) ? table[raw] : undefined;
    if (translated === undefined) {
      return fail(
        'invalid_filter',
        `Invalid value for "is" search, valid values are ${pyList([...names].sort())}`,
        token.location,
      );
    }
    const [key, v] = translated;
    return {
      type: 'filter',
      key,
      operator: token.negated ? '!=' : '=',
      value: typeof v === 'boolean' ? { kind: 'boolean', value: v } : { kind: 'text', value: v },
      isAlias: raw,
      location: token.location,
    };
  }

  // --- typed -----------------------------------------------------------------------------

  private operatorOf(token: FilterToken, fallback: SearchOperator = '='): SearchOperator {
    const op = token.operator === '' ? fallback : (token.operator as SearchOperator);
    return token.negated ? OPERATOR_NEGATION[op] : op;
  }

  private finite(key: string, n: number, token: FilterToken): number {
    if (!Number.isFinite(n)) this.invalidTyped(key, token.value.text, token.location);
    return n;
  }

  private numberFilter(token: FilterToken): SearchFilter {
    const key = this.keyOf(token.key, token.location);
    const v = token.value;
    const unit = v.type === 'valueDuration' ? 'ms' : v.type === 'valueSize' ? 'bytes' : undefined;
    const n =
      v.type === 'valueNumber' || v.type === 'valueDuration' || v.type === 'valueSize'
        ? v.parsed.value
        : Number.NaN;
    const value: SearchValue = { kind: 'number', value: this.finite(key, n, token) };
    if (unit !== undefined) value.unit = unit;
    return { type: 'filter', key, operator: this.operatorOf(token), value, location: token.location };
  }

  private numericInFilter(token: FilterToken): SearchFilter {
    const key = this.keyOf(token.key, token.location);
    if (token.value.type !== 'valueNumberList')
      return fail('invalid_filter', `Invalid value for ${key}`, token.location);
    const values: number[] = [];
    for (const item of token.value.items) {
      if (item.value === null)
        return fail('invalid_filter', 'Lists should not have empty values', token.location);
      values.push(this.finite(key, item.value.parsed.value, token));
    }
    return {
      type: 'filter',
      key,
      operator: token.negated ? 'NOT IN' : 'IN',
      value: { kind: 'numberList', values },
      location: token.location,
    };
  }

  private booleanFilter(token: FilterToken): SearchFilter {
    const key = this.keyOf(token.key, token.location);
    if (token.value.type !== 'valueBoolean')
      return fail('invalid_filter', `Invalid boolean field: ${key}`, token.location);
    return {
      type: 'filter',
      key,
      operator: '=',
      value: { kind: 'boolean', value: token.value.parsed.value !== token.negated },
      location: token.location,
    };
  }

  private dateOf(token: FilterToken): string {
    const v = token.value;
    if (v.type !== 'valueIso8601Date' || v.parsed === undefined) {
      return fail('invalid_filter', `${token.value.text} is not a valid ISO8601 date query`, token.location);
    }
    return v.parsed.value;
  }

  private dateFilter(token: FilterToken): SearchFilter {
    const key = this.keyOf(token.key, token.location);
    const value: SearchValue = { kind: 'date', value: this.dateOf(token) };
    return { type: 'filter', key, operator: this.operatorOf(token), value, location: token.location };
  }

  /** A date means that whole day; a date-time means [t − 5 min, t + 6 min) (`parse_datetime_value`). */
  private specificDateFilter(token: FilterToken): SearchFilter[] {
    const key = this.keyOf(token.key, token.location);
    const parts = parseIsoDate(token.value.text);
    const start = parts === null ? null : isoOrNull(parts.hasTime ? parts.epochMs - 5 * 60e3 : parts.epochMs);
    const end =
      parts === null ? null : isoOrNull(parts.hasTime ? parts.epochMs + 6 * 60e3 : parts.epochMs + 86400e3);
    if (start === null || end === null) {
      return fail('invalid_filter', `${token.value.text} is not a valid datetime query`, token.location);
    }
    return [
      {
        type: 'filter',
        key,
        operator: '>=',
        value: { kind: 'date', value: start },
        location: token.location,
      },
      { type: 'filter', key, operator: '<', value: { kind: 'date', value: end }, location: token.location },
    ];
  }

  /** `-24h` → `>= now − 24h` ("within"), `+7d` → `<= now − 7d` ("older than"), `parse_datetime_range`. */
  private relative(token: FilterToken): { operator: SearchOperator; value: SearchValue } {
    const v = token.value;
    if (v.type !== 'valueRelativeDate')
      return fail('invalid_filter', `${v.text} is not a valid datetime query`, token.location);
    const instant = isoOrNull(
      this.now.getTime() - Number.parseInt(v.value, 10) * RELATIVE_DATE_UNITS[v.unit],
    );
    if (instant === null)
      return fail('invalid_filter', `${v.text} is not a valid datetime query`, token.location);
    return { operator: v.sign === '-' ? '>=' : '<=', value: { kind: 'date', value: instant } };
  }

  private relativeDateFilter(token: FilterToken): SearchFilter {
    const key = this.keyOf(token.key, token.location);
    return { type: 'filter', key, ...this.relative(token), location: token.location };
  }

  private aggregateFilter(token: FilterToken): AggregateFilter {
    const key = this.keyOf(token.key, token.location);
    if (!this.config.allowAggregates) {
      fail('unsupported', `Aggregate filters are not supported in this search: ${key}`, token.location);
    }
    const v = token.value;
    const agg = (operator: SearchOperator, value: SearchValue): AggregateFilter => ({
      type: 'aggregate',
      key,
      operator,
      value,
      location: token.location,
    });
    switch (v.type) {
      case 'valueDuration':
        return agg(this.operatorOf(token), {
          kind: 'number',
          value: this.finite(key, v.parsed.value, token),
          unit: 'ms',
        });
      case 'valueSize':
        return agg(this.operatorOf(token), {
          kind: 'number',
          value: this.finite(key, v.parsed.value, token),
          unit: 'bytes',
        });
      case 'valuePercentage':
        return agg(this.operatorOf(token), { kind: 'number', value: v.parsed.value / 100, unit: 'fraction' });
      case 'valueNumber':
        return agg(this.operatorOf(token), {
          kind: 'number',
          value: this.finite(key, v.parsed.value, token),
        });
      case 'valueIso8601Date':
        return agg(this.operatorOf(token), { kind: 'date', value: this.dateOf(token) });
      case 'valueRelativeDate': {
        const r = this.relative(token);
        return agg(r.operator, r.value);
      }
      default:
        return fail('invalid_filter', `Invalid aggregate query condition: ${key}`, token.location);
    }
  }
}

/** True for `tags[k,number]` / `flags[k,number]`, whose text values compare as numbers. */
function isNumberTyped(key: KeyToken): boolean {
  return key.type === 'keyExplicitNumberTag' || key.type === 'keyExplicitNumberFlag';
}

/**
 * The hidden wildcard operators become wildcard values (`Contains` → `*v*`, `StartsWith` →
 * `v*`, `EndsWith` → `*v`, the `DoesNot…` forms negated; `Matches` keeps the value as a
 * wildcard pattern). Returns the value and whether the operator negates.
 */
function applyWildcardOperator(
  operator: string,
  text: string,
  key: string,
  location: TokenLocation,
): [string, boolean] {
  const name = operator.slice(1, -1).replace(/\s+/g, '').toLowerCase();
  const literal = escapeWildcardText(text);
  switch (name) {
    case 'contains':
      return [`*${literal}*`, false];
    case 'doesnotcontain':
      return [`*${literal}*`, true];
    case 'startswith':
      return [`${literal}*`, false];
    case 'doesnotstartwith':
      return [`${literal}*`, true];
    case 'endswith':
      return [`*${literal}`, false];
    case 'doesnotendwith':
      return [`*${literal}`, true];
    case 'matches':
      return [text, false];
    default:
      return fail('invalid_filter', `Invalid operator for ${key}: ${operator.slice(1, -1)}`, location);
  }
}
