/**
 * Sentry's search syntax for the trace item datasets (logs, trace metrics) of the explore
 * endpoint, compiled into the readers' conditions (src/storage/clickhouse/trace-items.ts).
 * Follows Sentry's EAP search resolver (`src/sentry/search/eap/resolver.py`): public aliases
 * (`message`, `severity`, `trace`, …) name stored fields, any other key names an attribute, and
 * `tags[key,number|string|boolean]` names an attribute explicitly. Supported: `AND` of filters
 * (`key:value`, `!key:value`, `key:[a,b]`, wildcards `*`, `key:>n` on numbers, `has:key`,
 * `!has:key`) and free text (a case-insensitive substring of the free-text field).
 */
import {
  classifyWildcard,
  literalValue,
  parseSearchQuery,
  wildcardToLike,
  type SearchFilter,
} from '../../query/index.js';
import type { TraceItemCondition } from '../../storage/clickhouse/trace-items.js';
import { ApiError } from './errors.js';

/** What a public key stands for: a stored column (with how it compares) or an attribute. */
export type ResolvedKey =
  { column: string; kind: 'string' | 'number'; lowercase?: boolean } | { attribute: string };

/** Maps a search key (canonical, aliases applied by the parser) to what it filters. */
export type KeyResolver = (key: string) => ResolvedKey;

const EXPLICIT_ATTRIBUTE = /^tags\[([^,\]]+)(?:,\s*(string|number|boolean))?\]$/;

/**
 * The attribute named by `tags[key]` / `tags[key,type]`, or `undefined` when `key` is not of that
 * form.
 */
export function explicitAttribute(key: string): { name: string; type?: string } | undefined {
  const m = EXPLICIT_ATTRIBUTE.exec(key);
  if (!m) return undefined;
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, type: m[2] };
}

function textCondition(
  target: TraceItemCondition['target'],
  negated: boolean,
  raw: string,
  lowercase: boolean,
): TraceItemCondition {
  if (raw === '') {
    // `has:key` is `key != ""`, `!has:key` is `key = ""` (Sentry's visitor).
    return { target, op: negated ? 'exists' : 'not_exists', values: [] };
  }
  const wildcard = classifyWildcard(raw);
  if (wildcard.kind === 'none') {
    const value = lowercase ? wildcard.text.toLowerCase() : wildcard.text;
    return { target, op: negated ? 'not_in' : 'in', values: [value] };
  }
  return { target, op: negated ? 'not_like' : 'like', values: [wildcardToLike(raw)] };
}

function toCondition(filter: SearchFilter, resolved: ResolvedKey): TraceItemCondition {
  const target = 'column' in resolved ? { column: resolved.column } : { attribute: resolved.attribute };
  const lowercase = 'column' in resolved && resolved.lowercase === true;
  const negated = filter.operator === '!=' || filter.operator === 'NOT IN';
  const value = filter.value;
  switch (value.kind) {
    case 'text':
      if (filter.operator !== '=' && filter.operator !== '!=') {
        throw new ApiError(400, `Invalid operator ${filter.operator} for ${filter.key}`);
      }
      return textCondition(target, negated, value.value, lowercase);
    case 'textList': {
      if (value.values.some((v) => classifyWildcard(v).kind !== 'none')) {
        throw new ApiError(400, `Wildcards are not supported in lists (${filter.key})`);
      }
      const values = value.values.map(literalValue).map((v) => (lowercase ? v.toLowerCase() : v));
      return { target, op: negated ? 'not_in' : 'in', values };
    }
    case 'number':
      if (filter.operator === '=' || filter.operator === '!=') {
        return { target, op: negated ? 'not_in' : 'in', values: [value.value] };
      }
      return { target, op: filter.operator as '>' | '>=' | '<' | '<=', values: [value.value] };
    case 'numberList':
      return { target, op: negated ? 'not_in' : 'in', values: value.values };
    case 'boolean':
      return { target, op: negated ? 'not_in' : 'in', values: [String(value.value)] };
    default:
      throw new ApiError(400, `Invalid value for ${filter.key}`);
  }
}

/**
 * Parses `query` (Sentry's search syntax) into conditions, resolving keys with `resolve`.
 * `numericKeys` are the public keys whose values are numbers (`severity_number:>9`).
 * Throws ApiError 400 with Sentry's parser message on a bad query, and for `OR`, parentheses,
 * aggregates and value kinds the datasets do not support.
 */
export function compileExploreQuery(
  query: string,
  resolve: KeyResolver,
  numericKeys: readonly string[],
): TraceItemCondition[] {
  const text = query.trim();
  if (text === '') return [];
  const parsed = parseSearchQuery(text, { numericKeys });
  if (!parsed.ok) throw new ApiError(400, parsed.error.message);
  const conditions: TraceItemCondition[] = [];
  for (const term of parsed.value) {
    if (term.type === 'operator' && term.operator === 'AND') continue;
    if (term.type !== 'filter') {
      throw new ApiError(400, 'Invalid query: only filters and free text joined by AND are supported');
    }
    conditions.push(toCondition(term, resolve(term.key)));
  }
  return conditions;
}
