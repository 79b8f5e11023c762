import { describe, expect, it } from 'vitest';
import { parseSafeField, parseSelector, selectorMatches, type PathSegment } from './selectors.js';

const seg = (key: string | undefined, ...types: string[]): PathSegment => ({
  key,
  index: key !== undefined && /^\d+$/.test(key) ? Number(key) : undefined,
  types: types.filter((t) => !['string', 'object', 'array'].includes(t)),
  kind: types.find((t) => ['string', 'object', 'array'].includes(t)) ?? 'null',
});

// extra.foo.bar (a string) and request.headers.User-Agent.
const extraPath = [seg('extra', 'object'), seg('foo', 'object'), seg('bar', 'string')];
const headerPath = [seg('request', 'http', 'object'), seg('headers', 'array'), seg('User-Agent', 'string')];

describe('selectors (selector.rs)', () => {
  it.each([
    ['bar', extraPath, true],
    ['BAR', extraPath, true],
    ['foo', extraPath, false],
    ['foo.bar', extraPath, true],
    ['extra.foo.bar', extraPath, true],
    ['extra.bar', extraPath, false],
    ['extra.*', extraPath, false],
    ['extra.*.bar', extraPath, true],
    ['extra.**', extraPath, true],
    ['**.bar', extraPath, true],
    ['$string', extraPath, true],
    ['$object', extraPath, false],
    ['$http.headers.user-agent', headerPath, true],
    ['$request.headers.user-agent', headerPath, true],
    ["$http.headers.'User-Agent'", headerPath, true],
    ['$http.headers.user-agent && !$string', headerPath, false],
    ['($string || $number) && !(debug_meta.** || $http.headers.user-agent)', headerPath, false],
    ['($string || $number) && !(debug_meta.** || $http.headers.user-agent)', extraPath, true],
    ['$frame.vars', extraPath, false],
  ])('%s matches %j: %s', (text, path, expected) => {
    const selector = parseSelector(text);
    expect(selector).toBeDefined();
    expect(selectorMatches(selector!, path)).toBe(expected);
  });

  it('falls back to a plain key for unparsable safe fields', () => {
    expect(parseSelector('*url*')).toBeUndefined();
    const selector = parseSafeField('*url*');
    expect(selectorMatches(selector, [seg('extra'), seg('*url*', 'string')])).toBe(true);
    expect(parseSelector('$unknowntype')).toBeUndefined();
  });
});
