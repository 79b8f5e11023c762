import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripLikeSentry } from './fixture-normalize.js';
import { parseSearch } from './parser.js';
import type { FilterToken, TermOrSpaces } from './tokens.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');

function tokens(query: string, config: Parameters<typeof parseSearch>[1] = {}): TermOrSpaces[] {
  const result = parseSearch(query, { now: NOW, ...config });
  if (!result.ok) throw new Error(`unexpected parse error: ${result.error.message}`);
  return result.tokens;
}

/** The non-space terms, stripped of location/text. */
function terms(query: string, config: Parameters<typeof parseSearch>[1] = {}): unknown[] {
  return (stripLikeSentry(tokens(query, config).filter((t) => t.type !== 'spaces')) as unknown[]) ?? [];
}

function onlyFilter(query: string, config: Parameters<typeof parseSearch>[1] = {}): FilterToken {
  const found = tokens(query, config).filter((t): t is FilterToken => t.type === 'filter');
  expect(found).toHaveLength(1);
  const [f] = found;
  if (f === undefined) throw new Error('no filter');
  return f;
}

describe('parseSearch: structure', () => {
  it('alternates spaces and terms and starts/ends with spaces', () => {
    const t = tokens('  a:b  c ');
    expect(t.map((x) => x.type)).toEqual(['spaces', 'filter', 'spaces', 'freeText', 'spaces']);
    expect(t.map((x) => x.text).join('')).toBe('  a:b  c ');
    expect(tokens('')).toEqual([{ type: 'spaces', value: '', text: '', location: { start: 0, end: 0 } }]);
  });

  it('parses AND/OR (any case, followed by a value end) and groups', () => {
    expect(terms('a:1 or (b:2 AND c)')).toEqual([
      expect.objectContaining({ type: 'filter', key: expect.objectContaining({ value: 'a' }) }),
      { type: 'logicBoolean', value: 'OR', invalid: null },
      {
        type: 'logicGroup',
        inner: [
          { type: 'spaces', value: '' },
          expect.objectContaining({ type: 'filter', key: expect.objectContaining({ value: 'b' }) }),
          { type: 'spaces', value: ' ' },
          { type: 'logicBoolean', value: 'AND', invalid: null },
          { type: 'spaces', value: ' ' },
          { type: 'freeText', value: 'c', quoted: false, invalid: null },
          { type: 'spaces', value: '' },
        ],
      },
    ]);
    // "ORDER" is not an operator: OR must be followed by whitespace, ")" or the end.
    expect(terms('ORDER')).toEqual([{ type: 'freeText', value: 'ORDER', quoted: false, invalid: null }]);
  });

  it('tokenises stray parentheses like the newer frontend grammar', () => {
    expect(tokens('foo(').map((t) => t.type)).toEqual(['spaces', 'freeText', 'spaces', 'lParen', 'spaces']);
    expect(tokens('foo)').map((t) => t.type)).toEqual(['spaces', 'freeText', 'spaces', 'rParen', 'spaces']);
    expect(tokens('(foo)').map((t) => t.type)).toEqual(['spaces', 'logicGroup', 'spaces']);
    expect(terms('()')).toEqual([{ type: 'logicGroup', inner: [{ type: 'spaces', value: '' }] }]);
    expect(terms('(a (b c)').map((t) => (t as { type: string }).type)).toEqual(['lParen', 'freeText']);
  });

  it('keeps balanced parentheses inside free text words', () => {
    expect(terms('TypeError Anonymous function(app/x)')).toEqual([
      { type: 'freeText', value: 'TypeError Anonymous function(app/x)', quoted: false, invalid: null },
    ]);
  });

  it('fails like the backend where nothing can consume the input', () => {
    const result = parseSearch('a\nb');
    expect(result).toEqual({
      ok: false,
      error: {
        type: 'parse_error',
        message:
          "Parse error at 'a\nb' (column 2). This is commonly caused by unmatched parentheses. Enclose any text in double quotes.",
        position: { start: 1, end: 2 },
      },
    });
  });

  it('treats nesting deeper than the limit as unmatched parentheses instead of recursing', () => {
    const deep = `${'('.repeat(5000)}x${')'.repeat(5000)}`;
    const result = parseSearch(deep);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.tokens.map((t) => t.text).join('')).toBe(deep);
  });
});

describe('parseSearch: keys', () => {
  it('parses explicit flag keys and their typed forms', () => {
    expect(onlyFilter('flags[checkout-v2]:true').key).toMatchObject({
      type: 'keyExplicitFlag',
      prefix: 'flags',
      key: { value: 'checkout-v2' },
    });
    expect(onlyFilter('!flags[beta]:false')).toMatchObject({ negated: true, filter: 'text' });
    expect(onlyFilter('flags[beta]:[true, false]')).toMatchObject({ filter: 'textIn' });
    expect(onlyFilter('flags[n , number]:>5')).toMatchObject({
      key: { type: 'keyExplicitNumberFlag' },
      value: { value: '>5' },
    });
    expect(onlyFilter('flags[s,string]:x').key.type).toBe('keyExplicitStringFlag');
  });

  it('takes explicit keys as has: values', () => {
    expect(onlyFilter('has:flags[foo]')).toMatchObject({ filter: 'has', value: { value: 'flags[foo]' } });
    expect(onlyFilter('!has:tags[bar]')).toMatchObject({ negated: true, value: { value: 'tags[bar]' } });
  });

  it('parses array-includes keys', () => {
    expect(onlyFilter('foo[*]:bar')).toMatchObject({
      filter: 'arrayIncludes',
      key: { type: 'keyArrayIncludes', key: { type: 'keySimple', value: 'foo' }, index: '*' },
    });
  });

  it('parses aggregate keys with spaces and quoted parameters', () => {
    expect(onlyFilter('count_if( a , "b,c" ):>1').key).toMatchObject({
      type: 'keyAggregate',
      argsSpaceBefore: { value: ' ' },
      argsSpaceAfter: { value: ' ' },
      args: {
        args: [
          { separator: '', value: { value: 'a', quoted: false } },
          { separator: ' , ', value: { value: '"b,c"', quoted: true } },
        ],
      },
    });
  });
});

describe('parseSearch: values', () => {
  it('parses sizes for size keys (units case-insensitive, in bytes)', () => {
    expect(onlyFilter('file.size:>=10KiB', { sizeKeys: ['file.size'] })).toMatchObject({
      filter: 'size',
      operator: '>=',
      value: { type: 'valueSize', value: '10', unit: 'KiB', parsed: { value: 10240 } },
    });
    expect(onlyFilter('file.size:>10kb').filter).toBe('text');
  });

  it('parses percentages for percentage aggregates', () => {
    expect(onlyFilter('failure_rate():>50%')).toMatchObject({
      filter: 'aggregatePercentage',
      value: { type: 'valuePercentage', value: '50', parsed: { value: 50 } },
    });
  });

  it('parses numbers with case-insensitive k/m/b multipliers', () => {
    expect(onlyFilter('issue.id:2K').value).toMatchObject({ value: '2', unit: 'K', parsed: { value: 2000 } });
  });

  it('parses dates, keeping impossible calendar dates as invalid', () => {
    expect(onlyFilter('timestamp:>2024-01-02T03:04:05.123456+02:00').value).toMatchObject({
      parsed: { value: '2024-01-02T01:04:05.123Z' },
    });
    expect(onlyFilter('timestamp:>2018-02-30')).toMatchObject({
      filter: 'date',
      invalid: { type: 'invalid-date-format', reason: '2018-02-30 is not a valid ISO8601 date query' },
    });
  });

  it('parses relative dates against the configured now', () => {
    expect(onlyFilter('timestamp:-24h').value).toMatchObject({
      sign: '-',
      unit: 'h',
      parsed: { value: '2024-04-30T12:00:00.000Z' },
    });
  });

  it('parses is: filters', () => {
    expect(onlyFilter('!is:unresolved')).toMatchObject({
      filter: 'is',
      negated: true,
      key: { value: 'is' },
      value: { value: 'unresolved' },
    });
  });

  it('parses //regex// only when allowed, else keeps the literal text', () => {
    expect(onlyFilter('message://a b//', { allowRegex: true })).toMatchObject({
      operator: '//',
      value: { value: 'a b' },
    });
    expect(onlyFilter('message://a b//')).toMatchObject({ operator: '', value: { value: '//a b//' } });
  });

  it('parses hidden wildcard operators', () => {
    expect(onlyFilter('browser.name:\uF00DDoesNotContain\uF00D"fire fox"')).toMatchObject({
      operator: '\uF00DDoesNotContain\uF00D',
      value: { value: 'fire fox', quoted: true },
    });
  });

  it('marks wildcard positions', () => {
    expect(onlyFilter('a:b\\*').value).toMatchObject({ wildcard: false });
    expect(onlyFilter('a:*b').value).toMatchObject({ wildcard: 'leading' });
    expect(onlyFilter('a:*b*c*').value).toMatchObject({ wildcard: false });
  });
});

describe('parseSearch: validation options', () => {
  it('applies disallowFreeText, disallowNegation, disallowedLogicalOperators and disallowParens', () => {
    expect(terms('x', { disallowFreeText: true })).toEqual([
      {
        type: 'freeText',
        value: 'x',
        quoted: false,
        invalid: { type: 'free-text-not-allowed', reason: 'Free text is not supported in this search' },
      },
    ]);
    expect(onlyFilter('!a:b', { disallowNegation: true }).invalid).toEqual({
      type: 'negation-not-allowed',
      reason: 'Negation is not allowed in this search.',
    });
    expect(terms('a OR b', { disallowedLogicalOperators: ['OR'] })[1]).toMatchObject({
      invalid: { type: 'logic-or-not-allowed' },
    });
    expect(terms('a)', { disallowParens: true })[1]).toMatchObject({
      invalid: { type: 'parens-not-allowed' },
    });
  });
});

describe('parseSearch: robustness', () => {
  it('never throws, and a successful parse covers the whole input', () => {
    const alphabet = fc.constantFrom(...'ab:!"\\*()[], \t\n<>=-+.0123456789%/tagsflagsis\uF00D'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 60 })), (query) => {
        const result = parseSearch(query);
        if (result.ok) {
          expect(result.tokens.map((t) => t.text).join('')).toBe(query);
        } else {
          expect(result.error.type).toBe('parse_error');
          expect(result.error.message).toMatch(/^Parse error at /);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
