/**
 * Discover equations (`field=equation|count() / 2`): Sentry's arithmetic grammar and its
 * validation (`src/sentry/discover/arithmetic.py`, `parse_arithmetic` and
 * `resolve_equation_list`). An equation combines numbers, fields or functions with `+`, `-`,
 * `*`, `/` (or `÷`), multiplication and division binding tighter, all left-associative, with
 * parentheses; spaces are free around every token.
 *
 * Validation, with Sentry's messages: at most {@link MAX_OPERATORS} operators, a literal
 * division by zero, fields and functions from Sentry's allow lists, no mixing of fields and
 * functions, at least two terms and one operator, at least one field or function. Pure; the
 * compiler (./datasets/compile.ts) turns the tree into SQL with every number a bound parameter.
 */
import { searchError, type SearchResult } from './errors.js';

/** Prefix of an equation among the `field` values (`EQUATION_PREFIX`). */
export const EQUATION_PREFIX = 'equation|';

/** The sort alias of the n-th equation (`equation[0]`), as Sentry's `EQUATION_ALIAS_REGEX`. */
export const EQUATION_ALIAS = /^equation\[(\d*)\]$/;

/** Sentry's `ArithmeticVisitor.DEFAULT_MAX_OPERATORS`. */
export const MAX_OPERATORS = 10;

/** An arithmetic operator, by the ClickHouse function Sentry names it after. */
export type ArithmeticOperator = 'plus' | 'minus' | 'multiply' | 'divide';

/** A node of a parsed equation. */
export type ArithmeticNode =
  | { kind: 'number'; value: number }
  | { kind: 'field'; name: string }
  /** `text` is the function as written (`count_if(transaction.duration, greater, 300)`). */
  | { kind: 'function'; text: string }
  | { kind: 'operation'; operator: ArithmeticOperator; lhs: ArithmeticNode; rhs: ArithmeticNode };

/** A valid equation: its tree and the fields and functions it uses (each once, in order). */
export interface ParsedEquation {
  tree: ArithmeticNode;
  fields: string[];
  functions: string[];
}

/** Fields Sentry allows in arithmetic (`ArithmeticVisitor.field_allowlist`). */
const FIELD_ALLOWLIST: ReadonlySet<string> = new Set([
  'transaction.duration',
  'spans.http',
  'spans.db',
  'spans.resource',
  'spans.browser',
  'spans.total.time',
  'measurements.app_start_cold',
  'measurements.app_start_warm',
  'measurements.cls',
  'measurements.fcp',
  'measurements.fid',
  'measurements.fp',
  'measurements.frames_frozen',
  'measurements.frames_slow',
  'measurements.frames_total',
  'measurements.lcp',
  'measurements.stall_count',
  'measurements.stall_stall_longest_time',
  'measurements.stall_stall_total_time',
  'measurements.time_to_full_display',
  'measurements.time_to_initial_display',
  'measurements.ttfb',
  'measurements.ttfb.requesttime',
]);

/** Functions Sentry allows in arithmetic (`ArithmeticVisitor.function_allowlist`). */
const FUNCTION_ALLOWLIST: ReadonlySet<string> = new Set([
  'count',
  'count_if',
  'count_unique',
  'failure_count',
  'min',
  'max',
  'avg',
  'sum',
  'p50',
  'p75',
  'p95',
  'p99',
  'p100',
  'percentile',
  'apdex',
  'user_misery',
  'eps',
  'epm',
  'count_miserable',
  'count_web_vitals',
  'percentile_range',
]);

/**
 * Whether `name` may be used in arithmetic: Sentry's allow list, and any other measurement
 * (Sentry allows the custom measurements its metrics index knows; Vigil has no such index and
 * takes every `measurements.*` name).
 */
function fieldAllowed(name: string): boolean {
  return FIELD_ALLOWLIST.has(name) || name.startsWith('measurements.');
}

/** The concrete tree the grammar produces, before Sentry's visitor checks and folds it. */
type Syntax =
  | { t: 'number'; value: number }
  | { t: 'field'; name: string }
  | { t: 'function'; name: string; text: string }
  | { t: 'parens'; inner: Syntax }
  | { t: 'chain'; first: Syntax; rest: Array<{ operator: ArithmeticOperator; operand: Syntax }> };

class Grammar {
  private pos = 0;

  constructor(private readonly text: string) {}

  /** The whole text as a `term`, or null when the grammar cannot consume all of it. */
  parse(): Syntax | null {
    const term = this.term();
    return term !== null && this.pos === this.text.length ? term : null;
  }

  private spaces(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private match(re: RegExp): string | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null) return null;
    this.pos += m[0].length;
    return m[0];
  }

  /** `term = maybe_factor (add_sub_operator maybe_factor)*` */
  private term(): Syntax | null {
    return this.chain(
      () => this.maybeFactor(),
      /[+-]/y,
      (op) => (op === '+' ? 'plus' : 'minus'),
    );
  }

  /** `maybe_factor = spaces (factor / primary) spaces`, `factor = primary mul_div+` */
  private maybeFactor(): Syntax | null {
    this.spaces();
    const factor = this.chain(
      () => this.primary(),
      /[*/÷]/y,
      (op) => (op === '*' ? 'multiply' : 'divide'),
    );
    this.spaces();
    return factor;
  }

  /** `first (spaces operator spaces next)*`, folded into one chain (or `first` alone). */
  private chain(
    next: () => Syntax | null,
    operatorRe: RegExp,
    operatorOf: (op: string) => ArithmeticOperator,
  ): Syntax | null {
    const first = next();
    if (first === null) return null;
    const rest: Array<{ operator: ArithmeticOperator; operand: Syntax }> = [];
    for (;;) {
      const start = this.pos;
      this.spaces();
      const op = this.match(operatorRe);
      this.spaces();
      const operand = op === null ? null : next();
      if (op === null || operand === null) {
        this.pos = start;
        break;
      }
      rest.push({ operator: operatorOf(op), operand });
    }
    return rest.length === 0 ? first : { t: 'chain', first, rest };
  }

  /** `primary = spaces (parens / numeric_value / function_value / field_value) spaces` */
  private primary(): Syntax | null {
    this.spaces();
    const start = this.pos;
    let node: Syntax | null = null;
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.term();
      if (inner !== null && this.text[this.pos] === ')') {
        this.pos++;
        node = { t: 'parens', inner };
      }
    }
    if (node === null) {
      this.pos = start;
      const number = this.match(/[+-]?[0-9]+\.?[0-9]*/y);
      if (number !== null) node = { t: 'number', value: Number(number) };
    }
    node ??= this.functionValue(start) ?? this.fieldValue(start);
    if (node === null) return null;
    this.spaces();
    return node;
  }

  /** `function_name "(" spaces function_args? spaces ")"` */
  private functionValue(start: number): Syntax | null {
    this.pos = start;
    const name = this.match(/[a-zA-Z_0-9]+/y);
    if (name === null || this.text[this.pos] !== '(') return null;
    this.pos++;
    this.spaces();
    const param = /"(?:\\"|[^\t\n"])*"|[^()\t\n, "]+/y;
    if (this.match(param) !== null) {
      for (;;) {
        const before = this.pos;
        this.spaces();
        if (this.text[this.pos] !== ',') {
          this.pos = before;
          break;
        }
        this.pos++;
        this.spaces();
        if (this.match(param) === null) {
          this.pos = before;
          break;
        }
      }
    }
    this.spaces();
    if (this.text[this.pos] !== ')') return null;
    this.pos++;
    return { t: 'function', name, text: this.text.slice(start, this.pos) };
  }

  /** `field_value = [a-zA-Z_.]+` */
  private fieldValue(start: number): Syntax | null {
    this.pos = start;
    const name = this.match(/[a-zA-Z_.]+/y);
    return name === null ? null : { t: 'field', name };
  }
}

/** Sentry's visitor: counts terms and operators, checks allow lists and division by zero, folds chains. */
class Visitor {
  terms = 0;
  operators = 0;
  readonly fields: string[] = [];
  readonly functions: string[] = [];

  visit(node: Syntax): ArithmeticNode {
    switch (node.t) {
      case 'number':
        this.terms++;
        return { kind: 'number', value: node.value };
      case 'field':
        if (!fieldAllowed(node.name)) throw new ArithmeticError(`${node.name} not allowed in arithmetic`);
        if (!this.fields.includes(node.name)) this.fields.push(node.name);
        this.terms++;
        return { kind: 'field', name: node.name };
      case 'function':
        if (!FUNCTION_ALLOWLIST.has(node.name)) {
          throw new ArithmeticError(`${node.name} not allowed in arithmetic`);
        }
        if (!this.functions.includes(node.text)) this.functions.push(node.text);
        this.terms++;
        return { kind: 'function', text: node.text };
      case 'parens': {
        const inner = this.visit(node.inner);
        this.terms++;
        return inner;
      }
      case 'chain': {
        let lhs = this.visit(node.first);
        for (const { operator, operand } of node.rest) {
          const rhs = this.visit(operand);
          if (++this.operators > MAX_OPERATORS)
            throw new ArithmeticError('Exceeded maximum number of operations');
          if (operator === 'divide' && rhs.kind === 'number' && rhs.value === 0) {
            throw new ArithmeticError('division by 0 is not allowed');
          }
          lhs = { kind: 'operation', operator, lhs, rhs };
        }
        return lhs;
      }
    }
  }
}

class ArithmeticError extends Error {}

/**
 * Parses and validates an equation (without its `equation|` prefix) as Sentry's
 * `parse_arithmetic` and `resolve_equation_list` do, with their messages: "Unable to parse your
 * equation, make sure it is well formed arithmetic", "<name> not allowed in arithmetic",
 * "Exceeded maximum number of operations", "division by 0 is not allowed", "Cannot mix
 * functions and fields in arithmetic", "Arithmetic expression must contain at least 2 terms",
 * "... at least 1 operator", "Equations need to include a field or function". Never throws.
 */
export function parseEquation(equation: string): SearchResult<ParsedEquation> {
  const fail = (message: string): { ok: false; error: ReturnType<typeof searchError> } => ({
    ok: false,
    error: searchError('unsupported', message),
  });
  const syntax = new Grammar(equation).parse();
  if (syntax === null) return fail('Unable to parse your equation, make sure it is well formed arithmetic');
  const visitor = new Visitor();
  let tree: ArithmeticNode;
  try {
    tree = visitor.visit(syntax);
  } catch (err) {
    if (err instanceof ArithmeticError) return fail(err.message);
    throw err;
  }
  const { fields, functions } = visitor;
  if (fields.length > 0 && functions.length > 0) return fail('Cannot mix functions and fields in arithmetic');
  if (visitor.terms <= 1) return fail('Arithmetic expression must contain at least 2 terms');
  if (visitor.operators === 0) return fail('Arithmetic expression must contain at least 1 operator');
  if (fields.length === 0 && functions.length === 0)
    return fail('Equations need to include a field or function');
  return { ok: true, value: { tree, fields, functions } };
}
