/**
 * Re-serialisation of backend filters into query text that parses back to the same filters
 * under the same config (the role of Sentry's `SearchFilter.to_query_string`, but emitting the
 * frontend-compatible forms: `key:value`, `!key:value`, `key:>=value`, `key:[a, b]`, `has:k`,
 * `is:v`, `(…)`, `AND`/`OR`). Reference: reference/sentry-semantics.md §1.4 ("Round-tripping").
 */
import type { AggregateFilter, SearchFilter, SearchTerm, SearchValue } from './filters.js';

/**
 * Serialises terms from `parseSearchQuery` back to a query string; parsing the result with the
 * same config yields equal terms (locations aside). Free text comes back as an explicit filter
 * on the free-text key (`message:*text*`). Text that cannot be quoted losslessly (a value
 * ending in a backslash that also needs quotes) is the one known exception.
 */
export function toQueryString(terms: readonly SearchTerm[]): string {
  return terms.map(termToString).join(' ');
}

function termToString(term: SearchTerm): string {
  switch (term.type) {
    case 'operator':
      return term.operator;
    case 'paren':
      return `(${toQueryString(term.children)})`;
    case 'aggregate':
      return aggregateToString(term);
    case 'filter':
      return filterToString(term);
  }
}

function filterToString(f: SearchFilter): string {
  const key = keyToString(f.key);
  if (f.isAlias !== undefined) return `${f.operator === '!=' ? '!' : ''}is:${f.isAlias}`;
  if (f.value.kind === 'text' && f.value.value === '' && (f.operator === '!=' || f.operator === '=')) {
    return `${f.operator === '=' ? '!' : ''}has:${key}`;
  }
  const value = valueToString(f.value);
  // Date filters always spell their operator: without one a date is a whole-day range.
  if (f.value.kind === 'date') return `${key}:${f.operator}${value}`;
  switch (f.operator) {
    case '=':
    case 'IN':
      return `${key}:${value}`;
    case '!=':
    case 'NOT IN':
      return `!${key}:${value}`;
    default:
      return `${key}:${f.operator}${value}`;
  }
}

function aggregateToString(f: AggregateFilter): string {
  const op = f.operator === '=' ? '' : f.operator === '!=' ? '!=' : f.operator;
  return `${f.key}:${op}${valueToString(f.value)}`;
}

function keyToString(key: string): string {
  if (/^[a-zA-Z0-9_.-]+(\[\*\])?$/.test(key) || /^(tags|flags)\[/.test(key) || /\(.*\)$/.test(key))
    return key;
  return `"${key}"`;
}

function valueToString(value: SearchValue): string {
  switch (value.kind) {
    case 'text':
      return quoteIfNeeded(value.value, /[\s()"]|^[[<>=!]|^\/\/|^\uF00D/);
    case 'regex':
      return `//${value.value}//`;
    case 'textList':
      return `[${value.values.map((v) => quoteIfNeeded(v, /[\s(),"[\]]/)).join(', ')}]`;
    case 'number':
      return numberToString(value.value, value.unit);
    case 'numberList':
      return `[${value.values.map((n) => numberToString(n)).join(', ')}]`;
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'date':
      return value.value;
  }
}

function quoteIfNeeded(text: string, needsQuotes: RegExp): string {
  return text === '' || needsQuotes.test(text) ? `"${text.replace(/"/g, '\\"')}"` : text;
}

function numberToString(n: number, unit?: 'ms' | 'bytes' | 'fraction'): string {
  if (unit === 'fraction') return `${plain(Number((n * 100).toPrecision(15)))}%`;
  return `${plain(n)}${unit ?? ''}`;
}

/** A number without exponent notation (the grammar has none). */
function plain(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}
