import { describe, expect, it } from 'vitest';
import { parseField, resolveFunction, type ArgumentColumn, type FunctionContext } from './aggregates.js';
import { functionAlias } from './datasets/compile.js';

const columns: Record<string, ArgumentColumn> = {
  'transaction.duration': { expr: 'd', numericExpr: 'd', type: 'duration', unit: 'millisecond' },
  'transaction.status': { expr: 's', numericExpr: null, type: 'string', unit: null },
  user: { expr: 'u', numericExpr: null, type: 'string', unit: null },
  timestamp: { expr: 't', numericExpr: null, type: 'date', unit: null },
  id: { expr: 'i', numericExpr: null, type: 'string', unit: null },
};
const bound: unknown[] = [];
const ctx: FunctionContext = {
  column: (name) => columns[name] ?? `${name} is not a valid column`,
  bind: (type, value) => {
    bound.push(value);
    return `{p${bound.length - 1}:${type}}`;
  },
  intervalSeconds: 3600,
  defaultNumericColumn: 'transaction.duration',
  statusField: 'transaction.status',
  projectThreshold: () => ({ threshold: 'th', value: 'v' }),
};
const all = new Set([
  'count',
  'count_unique',
  'count_if',
  'p95',
  'percentile',
  'failure_rate',
  'epm',
  'eps',
  'last_seen',
  'apdex',
  'count_miserable',
  'user_misery',
  'avg',
]);

function resolve(text: string) {
  const parsed = parseField(text);
  if (parsed.kind !== 'function') throw new Error('not a function');
  return resolveFunction(parsed, text, all, ctx);
}

describe('parseField', () => {
  it('tells functions from fields and splits arguments like Sentry', () => {
    expect(parseField('transaction.duration')).toEqual({ kind: 'field', name: 'transaction.duration' });
    expect(parseField('count()')).toEqual({ kind: 'function', name: 'count', args: [] });
    expect(parseField('percentile( transaction.duration , 0.5 )')).toEqual({
      kind: 'function',
      name: 'percentile',
      args: ['transaction.duration', '0.5'],
    });
    // As in Sentry, a quoted argument starts right after the comma.
    expect(parseField('count_if(user,equals,"a, \\"b\\"")')).toEqual({
      kind: 'function',
      name: 'count_if',
      args: ['user', 'equals', '"a, \\"b\\""'],
    });
    expect(parseField('count() as total')).toEqual({ kind: 'function', name: 'count', args: [] });
  });

  it("aliases functions as Sentry's get_function_alias", () => {
    expect(functionAlias({ name: 'p95', args: ['transaction.duration'] })).toBe('p95_transaction_duration');
    expect(functionAlias({ name: 'count', args: [] })).toBe('count');
  });
});

describe('resolveFunction', () => {
  it('builds aggregates with their result types', () => {
    expect(resolve('p95()')).toMatchObject({
      ok: true,
      value: { sql: 'quantile(0.95)(d)', type: 'duration', unit: 'millisecond' },
    });
    expect(resolve('count_unique(user)')).toMatchObject({
      ok: true,
      value: { sql: "uniq(nullIf(toString(u), ''))", type: 'integer' },
    });
    expect(resolve('failure_rate()')).toMatchObject({ ok: true, value: { type: 'percentage' } });
    expect(resolve('last_seen()')).toMatchObject({ ok: true, value: { sql: 'max(t)', type: 'date' } });
    expect(resolve('epm()')).toMatchObject({ ok: true, value: { type: 'rate' } });
    expect(bound.at(-1)).toBe(60);
    expect(resolve('count_if(user, notEquals, "x")')).toMatchObject({ ok: true, value: { type: 'integer' } });
    expect(bound.at(-1)).toBe('x');
  });

  it("applies an explicit satisfaction to the duration, else each row's project threshold", () => {
    expect(resolve('apdex()')).toMatchObject({
      ok: true,
      value: {
        sql: 'if(countIf(v >= 0) = 0, 0, (countIf(v <= th) + countIf(v > th AND v <= th * 4) / 2) / countIf(v >= 0))',
        type: 'number',
      },
    });
    const explicit = resolve('apdex(250.7)');
    expect(explicit.ok && explicit.value.sql).toContain('countIf(d <= {p');
    expect(bound.at(-1)).toBe(250);
    expect(resolve('count_miserable(user)')).toMatchObject({
      ok: true,
      value: { sql: "uniqIf(nullIf(toString(u), ''), v > th * 4)", type: 'integer' },
    });
    expect(resolve('user_misery()')).toMatchObject({
      ok: true,
      value: {
        sql: expect.stringMatching(
          /^ifNull\(\(uniqIf\(nullIf\(toString\(u\), ''\), v > th \* 4\) \+ \{p\d+:Float64\}\) \/ \(nullIf\(uniqIf\(nullIf\(toString\(u\), ''\), v > 0\), 0\) \+ \{p\d+:Float64\}\), 0\)$/,
        ),
      },
    });
    expect(bound.slice(-2)).toEqual([5.8875, 5.8875 + 111.8625]);
    resolve('user_misery(300, 1, 2)');
    expect(bound.slice(-2)).toEqual([1, 3]);
  });

  it.each([
    ['nope()', 'nope is not a valid function'],
    ['count_unique()', 'count_unique(): expected 1 argument(s)'],
    ['avg(user)', 'avg(user): column argument invalid: user is not a numeric column'],
    ['avg(missing)', 'avg(missing): column argument invalid: missing is not a valid column'],
    [
      'percentile(transaction.duration, -1)',
      'percentile(transaction.duration, -1): percentile argument invalid: -1 must be greater than or equal to 0',
    ],
    ['apdex(1, 2)', 'apdex(1, 2): expected at most 1 argument(s)'],
    ['count_if(user, less, "a")', 'less is not compatible with user'],
    [
      'count_if(transaction.duration, less, abc)',
      'abc is not a valid value to compare with transaction.duration',
    ],
  ])('%s → %s', (text, message) => {
    const result = resolve(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe(message);
  });
});
