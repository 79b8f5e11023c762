import { describe, expect, it } from 'vitest';
import { parseEquation, type ArithmeticNode } from './arithmetic.js';

function tree(equation: string): ArithmeticNode {
  const parsed = parseEquation(equation);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value.tree;
}

/** A tree written back with explicit parentheses. */
function show(node: ArithmeticNode): string {
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'field':
      return node.name;
    case 'function':
      return node.text;
    case 'operation': {
      const op = { plus: '+', minus: '-', multiply: '*', divide: '/' }[node.operator];
      return `(${show(node.lhs)} ${op} ${show(node.rhs)})`;
    }
  }
}

describe('parseEquation', () => {
  it.each([
    ['count() / 2', '(count() / 2)'],
    ['count() + 1 * 2', '(count() + (1 * 2))'],
    ['count() - 1 - 2', '((count() - 1) - 2)'],
    ['count() / 2 / 4', '((count() / 2) / 4)'],
    ['(count() + 1) * 2', '((count() + 1) * 2)'],
    ['count()-1', '(count() - 1)'],
    ['count() * -1.5', '(count() * -1.5)'],
    ['count()÷2', '(count() / 2)'],
    [
      '  p95(transaction.duration)  /  p50( transaction.duration )  ',
      '(p95(transaction.duration) / p50( transaction.duration ))',
    ],
    [
      'count_if(transaction.op, equals, "db, query") / count()',
      '(count_if(transaction.op, equals, "db, query") / count())',
    ],
    ['transaction.duration * 2 + measurements.lcp', '((transaction.duration * 2) + measurements.lcp)'],
  ])('%s → %s', (equation, expected) => {
    expect(show(tree(equation))).toBe(expected);
  });

  it('lists the fields and functions an equation uses', () => {
    expect(parseEquation('count() / count_unique(user) + count()')).toMatchObject({
      ok: true,
      value: { fields: [], functions: ['count()', 'count_unique(user)'] },
    });
    expect(parseEquation('transaction.duration - measurements.fcp')).toMatchObject({
      ok: true,
      value: { fields: ['transaction.duration', 'measurements.fcp'], functions: [] },
    });
  });

  it.each([
    ['count() +', 'Unable to parse your equation, make sure it is well formed arithmetic'],
    ['(count() + 1', 'Unable to parse your equation, make sure it is well formed arithmetic'],
    ['count() % 2', 'Unable to parse your equation, make sure it is well formed arithmetic'],
    ['count() / 0', 'division by 0 is not allowed'],
    ['count() / (0)', 'division by 0 is not allowed'],
    ['title + 1', 'title not allowed in arithmetic'],
    ['p90() + 1', 'p90 not allowed in arithmetic'],
    ['count() + transaction.duration', 'Cannot mix functions and fields in arithmetic'],
    ['count()', 'Arithmetic expression must contain at least 2 terms'],
    ['(count())', 'Arithmetic expression must contain at least 1 operator'],
    ['1 + 1', 'Equations need to include a field or function'],
    [Array.from({ length: 12 }, () => 'count()').join(' + '), 'Exceeded maximum number of operations'],
  ])('%s → %s', (equation, message) => {
    expect(parseEquation(equation)).toMatchObject({ ok: false, error: { message } });
  });

  it('allows exactly ten operators', () => {
    expect(parseEquation(Array.from({ length: 11 }, () => 'count()').join(' + ')).ok).toBe(true);
  });
});
