/**
 * The field catalogue of the ClickHouse `events` table (see the storage contract of
 * src/storage/clickhouse/) and the compilation of one backend filter on an event field into a
 * parameterised SQL condition. Wildcards follow Sentry's classification
 * (`SearchValue.classify_and_format_wildcard`): `abc*` → `startsWith(lowerUTF8(col), …)`,
 * `*abc` → `endsWith`, `*abc*` → `positionCaseInsensitiveUTF8`, anything else → `ILIKE` with an
 * escaped pattern; equality stays exact and case-sensitive. Tag/flag equality uses the
 * `_tags_hash_map` / `_flags_hash_map` bloom-indexed hashes like Snuba.
 * Reference: reference/sentry-semantics.md §1.4, §2.2, §5.2–§5.3.
 */
import { searchError, type SearchResult } from './errors.js';
import type { SearchFilter, SearchValue } from './filters.js';
import { dateTimeParam, ident, sqlNot, type SqlParams } from './sql.js';
import { normalizeHexId, orOf, textMatcher, textValues } from './text-match.js';
import { isWildcard, literalValue } from './values.js';

/** How an event key is stored. */
export type EventField =
  /** A String column compared as text. */
  | { kind: 'string'; column: string }
  /** A String column of hex ids (`trace_id`, `replay_id`): literal values are lower-cased, dashes dropped. */
  | { kind: 'hexId'; column: string }
  /** The UUID `event_id` column. */
  | { kind: 'uuid'; column: string }
  /** An Array(String) column; a filter matches when any element matches. */
  | { kind: 'array'; column: string }
  /** `handled` (Nullable(UInt8)); unknown counts as handled, as in Sentry's `error.handled`. */
  | { kind: 'handled'; unhandled: boolean }
  /** A DateTime64 expression. */
  | { kind: 'datetime'; expr: string }
  /** A UInt64 column (ids). */
  | { kind: 'uint'; column: string }
  /** The search message: case-insensitive substring search over `message`, `title` and `culprit`. */
  | { kind: 'message' }
  /** A tag or feature-flag value, looked up by key; `number` compares the value as a number. */
  | { kind: 'lookup'; store: 'tags' | 'flags'; name: string; number: boolean };

/**
 * Event keys with their own column. Free text (key `message`) searches `message` — the search
 * text (logentry, else "type: value") — plus `title` and `culprit`, like Sentry's search message
 * which joins the log message, the metadata values and the culprit (`get_search_message`).
 */
export const EVENT_FIELDS: Readonly<Record<string, EventField>> = {
  message: { kind: 'message' },
  title: { kind: 'string', column: 'title' },
  culprit: { kind: 'string', column: 'culprit' },
  level: { kind: 'string', column: 'level' },
  release: { kind: 'string', column: 'release' },
  'sentry:release': { kind: 'string', column: 'release' },
  environment: { kind: 'string', column: 'environment' },
  dist: { kind: 'string', column: 'dist' },
  'sentry:dist': { kind: 'string', column: 'dist' },
  platform: { kind: 'string', column: 'platform' },
  logger: { kind: 'string', column: 'logger' },
  transaction: { kind: 'string', column: 'transaction' },
  'event.type': { kind: 'string', column: 'type' },
  'user.id': { kind: 'string', column: 'user_id' },
  'user.email': { kind: 'string', column: 'user_email' },
  'user.username': { kind: 'string', column: 'user_username' },
  'user.ip': { kind: 'string', column: 'user_ip' },
  user: { kind: 'string', column: 'user' },
  'sentry:user': { kind: 'string', column: 'user' },
  'sdk.name': { kind: 'string', column: 'sdk_name' },
  'sdk.version': { kind: 'string', column: 'sdk_version' },
  trace: { kind: 'hexId', column: 'trace_id' },
  replayId: { kind: 'hexId', column: 'replay_id' },
  'replay.id': { kind: 'hexId', column: 'replay_id' },
  id: { kind: 'uuid', column: 'event_id' },
  'event.id': { kind: 'uuid', column: 'event_id' },
  'error.type': { kind: 'array', column: 'exception_types' },
  'error.value': { kind: 'array', column: 'exception_values' },
  'error.handled': { kind: 'handled', unhandled: false },
  'error.unhandled': { kind: 'handled', unhandled: true },
  timestamp: { kind: 'datetime', expr: 'timestamp' },
  date: { kind: 'datetime', expr: 'timestamp' },
  'timestamp.to_hour': { kind: 'datetime', expr: 'toStartOfHour(timestamp)' },
  'timestamp.to_day': { kind: 'datetime', expr: 'toStartOfDay(timestamp)' },
  'issue.id': { kind: 'uint', column: 'group_id' },
  'project.id': { kind: 'uint', column: 'project_id' },
  project_id: { kind: 'uint', column: 'project_id' },
};

const EXPLICIT_RE = /^(tags|flags)\[(.+?)(?:,(string|number|boolean|array))?\]$/;

/**
 * The storage of an event key: a catalogued column, an explicit `tags[k]` / `flags[k]` lookup
 * (`,string`/`,boolean` compare as text, `,number` as numbers), or — for any other plain key —
 * the tag of that name, as in Sentry. Null for keys that cannot be stored (`tags[k,array]`, `k[*]`).
 */
export function eventFieldFor(key: string): EventField | null {
  const known = Object.hasOwn(EVENT_FIELDS, key) ? EVENT_FIELDS[key] : undefined;
  if (known !== undefined) return known;
  const m = EXPLICIT_RE.exec(key);
  if (m !== null) {
    if (m[3] === 'array') return null;
    return {
      kind: 'lookup',
      store: m[1] === 'flags' ? 'flags' : 'tags',
      name: m[2] ?? '',
      number: m[3] === 'number',
    };
  }
  return /^[a-zA-Z0-9_.:-]+$/.test(key) ? { kind: 'lookup', store: 'tags', name: key, number: false } : null;
}

/** Escapes `\` and `=` in a tag key the way the `_tags_hash_map` formula does. */
export function escapeHashKey(key: string): string {
  return key.replace(/[\\=]/g, (c) => `\\${c}`);
}

type Cond = SearchResult<string>;
const ok = (sql: string): Cond => ({ ok: true, value: sql });

/** Compiles `filter` on `field` to a SQL condition, binding every value through `params`. */
export function compileEventCondition(filter: SearchFilter, field: EventField, params: SqlParams): Cond {
  const bad = (message: string): Cond => ({
    ok: false,
    error: searchError('invalid_filter', message, filter.location ?? null),
  });
  const { operator: op, value } = filter;
  const eqOp = (): 'pos' | 'neg' | null =>
    op === '=' || op === 'IN' ? 'pos' : op === '!=' || op === 'NOT IN' ? 'neg' : null;
  const polarity = eqOp();
  const apply = (cond: string): string => (polarity === 'neg' ? sqlNot(cond) : cond);

  switch (field.kind) {
    case 'string':
    case 'hexId':
    case 'message': {
      const exprs = field.kind === 'message' ? ['message', 'title', 'culprit'] : [field.column];
      const normalize = field.kind === 'hexId' ? normalizeHexId : (s: string): string => s;
      if (polarity === null) return bad(`Invalid operator ${op} for ${filter.key}`);
      if (value.kind === 'text' && value.value === '') {
        return ok(`${exprs[0]} ${polarity === 'pos' ? '=' : '!='} ''`);
      }
      const raws = textValues(value);
      if (raws === null) return bad(`Invalid value for ${filter.key}`);
      if (value.kind === 'regex') {
        const p = params.bind('String', value.value);
        return ok(apply(orOf(exprs.map((e) => `match(${e}, ${p})`))));
      }
      const patterns = field.kind === 'message' ? raws.map((r) => (isWildcard(r) ? r : `*${r}*`)) : raws;
      const literals = patterns.every((r) => !isWildcard(r)) && field.kind !== 'message';
      if (literals && value.kind === 'textList') {
        const p = params.bind(
          'Array(String)',
          patterns.map((r) => normalize(literalValue(r))),
        );
        return ok(`${exprs[0]} ${polarity === 'pos' ? 'IN' : 'NOT IN'} ${p}`);
      }
      const conds = patterns.map((r) => {
        const match = textMatcher(r, params, normalize);
        return orOf(exprs.map(match));
      });
      return ok(apply(orOf(conds)));
    }
    case 'array': {
      if (polarity === null) return bad(`Invalid operator ${op} for ${filter.key}`);
      const col = field.column;
      if (value.kind === 'text' && value.value === '')
        return ok(polarity === 'pos' ? `empty(${col})` : `notEmpty(${col})`);
      if (value.kind === 'regex')
        return ok(apply(`arrayExists(x -> match(x, ${params.bind('String', value.value)}), ${col})`));
      const raws = textValues(value);
      if (raws === null) return bad(`Invalid value for ${filter.key}`);
      if (raws.every((r) => !isWildcard(r))) {
        const literals = raws.map(literalValue);
        return ok(
          apply(
            literals.length === 1 && value.kind === 'text'
              ? `has(${col}, ${params.bind('String', literals[0])})`
              : `hasAny(${col}, ${params.bind('Array(String)', literals)})`,
          ),
        );
      }
      return ok(apply(orOf(raws.map((r) => `arrayExists(x -> ${textMatcher(r, params)('x')}, ${col})`))));
    }
    case 'handled': {
      if (value.kind === 'text' && value.value === '' && polarity !== null) {
        return ok(polarity === 'pos' ? 'isNull(handled)' : 'isNotNull(handled)');
      }
      if (value.kind !== 'boolean' || polarity === null) return bad(`Invalid value for ${filter.key}`);
      const wantHandled = value.value !== field.unhandled;
      return ok(apply(`coalesce(handled, 1) = ${wantHandled ? 1 : 0}`));
    }
    case 'datetime': {
      if (value.kind === 'text' && value.value === '' && polarity !== null)
        return ok(polarity === 'pos' ? '0' : '1');
      if (value.kind !== 'date' || op === 'IN' || op === 'NOT IN')
        return bad(`Invalid value for ${filter.key}`);
      return ok(`${field.expr} ${op} ${params.bind("DateTime64(3, 'UTC')", dateTimeParam(value.value))}`);
    }
    case 'uint': {
      if (value.kind === 'text' && value.value === '' && polarity !== null)
        return ok(polarity === 'pos' ? '0' : '1');
      const numbers =
        value.kind === 'number' ? [value.value] : value.kind === 'numberList' ? value.values : null;
      if (numbers === null || numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) {
        return bad(`${filter.key}: Invalid id: ${describe(value)}. Expected a non-negative integer.`);
      }
      if (value.kind === 'numberList') {
        return ok(
          `${field.column} ${op === 'NOT IN' ? 'NOT IN' : 'IN'} ${params.bind('Array(UInt64)', numbers)}`,
        );
      }
      return ok(`${field.column} ${op} ${params.bind('UInt64', numbers[0])}`);
    }
    case 'uuid': {
      if (polarity === null) return bad(`Invalid operator ${op} for ${filter.key}`);
      if (value.kind === 'text' && value.value === '')
        return ok(polarity === 'pos' ? `empty(${field.column})` : `notEmpty(${field.column})`);
      const raws = textValues(value);
      const uuids = raws?.map((r) => toUuid(literalValue(r)));
      if (uuids === undefined || uuids.some((u) => u === null)) {
        return bad('Invalid value for the event.id condition. Value must be a hexadecimal UUID string.');
      }
      const list = value.kind === 'textList';
      return ok(
        list
          ? `${field.column} ${polarity === 'pos' ? 'IN' : 'NOT IN'} ${params.bind('Array(UUID)', uuids)}`
          : `${field.column} ${polarity === 'pos' ? '=' : '!='} ${params.bind('UUID', uuids[0])}`,
      );
    }
    case 'lookup':
      return compileLookup(filter, field, params, polarity, bad);
  }
}

function compileLookup(
  filter: SearchFilter,
  field: Extract<EventField, { kind: 'lookup' }>,
  params: SqlParams,
  polarity: 'pos' | 'neg' | null,
  bad: (message: string) => Cond,
): Cond {
  const { value, operator: op } = filter;
  const keys = ident(`${field.store}.key`);
  const values = ident(`${field.store}.value`);
  const hashes = ident(`_${field.store}_hash_map`);
  const apply = (cond: string): string => (polarity === 'neg' ? sqlNot(cond) : cond);
  const valueExpr = (): string =>
    `arrayElement(${values}, indexOf(${keys}, ${params.bind('String', field.name)}))`;

  if (value.kind === 'text' && value.value === '' && polarity !== null) {
    const present = `has(${keys}, ${params.bind('String', field.name)})`;
    return ok(polarity === 'pos' ? sqlNot(present) : present);
  }
  if (value.kind === 'number' || value.kind === 'numberList') {
    const expr = `toFloat64OrNull(${valueExpr()})`;
    if (value.kind === 'numberList') {
      return ok(
        `${expr} ${op === 'NOT IN' ? 'NOT IN' : 'IN'} ${params.bind('Array(Float64)', value.values)}`,
      );
    }
    return ok(`${expr} ${op} ${params.bind('Float64', value.value)}`);
  }
  if (polarity === null) return bad(`Invalid operator ${op} for ${filter.key}`);
  if (value.kind === 'regex')
    return ok(apply(`match(${valueExpr()}, ${params.bind('String', value.value)})`));
  const raws = textValues(value);
  if (raws === null) return bad(`Invalid value for ${filter.key}`);
  const literals = raws.every((r) => !isWildcard(r)) ? raws.map(literalValue) : null;
  if (literals !== null && literals.every((v) => v !== '')) {
    // Equality through the bloom-indexed hash of `key=value` (Snuba's _tags_hash_map).
    const pairs = literals.map((v) => `${escapeHashKey(field.name)}=${v}`);
    return ok(
      apply(
        pairs.length === 1 && value.kind === 'text'
          ? `has(${hashes}, cityHash64(${params.bind('String', pairs[0])}))`
          : `hasAny(${hashes}, arrayMap(x -> cityHash64(x), ${params.bind('Array(String)', pairs)}))`,
      ),
    );
  }
  const expr = valueExpr();
  if (literals !== null)
    return ok(`${expr} ${polarity === 'pos' ? 'IN' : 'NOT IN'} ${params.bind('Array(String)', literals)}`);
  return ok(apply(orOf(raws.map((r) => textMatcher(r, params)(expr)))));
}

/** A 32-hex id (dashes optional) as a dashed lower-case UUID; null when it is not one. */
function toUuid(value: string): string | null {
  const hex = value.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function describe(value: SearchValue): string {
  switch (value.kind) {
    case 'textList':
    case 'numberList':
      return `[${value.values.join(', ')}]`;
    default:
      return String(value.value);
  }
}
