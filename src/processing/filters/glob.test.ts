// Ports the tests of relay-pattern/src/lib.rs (literal, prefix, suffix, contains, wildcard,
// any, escapes, invalid, classes, alternates, complex) and relay-common/src/glob3.rs
// (GlobPatterns: empty, literal, prefix/suffix/inner, newlines, ranges, negation, escaped braces).
import { describe, expect, it } from 'vitest';
import { GlobPatterns, compileGlob, globError, matchGlob } from './glob.js';

function matches(pattern: string, value: string, caseInsensitive = false): boolean {
  return matchGlob(compileGlob(pattern, caseInsensitive), value);
}

describe('relay-pattern', () => {
  it('empty pattern never matches', () => {
    expect(matches('', '')).toBe(false);
    expect(matches('', 'foo')).toBe(false);
  });

  it('literals', () => {
    expect(matches('foo', 'foo')).toBe(true);
    expect(matches('foo', 'fOo')).toBe(false);
    expect(matches('foo', 'FOO')).toBe(false);
    expect(matches(String.raw`f\{\}o`, 'f{}o')).toBe(true);
    expect(matches(String.raw`f\}o`, 'f}o')).toBe(true);
    expect(matches(String.raw`f\{o`, 'f{o')).toBe(true);
    expect(matches(String.raw`f\{b,a,r\}o`, 'f{b,a,r}o')).toBe(true);
    expect(matches(String.raw`f\\o`, String.raw`f\o`)).toBe(true);
    expect(matches('fඞo', 'fඞo')).toBe(true);
  });

  it('case-insensitive literals', () => {
    expect(matches('foo', 'fOo', true)).toBe(true);
    expect(matches('fOo', 'Foo', true)).toBe(true);
    expect(matches('İ', 'i\u0307', true)).toBe(true);
    expect(matches('İ*', 'i\u0307___', true)).toBe(true);
    expect(matches('İ*', 'i____', true)).toBe(false);
    expect(matches('*İ', '___i\u0307', true)).toBe(true);
    expect(matches('*İ*', '___i', true)).toBe(false);
    expect(matches('foo*fooFOO*fOobar', 'fooFoofooXfoofooBAR', true)).toBe(true);
  });

  it('prefix', () => {
    for (const [p, v] of [
      ['foo*', 'foo___'],
      ['foo*', 'foo'],
      ['foo**', 'foo'],
      ['foo*?*', 'foo_'],
      ['foo*?*?', 'foo_____'],
      ['foo*?*?', 'foo__'],
      ['foo*', 'fooඞ'],
      ['ඞ*', 'ඞfoo'],
      ['foo/bar*', 'foo/bar___'],
      ['foo*', 'foo/bar___'],
    ]) {
      expect(matches(p as string, v as string), `${p} ~ ${v}`).toBe(true);
    }
    for (const [p, v] of [
      ['foo*?*', 'foo'],
      ['foo*?*?', 'foo'],
      ['foo*', '___'],
      ['foo*', 'fo'],
      ['foo*', 'fob'],
      ['foo*', 'Foo'],
      ['foo*', '/foo'],
    ]) {
      expect(matches(p as string, v as string), `${p} !~ ${v}`).toBe(false);
    }
  });

  it('suffix', () => {
    expect(matches('*foo', '___foo')).toBe(true);
    expect(matches('*foo', 'foo')).toBe(true);
    expect(matches('*?*foo', 'foo')).toBe(false);
    expect(matches('?*?*foo', '_foo')).toBe(false);
    expect(matches('?*?*foo', '__foo')).toBe(true);
    expect(matches('*bar', '___foo/bar')).toBe(true);
    expect(matches('*foo', 'foo/')).toBe(false);
    expect(matches('*foo', '___FOO')).toBe(false);
  });

  it('contains', () => {
    expect(matches('*foo*', 'foo')).toBe(true);
    expect(matches('*foo*', '___foo___')).toBe(true);
    expect(matches('*foo*', '___fo___')).toBe(false);
    expect(matches('*foo*', 'fඞo')).toBe(false);
    expect(matches('*f/o*', '_/_f/o_/_')).toBe(true);
    expect(matches('*fOo*', '___FOO___', true)).toBe(true);
  });

  it('wildcard matches everything, newlines and slashes included', () => {
    for (const v of ['', 'a', '\n', '\na\nb\nc', 'ඞfooඞ', '/', '/?/?/']) expect(matches('*', v)).toBe(true);
    expect(matches('{*}', 'x')).toBe(true);
    expect(matches('{foo,*}', 'anything')).toBe(true);
  });

  it('any', () => {
    expect(matches('?', '')).toBe(false);
    expect(matches('?', 'ඞ')).toBe(true);
    expect(matches('?', '\n')).toBe(true);
    expect(matches('?', 'aa')).toBe(false);
    expect(matches('??', 'aa')).toBe(true);
    expect(matches('a?a?a', 'abaca')).toBe(true);
    expect(matches('a?a?a', 'ab_ca')).toBe(false);
    expect(matches('???????????x???????????', '??______???x?????_?????')).toBe(true);
    expect(matches('???????????x???????????', '?______???x?????_?????')).toBe(false);
    expect(matches('??*', 'a')).toBe(false);
    expect(matches('*??', 'ab')).toBe(true);
    expect(matches('*?*?*', 'a')).toBe(false);
    expect(matches('*?*?*', 'abcde')).toBe(true);
  });

  it('escapes', () => {
    expect(matches(String.raw`f\*o`, 'f*o')).toBe(true);
    expect(matches(String.raw`f\*o`, String.raw`f\*o`)).toBe(false);
    expect(matches(String.raw`f\\*o`, String.raw`f\___o`)).toBe(true);
    expect(matches(String.raw`f\\\*o`, String.raw`f\*o`)).toBe(true);
    expect(matches(String.raw`f\[?\]o`, 'f[?]o')).toBe(true);
    expect(matches(String.raw`\[`, '[')).toBe(true);
  });

  it('rejects invalid patterns', () => {
    for (const p of [
      '\\',
      'f\\',
      '*\\',
      '[',
      '[a-z',
      '[a-z\\',
      '[[]',
      '[]]',
      ']',
      '[b-a]',
      '[a-A]',
      '{a,{b}}',
      '{a',
      'a}',
    ]) {
      expect(globError(p), p).toBeDefined();
    }
    expect(globError('a[b-c]{x,y}\\*')).toBeUndefined();
  });

  it('classes', () => {
    expect(matches('[]', '')).toBe(false);
    expect(matches('[]', '_')).toBe(false);
    expect(matches('[a]', 'a')).toBe(true);
    expect(matches('[a]', 'A')).toBe(false);
    expect(matches('[ඞa]', 'a')).toBe(true);
    expect(matches('x[ab]x', 'xbx')).toBe(true);
    expect(matches('x[ab]x', 'xaax')).toBe(false);
    expect(matches('[a-c]', 'b')).toBe(true);
    expect(matches('[a-c]', 'ඞ')).toBe(false);
    expect(matches('[A-z]', '[')).toBe(true);
    expect(matches('[0-9a-bX-ZfF][0-9a-bX-ZfF][0-9a-bX-ZfF][0-9a-bX-ZfF]', '3bYf')).toBe(true);
    expect(matches('[0-9a-bX-ZfF][0-9a-bX-ZfF][0-9a-bX-ZfF][0-9a-bX-ZfF]', '3cYf')).toBe(false);
    expect(matches('[0-9!]', '!')).toBe(true);
    expect(matches(String.raw`a[\]a\-]b`, 'aab')).toBe(true);
    expect(matches(String.raw`[\\]`, '\\')).toBe(true);
    expect(matches(String.raw`[\]]`, ']')).toBe(true);
    expect(matches('a[X-]b', 'a-b')).toBe(true);
    expect(matches('a[X-]b', 'aXb')).toBe(true);
  });

  it('classes, case-insensitive', () => {
    expect(matches('[a]', 'A', true)).toBe(true);
    expect(matches('x[ab]x', 'XBx', true)).toBe(true);
    expect(matches('x[ab]x', 'Xcx', true)).toBe(false);
    expect(matches('[ǧ]', 'Ǧ', true)).toBe(true);
    expect(matches('[Ǧ]', 'ǧ', true)).toBe(true);
    expect(matches('[A-Z]', 'q', true)).toBe(true);
  });

  it('negated classes', () => {
    expect(matches('[!]', '')).toBe(false);
    expect(matches('[!a]', 'b')).toBe(true);
    expect(matches('[!a]', 'A')).toBe(true);
    expect(matches('[!ab]', 'a')).toBe(false);
    expect(matches('x[!ab]x', 'xcx')).toBe(true);
    expect(matches('x[!ab]x', 'xc')).toBe(false);
    expect(matches('[!a-c]', 'ඞ')).toBe(true);
    expect(matches(String.raw`[!\]]`, ']')).toBe(false);
    expect(matches('[!!]', '!')).toBe(false);
    expect(matches('[!b]', 'B', true)).toBe(false);
    expect(matches('[!ab]', 'C', true)).toBe(true);
  });

  it('alternates', () => {
    expect(matches('{foo,bar}', 'bar')).toBe(true);
    expect(matches('{foo,bar}', 'fooo')).toBe(false);
    expect(matches('{baz,[fb][oa][or]}', 'bor')).toBe(true);
    expect(matches('{baz,[fb][oa][or]}', 'boz')).toBe(false);
    expect(matches('a{[a-z],?}a', 'aXa')).toBe(true);
    expect(matches(String.raw`a{[a-z],\?}a`, 'aXa')).toBe(false);
    expect(matches(String.raw`a{\[\],\{\}}a`, 'a{}a')).toBe(true);
    expect(matches(String.raw`a{\[\],\{\}}a`, 'a[}a')).toBe(false);
    expect(matches('foo/{*.js,*.html}', 'foo/bar.html')).toBe(true);
    expect(matches('foo/{*.js,*.html}', 'foo/bar.png')).toBe(false);
    expect(matches('{foo,abc}{def,bar}', 'abcbar')).toBe(true);
    expect(matches('{foo,abc}{def,bar}', 'fooabc')).toBe(false);
    expect(matches('{f[o0-9]o,b[!a]r}', 'FOO', true)).toBe(true);
    expect(matches('{f[o0-9]o,b[!a]r}', 'bAr', true)).toBe(false);
  });

  it('complex', () => {
    expect(matches('*?', '\n')).toBe(true);
    expect(matches('1.18.[!0-4].*', '1.18.5.aBc')).toBe(true);
    expect(matches('1.18.[!0-4].*', '1.18.3.abc')).toBe(false);
    expect(matches('!*!*.md', '!foo!.md')).toBe(true);
    expect(matches('foo*foofoo*foobar', 'foofoofooxfoofoobar')).toBe(true);
  });

  it('stays linear on adversarial input', () => {
    const value = 'a'.repeat(20_000);
    const started = Date.now();
    expect(matches('*a*a*a*a*a*a*a*a*a*a*b', value)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('GlobPatterns (relay-common glob3)', () => {
  const globs = (...patterns: string[]): GlobPatterns => new GlobPatterns(patterns);

  it('matches like Relay', () => {
    expect(globs('').isMatch('foo')).toBe(false);
    expect(globs('').isMatch('')).toBe(false);
    expect(globs('foo').isMatch('foo')).toBe(true);
    expect(globs('foo').isMatch('nope')).toBe(false);
    expect(globs('foo*').isMatch('foobarblub')).toBe(true);
    expect(globs('*blub').isMatch('foobarblub')).toBe(true);
    expect(globs('*bar*').isMatch('foobarblub')).toBe(true);
    expect(globs('*foo*').isMatch('foo\n')).toBe(true);
    expect(globs('foo*bar').isMatch('foo\nbar')).toBe(true);
    expect(globs('foo*\n*bar').isMatch('foo \n bar')).toBe(true);
    expect(globs('1.18.[0-4].*').isMatch('1.18.4.2153-2aa83397b')).toBe(true);
    expect(globs('1.18.[0-4].*').isMatch('1.18.5.2153-2aa83397b')).toBe(false);
    expect(globs('1.18.[!0-4].*').isMatch('1.18.5.2153-2aa83397b')).toBe(true);
    expect(globs('!1.18.4.*').isMatch('1.18.4.2153-2aa83397b')).toBe(false);
    const braces = globs(String.raw`/api/0/organizations/\{organization_slug\}/event*`);
    expect(braces.isMatch('/api/0/organizations/{organization_slug}/event/foobar')).toBe(true);
    expect(braces.isMatch(String.raw`/api/0/organizations/\{organization_slug\}/event/foobar`)).toBe(false);
  });

  it('is case-insensitive, ignores invalid patterns and never matches an empty value', () => {
    expect(globs('*PANIC*').isMatch('a panic here')).toBe(true);
    expect(globs('[', 'ok').isMatch('OK')).toBe(true);
    expect(globs('[').isEmpty()).toBe(false);
    expect(globs('*').isMatch('')).toBe(false);
  });
});
