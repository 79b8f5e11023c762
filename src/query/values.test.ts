import { describe, expect, it } from 'vitest';
import {
  classifyWildcard,
  escapeWildcardText,
  isWildcard,
  literalValue,
  parseIsoDate,
  wildcardPosition,
  wildcardToLike,
  wildcardToRegex,
} from './values.js';

describe('wildcards', () => {
  it('treats * as a wildcard unless preceded by an odd number of backslashes', () => {
    expect(isWildcard('a*')).toBe(true);
    expect(isWildcard('a\\*')).toBe(false);
    expect(isWildcard('a\\\\*')).toBe(true);
    expect(isWildcard('abc')).toBe(false);
  });

  it('translates wildcard values to anchored regexes (translate_wildcard)', () => {
    expect(wildcardToRegex('*')).toBe('^.*$');
    expect(wildcardToRegex('foo*bar')).toBe('^foo.*bar$');
    expect(wildcardToRegex('a.b*(c)')).toBe('^a\\.b.*\\(c\\)$');
    expect(wildcardToRegex('a\\*b*')).toBe('^a\\*b.*$');
    expect(wildcardToRegex('a b|c')).toBe('^a\\ b\\|c$');
  });

  it('translates wildcard values to LIKE patterns with % and _ escaped', () => {
    expect(wildcardToLike('a%b_c*')).toBe('a\\%b\\_c%');
    expect(wildcardToLike('a\\*b*')).toBe('a*b%');
    expect(wildcardToLike('back\\\\slash*')).toBe('back\\\\slash%');
  });

  it('classifies prefix, suffix, infix and general wildcards', () => {
    expect(classifyWildcard('Abc*')).toEqual({ kind: 'prefix', text: 'abc' });
    expect(classifyWildcard('*ABC')).toEqual({ kind: 'suffix', text: 'abc' });
    expect(classifyWildcard('*AbC*')).toEqual({ kind: 'infix', text: 'AbC' });
    expect(classifyWildcard('a*b')).toEqual({ kind: 'general', raw: 'a*b' });
    expect(classifyWildcard('*a*b*')).toEqual({ kind: 'general', raw: '*a*b*' });
    expect(classifyWildcard('\\*abc')).toEqual({ kind: 'none', text: '*abc' });
    expect(classifyWildcard('*a\\*b*')).toEqual({ kind: 'infix', text: 'a*b' });
  });

  it('unescapes only \\* in literal values', () => {
    expect(literalValue('a\\*b\\c')).toBe('a*b\\c');
  });

  it('escapes text for embedding in a wildcard value', () => {
    expect(escapeWildcardText('a*b\\c')).toBe('a\\*b\\\\c');
  });

  it('marks the frontend wildcard positions', () => {
    expect(['*', '**', '*x*', 'x*', '*x', 'a*b', 'x\\*'].map(wildcardPosition)).toEqual([
      false,
      false,
      'surrounded',
      'trailing',
      'leading',
      false,
      false,
    ]);
  });
});

describe('parseIsoDate', () => {
  it('parses the grammar subset, applying offsets, naive as UTC', () => {
    expect(parseIsoDate('2024-02-29')).toEqual({ epochMs: Date.UTC(2024, 1, 29), hasTime: false });
    expect(parseIsoDate('2024-01-01T10:00:00.5-01:30')).toEqual({
      epochMs: Date.UTC(2024, 0, 1, 11, 30, 0, 500),
      hasTime: true,
    });
  });

  it('rejects impossible dates and other formats', () => {
    expect(parseIsoDate('2023-02-29')).toBeNull();
    expect(parseIsoDate('2024-01-01T24:00:00')).toBeNull();
    expect(parseIsoDate('2024-1-1')).toBeNull();
  });
});
