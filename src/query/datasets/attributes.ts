/**
 * Trace-item attributes (the typed maps `attributes_string`, `attributes_int`,
 * `attributes_float`, `attributes_bool`, `attributes_array` of `spans`, `logs` and
 * `trace_metrics`; src/storage/clickhouse/trace-items.ts) as fields: the SQL reading one
 * attribute, the decoding of what it reads, and its filters. Follows Sentry's EAP resolver
 * (`src/sentry/search/eap/resolver.py`): `tags[k,number]` reads numbers, `tags[k,string]`
 * strings, `tags[k,boolean]` booleans; an untyped key reads whichever map holds it, and its
 * type in `meta` is the stored one. Attribute keys are user input and always bound parameters.
 */
import { searchError, type SearchResult } from '../errors.js';
import type { SearchFilter } from '../filters.js';
import { sqlNot, type SqlParams } from '../sql.js';
import { orOf, textMatcher, textValues } from '../text-match.js';
import { isWildcard, literalValue } from '../values.js';
import type { AttributeType, ColumnDef, Decoder, FieldType } from './types.js';

const STRING = 'attributes_string';
const INT = 'attributes_int';
const FLOAT = 'attributes_float';
const BOOL = 'attributes_bool';
const ARRAY = 'attributes_array';

const has = (map: string, key: string): string => `mapContains(${map}, ${key})`;

/**
 * The SQL of an untyped attribute: its value as text prefixed with the map it came from
 * (`s`, `i`, `f`, `b`, `a`), NULL when unset, decoded by {@link decodeTaggedAttribute}. One
 * expression keeps the value groupable and sortable whatever its type.
 */
function taggedSelect(key: string): string {
  return `multiIf(${has(STRING, key)}, concat('s', ${STRING}[${key}]), ${has(INT, key)}, concat('i', toString(${INT}[${key}])), ${has(FLOAT, key)}, concat('f', toString(${FLOAT}[${key}])), ${has(BOOL, key)}, concat('b', toString(${BOOL}[${key}])), ${has(ARRAY, key)}, concat('a', ${ARRAY}[${key}]), NULL)`;
}

/** The SQL reading an attribute as a number (integer or double maps), NULL otherwise. */
function numericSelect(key: string): string {
  return `if(${has(INT, key)}, toFloat64(${INT}[${key}]), if(${has(FLOAT, key)}, ${FLOAT}[${key}], NULL))`;
}

const TAGGED_TYPES: Readonly<Record<string, FieldType>> = {
  s: 'string',
  i: 'integer',
  f: 'number',
  b: 'boolean',
  a: 'array',
};

/** Decodes {@link taggedSelect}'s text: the typed value and the type of the map it came from. */
export const decodeTaggedAttribute: Decoder = (raw) => {
  if (typeof raw !== 'string' || raw === '') return { value: null };
  const tag = raw.charAt(0);
  const text = raw.slice(1);
  switch (tag) {
    case 'i':
    case 'f':
      return { value: Number(text), type: TAGGED_TYPES[tag] };
    case 'b':
      return { value: text === 'true' || text === '1', type: 'boolean' };
    case 'a': {
      try {
        const parsed: unknown = JSON.parse(text);
        return { value: Array.isArray(parsed) ? parsed : [], type: 'array' };
      } catch {
        return { value: [], type: 'array' };
      }
    }
    default:
      return { value: text, type: 'string' };
  }
};

const numberOrNull: Decoder = (raw) => ({
  value: raw === null || raw === undefined ? null : Number(raw),
});
const booleanOrNull: Decoder = (raw) => ({
  value: raw === null || raw === undefined ? null : raw === true || raw === 1 || raw === 'true',
});

/**
 * The field of attribute `name`, read from the map of `type` (any map when absent). The key is
 * bound once per query.
 */
export function attributeColumn(name: string, type?: AttributeType): ColumnDef {
  const key = (params: SqlParams): string => params.bind('String', name);
  const filter = { kind: 'attribute' as const, name, ...(type === undefined ? {} : { type }) };
  switch (type) {
    case 'number':
      return {
        select: (p) => numericSelect(key(p)),
        filter,
        type: 'number',
        unit: null,
        decode: numberOrNull,
      };
    case 'boolean':
      return {
        select: (p) => {
          const k = key(p);
          return `if(${has(BOOL, k)}, ${BOOL}[${k}], NULL)`;
        },
        filter,
        type: 'boolean',
        unit: null,
        decode: booleanOrNull,
      };
    case 'string':
      return {
        select: (p) => {
          const k = key(p);
          return `if(${has(STRING, k)}, ${STRING}[${k}], NULL)`;
        },
        filter,
        type: 'string',
        unit: null,
      };
    default:
      return {
        select: (p) => taggedSelect(key(p)),
        numeric: (p) => numericSelect(key(p)),
        filter,
        type: 'string',
        unit: null,
        decode: decodeTaggedAttribute,
        dynamicType: true,
      };
  }
}

type Cond = SearchResult<string>;

/** Text that reads as a number (what a double attribute's value may be compared with). */
const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * Compiles `filter` on attribute `name` (of `type`, any when absent). Semantics (as the EAP
 * explorer): `has:` means set in any map (of the type's maps when typed); text equality and
 * lists match string values, and the text form of integer, boolean and double values;
 * wildcards and regexes match string values; numbers compare integer and double values;
 * negations also match rows without the attribute.
 */
export function compileAttributeFilter(
  filter: SearchFilter,
  name: string,
  type: AttributeType | undefined,
  params: SqlParams,
): Cond {
  const bad = (message: string): Cond => ({
    ok: false,
    error: searchError('invalid_filter', message, filter.location ?? null),
  });
  const { operator: op, value } = filter;
  const positive = op === '=' || op === 'IN';
  const negative = op === '!=' || op === 'NOT IN';
  const apply = (cond: string): Cond => ({ ok: true, value: negative ? sqlNot(cond) : cond });
  const k = params.bind('String', name);
  const maps =
    type === 'number' ? [INT, FLOAT] : type === 'string' ? [STRING] : type === 'boolean' ? [BOOL] : null;

  if (value.kind === 'text' && value.value === '' && (positive || negative)) {
    const any = orOf((maps ?? [STRING, INT, FLOAT, BOOL, ARRAY]).map((m) => has(m, k)));
    return { ok: true, value: positive ? sqlNot(any) : any };
  }
  if (value.kind === 'number' || value.kind === 'numberList') {
    if (type !== undefined && type !== 'number') return bad(`Invalid value for ${filter.key}`);
    const list = value.kind === 'numberList';
    if (list || positive || negative) {
      const values = list ? value.values : [value.value];
      const p = params.bind('Array(Float64)', values);
      return apply(
        `((${has(INT, k)} AND toFloat64(${INT}[${k}]) IN ${p}) OR (${has(FLOAT, k)} AND ${FLOAT}[${k}] IN ${p}))`,
      );
    }
    const p = params.bind('Float64', value.value);
    return {
      ok: true,
      value: `((${has(INT, k)} AND ${INT}[${k}] ${op} ${p}) OR (${has(FLOAT, k)} AND ${FLOAT}[${k}] ${op} ${p}))`,
    };
  }
  if (!positive && !negative) return bad(`Invalid operator ${op} for ${filter.key}`);
  if (value.kind === 'boolean') {
    return apply(`(${has(BOOL, k)} AND ${BOOL}[${k}] = ${value.value ? 1 : 0})`);
  }
  if (value.kind === 'regex') {
    return apply(`(${has(STRING, k)} AND match(${STRING}[${k}], ${params.bind('String', value.value)}))`);
  }
  const raws = textValues(value);
  if (raws === null) return bad(`Invalid value for ${filter.key}`);
  if (raws.every((r) => !isWildcard(r))) {
    const literals = raws.map(literalValue);
    const p = params.bind('Array(String)', literals);
    const parts: string[] = [];
    if (maps === null || maps.includes(STRING)) parts.push(`(${has(STRING, k)} AND ${STRING}[${k}] IN ${p})`);
    if (maps === null) {
      // The SQL is the same whatever the values: numbers among them match doubles.
      const numbers = literals.filter((l) => NUMBER_TEXT.test(l)).map(Number);
      parts.push(`(${has(INT, k)} AND toString(${INT}[${k}]) IN ${p})`);
      parts.push(`(${has(BOOL, k)} AND toString(${BOOL}[${k}]) IN ${p})`);
      parts.push(`(${has(FLOAT, k)} AND ${FLOAT}[${k}] IN ${params.bind('Array(Float64)', numbers)})`);
    }
    if (parts.length === 0) return bad(`Invalid value for ${filter.key}`);
    return apply(orOf(parts));
  }
  if (maps !== null && !maps.includes(STRING)) return bad(`Invalid value for ${filter.key}`);
  const expr = `${STRING}[${k}]`;
  return apply(`(${has(STRING, k)} AND ${orOf(raws.map((r) => textMatcher(r, params)(expr)))})`);
}
