import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRule } from './redact.js';
import { RuleSet } from './rule-set.js';
import {
  ANYTHING_FILTER,
  ANYTHING_REMOVE,
  COMMON_FILTER,
  IP_REPLACE,
  REPLACE_ONLY,
  sensitiveFieldsRule,
  type Rule,
} from './rules.js';

const stripFoo = sensitiveFieldsRule(['foo', 'my.key']) as Rule;

const RULE_LISTS: [string, readonly Rule[]][] = [
  ['@common:filter', COMMON_FILTER],
  ['@common:filter + @ip:replace + strip-fields', [...COMMON_FILTER, IP_REPLACE, stripFoo]],
  ['replace-only rules', REPLACE_ONLY],
  ['strip-fields alone (a redact_pair rule)', [stripFoo]],
  ['general + @anything:filter', [...COMMON_FILTER, ANYTHING_FILTER]],
  ['@anything:remove', [ANYTHING_REMOVE]],
];

const VALUES = [
  ...[
    'GET /api/items/3',
    'plain text',
    'Bearer abc.def',
    'token: 1',
    'my password is x',
    'otp',
    'OTP',
    'two_factor',
  ],
  ...[
    '4111-1111-1111-1111',
    '371-1111-1111-1111',
    'DE89370400440532013000',
    '078-05-1120',
    '10.0.0.1',
    '::1',
  ],
  ...[
    'https://u:p@host/x',
    '/Users/alice/x',
    'a@b.co',
    '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----',
  ],
  ...[
    'Bear\u0000er abc',
    'pass\u0000word',
    '4111\u00001111111111111',
    'apikey',
    'API-KEY',
    'auth',
    'x'.repeat(300),
  ],
];
const KEYS = [
  'message',
  'data',
  'password',
  'Token',
  'API_KEY',
  'foo',
  'My.Key',
  'status_code',
  'authorization',
  'x',
];

const value = fc.oneof(
  fc.constantFrom(...VALUES),
  fc.tuple(fc.constantFrom(...VALUES), fc.string({ maxLength: 8 })).map(([a, b]) => `${b}${a}${b}`),
  fc.string({ maxLength: 20 }),
);
const key = fc.option(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), { nil: undefined });

describe('RuleSet shortcuts agree with running the rules', () => {
  it.each(RULE_LISTS)('keepsString only holds when every rule keeps the value (%s)', (_name, rules) => {
    const set = new RuleSet(rules);
    let kept = 0;
    let changed = 0;
    fc.assert(
      fc.property(key, value, (k, v) => {
        const outcomes = rules.map((rule) => applyRule(rule, k, [{ text: v }]).kind);
        if (outcomes.some((kind) => kind !== 'keep')) changed++;
        if (!set.keepsString(set.verdict(k), v)) return;
        kept++;
        expect(outcomes.every((kind) => kind === 'keep')).toBe(true);
      }),
      { numRuns: 2000, seed: 11 },
    );
    if (rules.some((rule) => rule.anything)) expect(kept).toBe(0);
    else expect(kept).toBeGreaterThan(100);
    expect(changed).toBeGreaterThan(0);
  });

  it.each(RULE_LISTS)('the removal verdict is the first rule removing a container (%s)', (_name, rules) => {
    const set = new RuleSet(rules);
    fc.assert(
      fc.property(key, (k) => {
        const first = rules.find((rule) => applyRule(rule, k, undefined).kind === 'remove');
        expect(set.verdict(k).removal).toBe(first?.id);
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('sends values with NUL characters through the rules (they are removed before value regexes run)', () => {
    const set = new RuleSet(COMMON_FILTER);
    const verdict = set.verdict('note');
    expect(set.keepsString(verdict, 'Bear\u0000er abc')).toBe(false);
    expect(applyRule(COMMON_FILTER[5] as Rule, 'note', [{ text: 'Bear\u0000er abc' }]).kind).toBe('chunks');
    expect(set.keepsString(verdict, 'Beer abc')).toBe(true);
  });

  it('matches keys case-insensitively and memoizes per key', () => {
    const set = new RuleSet(COMMON_FILTER);
    expect(set.verdict('PASSWORD')).toEqual({ hit: true, removal: '@password:filter' });
    expect(set.verdict('PASSWORD')).toBe(set.verdict('PASSWORD'));
    expect(set.verdict('status_code')).toEqual({ hit: false, removal: undefined });
    expect(set.verdict(undefined)).toEqual({ hit: false, removal: undefined });
    expect(new RuleSet([ANYTHING_REMOVE]).verdict(undefined).removal).toBe('@anything:remove');
  });
});
