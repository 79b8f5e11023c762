import { describe, expect, it } from 'vitest';
import {
  parseApplicationSelector,
  parseSafeField,
  parseSelector,
  parseSelectorOrThrow,
  selectorMatches,
  selectorMatchesPath,
  type PathSegment,
  type PiiLevel,
  type SelectorState,
} from './selectors.js';

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

// Ported from relay-pii/src/selector.rs tests: test_invalid and test_matching (Relay's
// `assert_not_matches!` runs with `pii = false`, where nothing matches; here those selectors are
// checked with `pii = true`, which is what makes them interesting).
describe('selector grammar (selector.pest)', () => {
  it.each([
    ['* && foo', 'wildcard must be part of a path'],
    ['$frame.**.foo.**', 'deep wildcard used more than once'],
    ['2abc', 'unexpected'],
    ["''", 'empty quoted key'],
    ["'open", 'unterminated quoted key'],
    ['!!a', 'expected a selector item'],
    ['$Frame', 'expected a value type'],
    ['(a', 'expected )'],
  ])('rejects %j (%s)', (text, message) => {
    expect(() => parseSelectorOrThrow(text)).toThrow(message);
  });

  it('parses quoted keys with escaped quotes, ~ and single-character operators, spaced dots', () => {
    expect(parseSelectorOrThrow("'a''b'")).toEqual({ kind: 'path', items: [{ kind: 'key', key: "a'b" }] });
    expect(parseSelectorOrThrow('~a & b | c')).toEqual({
      kind: 'or',
      parts: [
        {
          kind: 'and',
          parts: [
            { kind: 'not', inner: { kind: 'path', items: [{ kind: 'key', key: 'a' }] } },
            { kind: 'path', items: [{ kind: 'key', key: 'b' }] },
          ],
        },
        { kind: 'path', items: [{ kind: 'key', key: 'c' }] },
      ],
    });
    expect(parseSelectorOrThrow(' $frame . vars ')).toEqual({
      kind: 'path',
      items: [
        { kind: 'type', type: 'frame' },
        { kind: 'key', key: 'vars' },
      ],
    });
    expect(parseSelectorOrThrow('$message')).not.toEqual(parseSelectorOrThrow('$logentry'));
    expect(parseSelectorOrThrow('$exception')).toEqual(parseSelectorOrThrow('$error'));
    expect(parseApplicationSelector('databag')).toEqual(parseSelectorOrThrow('$object'));
    // Safe fields parse without the legacy names (`parse_non_legacy`): `email` is a key there.
    expect(parseSafeField('email')).toEqual({ kind: 'path', items: [{ kind: 'key', key: 'email' }] });
  });
});

describe('matches_path (selector.rs test_matching)', () => {
  const state = (key: string | undefined, index: number | undefined, ...types: string[]): SelectorState => ({
    key,
    index,
    types,
  });
  const event = [state(undefined, undefined, 'event')];
  const user = [...event, state('user', undefined, 'user')];
  const extra = [...user, state('extra', undefined, 'object')];
  const foo = [...extra, state('foo', undefined, 'array')];
  const zero = [...foo, state(undefined, 0)];

  const matches = (states: SelectorState[], text: string, pii: PiiLevel) =>
    selectorMatchesPath(parseSelectorOrThrow(text), states, pii);

  /** Relay's `assert_matches_pii_true!` / `assert_matches_pii_maybe!`. */
  const expectMatches = (states: SelectorState[], levels: PiiLevel[], selectors: string[]) => {
    for (const pii of levels) {
      for (const text of [
        ...selectors,
        selectors.join(' && '),
        selectors.join(' || '),
        `** || ${selectors.join(' || ')}`,
      ]) {
        expect([text, pii, matches(states, text, pii)]).toEqual([text, pii, true]);
      }
    }
  };

  it('matches specific selectors on pii=maybe values', () => {
    expectMatches(
      extra,
      ['true', 'maybe'],
      ['user.extra', '$user.extra', '(** || user.*) && !(foo.bar.baz || a.b.c)'],
    );
    expectMatches(foo, ['true', 'maybe'], ['$user.extra.*']);
    expectMatches(zero, ['true', 'maybe'], ['$user.extra.foo.*', '$user.extra.foo.0']);
  });

  it('matches sweeping selectors on pii=true values only', () => {
    expectMatches(extra, ['true'], ['!(!user.extra)', '!(!$user.extra)']);
    const sweeping = [
      '$user.extra.foo.**',
      '$user.extra.**',
      '$user.**',
      '$event.**',
      '$user.**.0',
      '$user.$object.**.0',
      '(**.0 | absolutebogus)',
      '(~$object)',
      '($object.** & (~absolutebogus))',
    ];
    expectMatches(zero, ['true'], sweeping);
    for (const text of ['$user.extra.**', '$event.**', '$user.$object.**.0'])
      expect(matches(zero, text, 'maybe')).toBe(false);
    expectMatches(foo, ['true'], ['($array & $object.*)', '(** & $object.*)', '**.$array']);
    expect(matches(foo, '$array', 'maybe')).toBe(false);
  });

  it.each([
    '$user.extra.foo.1',
    '$user.extra.bar.**',
    '$user.**.1',
    '($object | absolutebogus)',
    '($object & absolutebogus)',
    '(~$object.**)',
    '($object | (**.0 & absolutebogus))',
  ])('does not match %s', (text) => {
    expect(matches(zero, text, 'true')).toBe(false);
  });

  it('does not match ($object & $object.*) on an array', () => {
    expect(matches(foo, '($object & $object.*)', 'true')).toBe(false);
  });

  it('needs a state above a deep wildcard (the root counts)', () => {
    expect(matches(event, '**', 'true')).toBe(false);
    expect(matches(user, '**', 'true')).toBe(true);
    expect(matches(extra, '**.extra', 'true')).toBe(true);
    expect(matches(user, '**.user', 'true')).toBe(false);
  });
});
