/**
 * Functions of the events endpoint's `field`, `sort` and aggregate filters (`count()`,
 * `count_unique(user)`, `p95(transaction.duration)`, `failure_rate()`, `last_seen()`, …):
 * parsing a field into a function call (`is_function` / `parse_arguments` of
 * `src/sentry/search/events/fields.py`), validating its arguments with Sentry's messages
 * (`<fn>: expected 1 argument(s)`, `<fn>: column argument invalid: <c> is not a numeric
 * column`, …), and building its ClickHouse aggregate and result type as Sentry's Discover
 * dataset defines them (`src/sentry/search/events/datasets/discover.py`,
 * `function_aliases.py`): `count_unique` is `uniq` of set values, percentiles `quantile`,
 * `failure_rate` the share of statuses other than `ok`, `cancelled` and `unknown`
 * (`NON_FAILURE_STATUS`), `epm`/`eps` the count over the request's range, `apdex`,
 * `count_miserable` and `user_misery` with an explicit satisfaction threshold on
 * `transaction.duration` or, without one, each row's project (or transaction) threshold on its
 * metric (duration or LCP), and misery's Beta(5.8875, 111.8625) prior by default.
 * Every user-supplied value is a bound parameter.
 */
import { searchError, type SearchError, type SearchResult } from './errors.js';
import type { ParamType } from './sql.js';
import { NUMERIC_TYPES, type FieldType } from './datasets/types.js';

/** A `field` entry: a plain field name or a function call. */
export type ParsedField =
  { kind: 'field'; name: string } | { kind: 'function'; name: string; args: string[] };

// Sentry's FUNCTION_PATTERN: `name(args)`, optionally ` as alias`.
const FUNCTION_PATTERN = /^([^(]+)\((.*)\)( (?:as|AS) [^()\s]+)?$/s;

/** Functions whose arguments may be quoted strings containing commas (`parse_arguments`). */
const QUOTED_ARGUMENT_FUNCTIONS = new Set(['to_other', 'count_if']);

/**
 * Parses a `field` value: `name(a, b)` is a function call with its arguments split on commas
 * (quote-aware for `count_if`), anything else a field name.
 */
export function parseField(text: string): ParsedField {
  const m = FUNCTION_PATTERN.exec(text.trim());
  if (m === null) return { kind: 'field', name: text.trim() };
  const name = (m[1] ?? '').trim();
  return { kind: 'function', name, args: parseArguments(name, m[2] ?? '') };
}

function parseArguments(fn: string, columns: string): string[] {
  if (!QUOTED_ARGUMENT_FUNCTIONS.has(fn) || columns.length === 0) {
    return columns
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0);
  }
  const args: string[] = [];
  let quoted = false;
  let escaped = false;
  let i = 0;
  for (let j = 0; j < columns.length; j++) {
    const c = columns[j];
    if (i === j && c === '"') quoted = true;
    else if (quoted && !escaped && c === '\\') escaped = true;
    else if (quoted && !escaped && c === '"') quoted = false;
    else if (quoted && escaped) escaped = false;
    else if (!quoted && c === ',') {
      args.push(columns.slice(i, j).trim());
      i = j + 1;
    }
  }
  if (i < columns.length) args.push(columns.slice(i).trim());
  return args.filter((a) => a.length > 0);
}

/** A field as a function argument: its SQL (over the query's rows), type and unit. */
export interface ArgumentColumn {
  expr: string;
  /** The numeric form of the field (`expr` when the field is numeric), null when not numeric. */
  numericExpr: string | null;
  type: FieldType;
  unit: string | null;
}

/** What building a function needs from the dataset compiler. */
export interface FunctionContext {
  /** The field `name` as an argument; an error message when the dataset has no such field. */
  column(name: string): ArgumentColumn | string;
  /** Binds a parameter and returns its placeholder. */
  bind(type: ParamType, value: unknown): string;
  /** Seconds between the request's start and end (`epm()`, `eps()`). */
  intervalSeconds: number;
  /** The default column of `p50()` … (`transaction.duration`), null when the dataset has none. */
  defaultNumericColumn: string | null;
  /** The status field `failure_rate()` reads (`transaction.status`, `span.status`). */
  statusField: string | null;
  /**
   * Each row's satisfaction threshold in milliseconds and the value it applies to (the
   * transaction's duration, or its LCP when the threshold's metric is `lcp`) as SQL, from the
   * project's or transaction's configured threshold (./datasets/thresholds.ts); an error message
   * when the dataset has none.
   */
  projectThreshold(): { threshold: string; value: string } | string;
}

/** A resolved function: its aggregate SQL, result type and unit, and the fields it reads. */
export interface ResolvedFunction {
  sql: string;
  type: FieldType;
  unit: string | null;
  /** The fields passed as column arguments (for the "inside and outside a function" check). */
  columns: string[];
}

type ArgSpec =
  | { kind: 'column'; name: string; numeric: boolean; default?: 'dataset' | string }
  | { kind: 'ignored'; name: string }
  | { kind: 'number'; name: string; min: number | null; max: number | null; default?: number | null }
  | { kind: 'condition'; name: string }
  | { kind: 'value'; name: string };

type Arg =
  | { kind: 'column'; column: ArgumentColumn; name: string }
  | { kind: 'number'; value: number | null }
  | { kind: 'condition'; value: string }
  | { kind: 'value'; value: string }
  | { kind: 'ignored' };

interface FunctionDef {
  required: ArgSpec[];
  optional: ArgSpec[];
  build(args: Arg[], ctx: FunctionContext): Omit<ResolvedFunction, 'columns'> | string;
}

const column = (name = 'column', numeric = false, dflt?: 'dataset' | string): ArgSpec => ({
  kind: 'column',
  name,
  numeric,
  ...(dflt === undefined ? {} : { default: dflt }),
});

const colOf = (a: Arg | undefined): ArgumentColumn => {
  if (a?.kind !== 'column') throw new Error('column argument expected');
  return a.column;
};
const numOf = (a: Arg | undefined): number | null => (a?.kind === 'number' ? a.value : null);

/** The numeric SQL of a column argument (validated numeric by its spec). */
const numeric = (a: Arg | undefined): string => colOf(a).numericExpr ?? colOf(a).expr;

/** The result type of a function reflecting its column's type (`reflective_result_type`). */
function reflective(
  a: Arg | undefined,
  fallback: FieldType = 'number',
): { type: FieldType; unit: string | null } {
  const c = colOf(a);
  if (c.type === 'date') return { type: 'date', unit: null };
  if (NUMERIC_TYPES.has(c.type) && c.type !== 'integer') return { type: c.type, unit: c.unit };
  return { type: fallback, unit: null };
}

/** Values of a column that count as set: non-empty text, non-NULL others. */
function setValue(c: ArgumentColumn): string {
  return c.type === 'string' ? `nullIf(toString(${c.expr}), '')` : c.expr;
}

const percentile = (q: number): FunctionDef => ({
  required: [],
  optional: [column('column', true, 'dataset')],
  build: (args) => ({
    sql: q === 1 ? `max(${numeric(args[0])})` : `quantile(${q})(${numeric(args[0])})`,
    ...reflective(args[0], 'duration'),
  }),
});

const SIMPLE_NUMERIC: Readonly<Record<string, string>> = { min: 'min', max: 'max', avg: 'avg', sum: 'sum' };

/** Sentry's non-failure transaction/span statuses (`NON_FAILURE_STATUS`). */
export const NON_FAILURE_STATUSES = ['ok', 'cancelled', 'unknown'] as const;

/** A failed status: set and not one of {@link NON_FAILURE_STATUSES}. */
function failed(status: string): string {
  return `(${status} != '' AND ${status} NOT IN ('${NON_FAILURE_STATUSES.join("', '")}'))`;
}

function statusOf(ctx: FunctionContext): ArgumentColumn | string {
  return ctx.statusField === null ? 'no status field in this dataset' : ctx.column(ctx.statusField);
}

const MISERY_ALPHA = 5.8875;
const MISERY_BETA = 111.8625;

/**
 * The threshold and measured value of `apdex`, `count_miserable` and `user_misery`: an explicit
 * `satisfaction` (truncated to whole milliseconds, as Sentry's `int()`) applies to
 * `transaction.duration`; without one, each row's project threshold (`FunctionContext.projectThreshold`).
 */
function satisfaction(
  arg: Arg | undefined,
  ctx: FunctionContext,
): { threshold: string; value: string } | string {
  const given = numOf(arg);
  if (given === null) return ctx.projectThreshold();
  const duration = ctx.column('transaction.duration');
  if (typeof duration === 'string') return duration;
  return { threshold: ctx.bind('Float64', Math.trunc(given)), value: duration.numericExpr ?? duration.expr };
}

const CONDITIONS: Readonly<Record<string, string>> = {
  equals: '=',
  notEquals: '!=',
  lessOrEquals: '<=',
  greaterOrEquals: '>=',
  less: '<',
  greater: '>',
};

/** Every function Vigil answers, by name. Datasets choose a subset. */
const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  count: {
    required: [],
    optional: [{ kind: 'ignored', name: 'column' }],
    build: () => ({ sql: 'count()', type: 'integer', unit: null }),
  },
  count_unique: {
    required: [column()],
    optional: [],
    build: (args) => ({ sql: `uniq(${setValue(colOf(args[0]))})`, type: 'integer', unit: null }),
  },
  count_if: {
    required: [column(), { kind: 'condition', name: 'condition' }, { kind: 'value', name: 'value' }],
    optional: [],
    build: (args, ctx) => {
      const c = colOf(args[0]);
      const condition = args[1]?.kind === 'condition' ? args[1].value : 'equals';
      const raw = args[2]?.kind === 'value' ? args[2].value : '';
      const text =
        raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')
          ? raw.slice(1, -1).replace(/\\"/g, '"')
          : raw;
      const op = CONDITIONS[condition] ?? '=';
      if (c.numericExpr !== null && NUMERIC_TYPES.has(c.type)) {
        const n = Number(text);
        if (text === '' || !Number.isFinite(n))
          return `${raw} is not a valid value to compare with ${args[0]?.kind === 'column' ? args[0].name : ''}`;
        return {
          sql: `countIf(${c.numericExpr} ${op} ${ctx.bind('Float64', n)})`,
          type: 'integer',
          unit: null,
        };
      }
      if (op !== '=' && op !== '!=')
        return `${condition} is not compatible with ${args[0]?.kind === 'column' ? args[0].name : ''}`;
      return { sql: `countIf(${c.expr} ${op} ${ctx.bind('String', text)})`, type: 'integer', unit: null };
    },
  },
  count_at_least: {
    required: [column('column', true), { kind: 'number', name: 'threshold', min: 0, max: null }],
    optional: [],
    build: (args, ctx) => ({
      sql: `countIf(${numeric(args[0])} >= ${ctx.bind('Float64', numOf(args[1]) ?? 0)})`,
      type: 'integer',
      unit: null,
    }),
  },
  failure_count: {
    required: [],
    optional: [],
    build: (_args, ctx) => {
      const status = statusOf(ctx);
      if (typeof status === 'string') return status;
      return { sql: `countIf(${failed(status.expr)})`, type: 'integer', unit: null };
    },
  },
  failure_rate: {
    required: [],
    optional: [],
    build: (_args, ctx) => {
      const status = statusOf(ctx);
      if (typeof status === 'string') return status;
      return { sql: `countIf(${failed(status.expr)}) / count()`, type: 'percentage', unit: null };
    },
  },
  last_seen: {
    required: [],
    optional: [],
    build: (_args, ctx) => {
      const ts = ctx.column('timestamp');
      if (typeof ts === 'string') return ts;
      return { sql: `max(${ts.expr})`, type: 'date', unit: null };
    },
  },
  latest_event: {
    required: [],
    optional: [],
    build: (_args, ctx) => {
      const id = ctx.column('id');
      const ts = ctx.column('timestamp');
      if (typeof id === 'string') return id;
      if (typeof ts === 'string') return ts;
      return { sql: `argMax(${id.expr}, ${ts.expr})`, type: 'string', unit: null };
    },
  },
  p50: percentile(0.5),
  p75: percentile(0.75),
  p90: percentile(0.9),
  p95: percentile(0.95),
  p99: percentile(0.99),
  p100: percentile(1),
  percentile: {
    required: [column('column', true), { kind: 'number', name: 'percentile', min: 0, max: 1 }],
    optional: [],
    build: (args, ctx) => ({
      sql: `quantile(${ctx.bind('Float64', numOf(args[1]) ?? 0)})(${numeric(args[0])})`,
      ...reflective(args[0], 'duration'),
    }),
  },
  ...Object.fromEntries(
    Object.entries(SIMPLE_NUMERIC).map(([name, fn]) => [
      name,
      {
        required: [column('column', true)],
        optional: [],
        build: (args: Arg[]) => ({ sql: `${fn}(${numeric(args[0])})`, ...reflective(args[0], 'duration') }),
      } satisfies FunctionDef,
    ]),
  ),
  any: {
    required: [column()],
    optional: [],
    build: (args) => ({
      sql: `min(${colOf(args[0]).expr})`,
      type: colOf(args[0]).type,
      unit: colOf(args[0]).unit,
    }),
  },
  var: {
    required: [column('column', true)],
    optional: [],
    build: (args) => ({ sql: `varSamp(${numeric(args[0])})`, type: 'number', unit: null }),
  },
  stddev: {
    required: [column('column', true)],
    optional: [],
    build: (args) => ({ sql: `stddevSamp(${numeric(args[0])})`, type: 'number', unit: null }),
  },
  eps: rate(1),
  epm: rate(60),
  tps: rate(1),
  tpm: rate(60),
  apdex: {
    required: [],
    optional: [{ kind: 'number', name: 'satisfaction', min: 0, max: null, default: null }],
    build: (args, ctx) => {
      const t = satisfaction(args[0], ctx);
      if (typeof t === 'string') return t;
      const { threshold, value } = t;
      // Only rows that have the value count (`countIf(value >= 0)`); no such row: 0, as Sentry's fallback.
      const total = `countIf(${value} >= 0)`;
      const score = `countIf(${value} <= ${threshold}) + countIf(${value} > ${threshold} AND ${value} <= ${threshold} * 4) / 2`;
      return { sql: `if(${total} = 0, 0, (${score}) / ${total})`, type: 'number', unit: null };
    },
  },
  count_miserable: {
    required: [column()],
    optional: [{ kind: 'number', name: 'satisfaction', min: 0, max: null, default: null }],
    build: (args, ctx) => {
      const t = satisfaction(args[1], ctx);
      if (typeof t === 'string') return t;
      return {
        sql: `uniqIf(${setValue(colOf(args[0]))}, ${miserable(t)})`,
        type: 'integer',
        unit: null,
      };
    },
  },
  user_misery: {
    required: [],
    optional: [
      { kind: 'number', name: 'satisfaction', min: 0, max: null, default: null },
      { kind: 'number', name: 'alpha', min: null, max: null, default: MISERY_ALPHA },
      { kind: 'number', name: 'beta', min: null, max: null, default: MISERY_BETA },
    ],
    build: (args, ctx) => {
      const t = satisfaction(args[0], ctx);
      if (typeof t === 'string') return t;
      const user = ctx.column('user');
      if (typeof user === 'string') return user;
      const u = setValue(user);
      const alpha = ctx.bind('Float64', numOf(args[1]) ?? MISERY_ALPHA);
      const sum = ctx.bind('Float64', (numOf(args[1]) ?? MISERY_ALPHA) + (numOf(args[2]) ?? MISERY_BETA));
      // Users count when they have the value (`uniqIf(user, value > 0)`); none: 0.
      return {
        sql: `ifNull((uniqIf(${u}, ${miserable(t)}) + ${alpha}) / (nullIf(uniqIf(${u}, ${t.value} > 0), 0) + ${sum}), 0)`,
        type: 'number',
        unit: null,
      };
    },
  },
};

/** A frustrated row: its value above four times the threshold. */
function miserable(t: { threshold: string; value: string }): string {
  return `${t.value} > ${t.threshold} * 4`;
}

function rate(perSeconds: number): FunctionDef {
  return {
    required: [],
    optional: [{ kind: 'number', name: 'interval', min: 1, max: null, default: null }],
    build: (args, ctx) => {
      const interval = numOf(args[0]) ?? ctx.intervalSeconds;
      return {
        sql: `count() / ${ctx.bind('Float64', interval / perSeconds)}`,
        type: 'rate',
        unit: null,
      };
    },
  };
}

/** Names of every function {@link resolveFunction} knows. */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCTIONS));

/** Python's `%g` of a number, as Sentry's messages print bounds. */
function g(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/**
 * Resolves `fn` (a parsed function call; `text` is the field as written) among `allowed`:
 * validates the argument count and kinds, fills defaults, and builds the aggregate. Errors
 * carry Sentry's messages.
 */
export function resolveFunction(
  fn: Extract<ParsedField, { kind: 'function' }>,
  text: string,
  allowed: ReadonlySet<string>,
  ctx: FunctionContext,
): SearchResult<ResolvedFunction> {
  const fail = (message: string): { ok: false; error: SearchError } => ({
    ok: false,
    error: searchError('unsupported', message),
  });
  const def = allowed.has(fn.name) && Object.hasOwn(FUNCTIONS, fn.name) ? FUNCTIONS[fn.name] : undefined;
  if (def === undefined) return fail(`${fn.name} is not a valid function`);
  const total = def.required.length + def.optional.length;
  const given = fn.args.length;
  if (given !== total) {
    if (def.required.length === total) return fail(`${text}: expected ${total} argument(s)`);
    if (given < def.required.length)
      return fail(`${text}: expected at least ${def.required.length} argument(s)`);
    if (given > total) return fail(`${text}: expected at most ${total} argument(s)`);
  }
  const specs = [...def.required, ...def.optional];
  const args: Arg[] = [];
  const columns: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const raw = fn.args[i];
    const invalid = (reason: string) => fail(`${text}: ${spec.name} argument invalid: ${reason}`);
    switch (spec.kind) {
      case 'ignored':
        args.push({ kind: 'ignored' });
        break;
      case 'column': {
        const name = raw ?? (spec.default === 'dataset' ? ctx.defaultNumericColumn : spec.default) ?? null;
        if (name === null) return fail(`${text}: invalid arguments: ${spec.name} has no defaults`);
        const resolved = ctx.column(name);
        if (typeof resolved === 'string') return invalid(`${name} is not a valid column`);
        if (spec.numeric && resolved.numericExpr === null) return invalid(`${name} is not a numeric column`);
        args.push({ kind: 'column', column: resolved, name });
        columns.push(name);
        break;
      }
      case 'number': {
        if (raw === undefined) {
          args.push({ kind: 'number', value: spec.default ?? null });
          break;
        }
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) return invalid(`${raw} is not a number`);
        if (spec.min !== null && n < spec.min)
          return invalid(`${g(n)} must be greater than or equal to ${g(spec.min)}`);
        if (spec.max !== null && n >= spec.max) return invalid(`${g(n)} must be less than ${g(spec.max)}`);
        args.push({ kind: 'number', value: n });
        break;
      }
      case 'condition': {
        if (raw === undefined || !Object.hasOwn(CONDITIONS, raw)) {
          return invalid(
            `${raw ?? ''} is not a valid condition, the only supported conditions are: ${Object.keys(CONDITIONS).join(',')}`,
          );
        }
        args.push({ kind: 'condition', value: raw });
        break;
      }
      case 'value':
        args.push({ kind: 'value', value: raw ?? '' });
        break;
    }
  }
  const built = def.build(args, ctx);
  if (typeof built === 'string') return fail(built);
  return { ok: true, value: { ...built, columns } };
}
