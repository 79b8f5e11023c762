/**
 * Equations among the selected fields of an events query (`field=equation|count() / 2`), as
 * Sentry's query builder resolves them (`resolve_select`, `resolve_equation`, `resolve_orderby`
 * in `src/sentry/search/events/builder/base.py`; `resolve_equation_list` in
 * `src/sentry/discover/arithmetic.py`): the fields and functions an equation uses must be
 * selected too; its SQL is ClickHouse's `plus` / `minus` / `multiply` / `divide` over Float64
 * operands, a division by zero giving NULL (`divide(a, nullIf(b, 0))`); it is sorted by
 * `equation[<n>]` (its position among the equations) or by its own text; its `meta` type is
 * `duration` when its text mentions a duration (Sentry's `get_json_meta_type` rule), `number`
 * otherwise. Every number is a bound parameter.
 */
import {
  EQUATION_ALIAS,
  EQUATION_PREFIX,
  parseEquation,
  type ArithmeticNode,
  type ParsedEquation,
} from '../arithmetic.js';
import { searchError, type SearchResult } from '../errors.js';
import type { SqlParams } from '../sql.js';
import type { FieldType } from './types.js';

/** A selected equation: the field as requested, its parse, its position among the equations. */
export interface SelectedEquation {
  text: string;
  equation: ParsedEquation;
  index: number;
}

const fail = (message: string): { ok: false; error: ReturnType<typeof searchError> } => ({
  ok: false,
  error: searchError('unsupported', message),
});

/** Whether a `field` value is an equation. */
export function isEquation(field: string): boolean {
  return field.startsWith(EQUATION_PREFIX);
}

/**
 * Parses the equations among `fields` (in order) and checks that each uses only selected plain
 * fields and functions (`fields` without the equations), with Sentry's messages.
 */
export function selectEquations(fields: readonly string[]): SearchResult<SelectedEquation[]> {
  const selected = fields.filter((f) => !isEquation(f));
  const out: SelectedEquation[] = [];
  for (const text of fields.filter(isEquation)) {
    const parsed = parseEquation(text.slice(EQUATION_PREFIX.length));
    if (!parsed.ok) return parsed;
    const field = parsed.value.fields.find((f) => !selected.includes(f));
    if (field !== undefined) return fail(`${field} used in an equation but is not a selected field`);
    const fn = parsed.value.functions.find((f) => !selected.includes(f));
    if (fn !== undefined) return fail(`${fn} used in an equation but is not a selected function`);
    out.push({ text, equation: parsed.value, index: out.length });
  }
  return { ok: true, value: out };
}

/** The SQL of a field or function operand (its inner column or its aggregate). */
export type OperandSql = (
  node: Extract<ArithmeticNode, { kind: 'field' | 'function' }>,
) => SearchResult<string>;

/** The SQL of an equation tree, operands as Float64. */
export function equationSql(
  node: ArithmeticNode,
  operand: OperandSql,
  params: SqlParams,
): SearchResult<string> {
  switch (node.kind) {
    case 'number':
      return { ok: true, value: params.bind('Float64', node.value) };
    case 'field':
    case 'function': {
      const sql = operand(node);
      return sql.ok ? { ok: true, value: `toFloat64(${sql.value})` } : sql;
    }
    case 'operation': {
      const lhs = equationSql(node.lhs, operand, params);
      if (!lhs.ok) return lhs;
      const rhs = equationSql(node.rhs, operand, params);
      if (!rhs.ok) return rhs;
      const right = node.operator === 'divide' ? `nullIf(${rhs.value}, 0)` : rhs.value;
      return { ok: true, value: `${node.operator}(${lhs.value}, ${right})` };
    }
  }
}

/** The `meta` type and unit of an equation column. */
export function equationType(text: string): { type: FieldType; unit: string | null } {
  return text.includes('duration')
    ? { type: 'duration', unit: 'millisecond' }
    : { type: 'number', unit: null };
}

/**
 * The equation a sort names (without its `-`): `equation[<n>]` by position, `equation|<text>`
 * by text; null when the sort names no equation; an error for `equation|` alone.
 */
export function sortedEquation(
  bare: string,
  equations: readonly SelectedEquation[],
): SearchResult<SelectedEquation | undefined> | null {
  const byAlias = EQUATION_ALIAS.exec(bare);
  if (byAlias !== null) return { ok: true, value: equations.find((e) => String(e.index) === byAlias[1]) };
  if (!isEquation(bare)) return null;
  if (bare === EQUATION_PREFIX) return fail('Cannot sort by an empty equation');
  return { ok: true, value: equations.find((e) => e.text === bare) };
}
