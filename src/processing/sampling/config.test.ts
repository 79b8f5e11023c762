// Ports the applicable tests of relay-sampling/src/config.rs (deserialization, supported rule
// types, legacy `rulesV2`, decaying functions) and checks Vigil's path-named errors.
import { describe, expect, it } from 'vitest';
import {
  EMPTY_SAMPLING_CONFIG,
  decayedValue,
  parseSamplingConfig,
  timeRangeContains,
  type SamplingConfig,
  type SamplingRule,
} from './config.js';

function parsed(raw: unknown): SamplingConfig {
  const result = parseSamplingConfig(raw);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.config;
}

function rule(raw: Record<string, unknown>): SamplingRule {
  return parsed({ version: 2, rules: [raw] }).rules[0]!;
}

const RELEASE_CONDITION = {
  op: 'and',
  inner: [{ op: 'glob', name: 'releases', value: ['1.1.1', '1.1.2'] }],
};

describe('parseSamplingConfig', () => {
  it('reads relay-sampling’s fixture (legacy version: rulesV2 merged, mode ignored)', () => {
    const result = parseSamplingConfig({
      rules: [],
      rulesV2: [
        {
          condition: RELEASE_CONDITION,
          samplingValue: { type: 'sampleRate', value: 0.7 },
          type: 'transaction',
          id: 2,
        },
        {
          condition: { op: 'and', inner: [{ op: 'eq', name: 'transaction', value: '/foo' }] },
          samplingValue: { type: 'factor', value: 5.0 },
          type: 'trace',
          id: 1,
          timeRange: { start: '2022-10-10T00:00:00.000000Z', end: '2022-10-20T00:00:00.000000Z' },
        },
      ],
      mode: 'total',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings).toEqual(['sampling.mode: unknown key (ignored)']);
    expect(result.config.version).toBe(2);
    expect(result.config.rules.map((r) => [r.id, r.type, r.samplingValue])).toEqual([
      [2, 'transaction', { type: 'sampleRate', value: 0.7 }],
      [1, 'trace', { type: 'factor', value: 5 }],
    ]);
    expect(result.config.rules[1]!.timeRange).toEqual({
      start: Date.UTC(2022, 9, 10),
      end: Date.UTC(2022, 9, 20),
    });
  });

  it('gives the empty config for absent, null and rule-less configs', () => {
    expect(parsed(undefined)).toBe(EMPTY_SAMPLING_CONFIG);
    expect(parsed(null)).toBe(EMPTY_SAMPLING_CONFIG);
    expect(parsed({ version: 2, rules: [] })).toBe(EMPTY_SAMPLING_CONFIG);
  });

  it('parses sample rate and factor rules (test_non_decaying_sampling_rule_deserialization*)', () => {
    const rate = rule({
      condition: RELEASE_CONDITION,
      samplingValue: { type: 'sampleRate', value: 0.7 },
      type: 'trace',
      id: 1,
    });
    expect(rate.samplingValue).toEqual({ type: 'sampleRate', value: 0.7 });
    expect(rate.type).toBe('trace');
    expect(rate.decayingFn).toEqual({ type: 'constant' });
    const factor = rule({
      condition: RELEASE_CONDITION,
      samplingValue: { type: 'factor', value: 5.0 },
      type: 'trace',
      id: 1,
    });
    expect(factor.samplingValue).toEqual({ type: 'factor', value: 5 });
  });

  it('parses time ranges and decaying functions', () => {
    const constant = rule({
      condition: RELEASE_CONDITION,
      samplingValue: { type: 'factor', value: 5.0 },
      type: 'trace',
      id: 1,
      timeRange: { start: '2022-10-10T00:00:00.000000Z', end: '2022-10-20T00:00:00.000000Z' },
    });
    expect(constant.timeRange).toEqual({ start: Date.UTC(2022, 9, 10), end: Date.UTC(2022, 9, 20) });
    expect(constant.decayingFn).toEqual({ type: 'constant' });
    const linear = rule({
      condition: RELEASE_CONDITION,
      samplingValue: { type: 'sampleRate', value: 1.0 },
      type: 'trace',
      id: 1,
      timeRange: { start: '2022-10-10T00:00:00.000000Z', end: '2022-10-20T00:00:00.000000Z' },
      decayingFn: { type: 'linear', decayedValue: 0.9 },
    });
    expect(linear.decayingFn).toEqual({ type: 'linear', decayedValue: 0.9 });
  });

  it('parses reservoir rules and project rules', () => {
    expect(
      rule({
        id: 3,
        type: 'project',
        condition: { op: 'and', inner: [] },
        samplingValue: { type: 'reservoir', limit: 100 },
      }),
    ).toMatchObject({ id: 3, type: 'project', samplingValue: { type: 'reservoir', limit: 100 } });
  });

  it('keeps unknown rule types and operators as never-matching (test_unsupported_rule_type)', () => {
    const result = parseSamplingConfig({
      version: 2,
      rules: [
        {
          id: 1,
          type: 'new_rule_type_unknown_to_this_relay',
          samplingValue: { type: 'sampleRate', value: 1.0 },
          condition: { op: 'and', inner: [] },
        },
        {
          id: 2,
          type: 'trace',
          samplingValue: { type: 'sampleRate', value: 1.0 },
          condition: { op: 'BadOperator', name: 'foo', value: 'bar' },
        },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.rules.map((r) => r.type)).toEqual(['unsupported', 'trace']);
    expect(result.config.rules[1]!.condition).toEqual({ op: 'unsupported', raw: 'BadOperator' });
    expect(result.warnings).toEqual([
      'sampling.rules[0].type: unsupported rule type "new_rule_type_unknown_to_this_relay" (the rule never applies)',
      'sampling.rules[1].condition.op: unsupported operator "BadOperator" (the condition never matches)',
    ]);
  });

  it('names the path of every error', () => {
    const result = parseSamplingConfig({
      version: 2,
      rules: [
        {
          id: 1,
          type: 'trace',
          condition: { op: 'and', inner: [] },
          samplingValue: { type: 'sampleRate', value: -1 },
        },
        {
          id: -4,
          type: 7,
          condition: { op: 'glob', name: 'trace.release' },
          samplingValue: { type: 'rate' },
        },
        {
          id: 3,
          type: 'trace',
          samplingValue: { type: 'reservoir', limit: 1.5 },
          timeRange: { start: 'yesterday' },
          decayingFn: { type: 'exponential' },
        },
        'rule',
      ],
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        'sampling.rules[0].samplingValue.value: expected a non-negative number',
        'sampling.rules[1].id: expected an integer from 0 to 4294967295',
        'sampling.rules[1].type: expected "trace", "transaction" or "project"',
        'sampling.rules[1].condition.value: expected a list of glob patterns',
        'sampling.rules[1].samplingValue.type: expected "sampleRate", "factor" or "reservoir"',
        'sampling.rules[2].condition: required',
        'sampling.rules[2].samplingValue.limit: expected an integer',
        'sampling.rules[2].timeRange.start: expected an RFC 3339 date-time',
        'sampling.rules[2].decayingFn: expected {"type": "constant"} or {"type": "linear", "decayedValue": number}',
        'sampling.rules[3]: expected a rule object',
      ],
    });
    expect(parseSamplingConfig([])).toEqual({ ok: false, errors: ['sampling: expected an object'] });
    expect(parseSamplingConfig({ version: 'two', rules: {} })).toEqual({
      ok: false,
      errors: [
        'sampling.version: expected a non-negative integer',
        'sampling.rules: expected a list of rules',
      ],
    });
  });

  it('warns about rates above 1, duplicate ids, newer versions and rulesV2 outside version 1', () => {
    const result = parseSamplingConfig({
      version: 3,
      rules: [
        {
          id: 1,
          type: 'trace',
          condition: { op: 'and', inner: [] },
          samplingValue: { type: 'sampleRate', value: 2 },
        },
        {
          id: 1,
          type: 'trace',
          condition: { op: 'and', inner: [] },
          samplingValue: { type: 'factor', value: 2 },
        },
      ],
      rulesV2: [],
    });
    expect(result.ok && result.warnings).toEqual([
      'sampling.version: version 3 is newer than 2; rules this version does not know never apply',
      'sampling.rules[0].samplingValue.value: a sample rate above 1 keeps everything',
      'sampling.rulesV2: only read in version 1 configs (ignored)',
      'sampling: rule id 1 is used twice (outcomes cannot tell the rules apart)',
    ]);
  });
});

describe('time ranges and decaying functions', () => {
  const range = { start: Date.UTC(1970, 9, 10), end: Date.UTC(1970, 9, 12) };

  it('contains times from start (inclusive) to end (exclusive); open ends match', () => {
    expect(timeRangeContains(range, range.start - 1)).toBe(false);
    expect(timeRangeContains(range, range.start)).toBe(true);
    expect(timeRangeContains(range, range.end - 1)).toBe(true);
    expect(timeRangeContains(range, range.end)).toBe(false);
    expect(timeRangeContains({ start: range.start }, range.end + 1e9)).toBe(true);
    expect(timeRangeContains({ end: range.end }, 0)).toBe(true);
    expect(timeRangeContains({}, -1e12)).toBe(true);
  });

  it('keeps the value for constant rules (test_decay_fn_constant)', () => {
    const r = rule({
      id: 1,
      type: 'trace',
      condition: { op: 'and', inner: [] },
      samplingValue: { type: 'sampleRate', value: 0.5 },
    });
    expect(decayedValue(r, 0.5, Date.now())).toBe(0.5);
  });

  it('interpolates linear rules over the range (test_decay_fn_linear)', () => {
    const linear = (timeRange: Record<string, string>) =>
      rule({
        id: 1,
        type: 'trace',
        condition: { op: 'and', inner: [] },
        samplingValue: { type: 'sampleRate', value: 1 },
        timeRange,
        decayingFn: { type: 'linear', decayedValue: 0.5 },
      });
    const full = linear({ start: '1970-10-10T00:00:00Z', end: '1970-10-12T00:00:00Z' });
    expect(decayedValue(full, 1, Date.UTC(1970, 9, 10))).toBe(1);
    expect(decayedValue(full, 1, Date.UTC(1970, 9, 11))).toBe(0.75);
    expect(decayedValue(full, 1, Date.UTC(1970, 9, 11, 23, 59, 59))).toBe(0.5000028935185186);
    expect(decayedValue(linear({ end: '1970-10-12T00:00:00Z' }), 1, Date.UTC(1970, 9, 11))).toBeUndefined();
    expect(decayedValue(linear({ start: '1970-10-10T00:00:00Z' }), 1, Date.UTC(1970, 9, 11))).toBeUndefined();
    // A rate below the decayed value does not apply.
    expect(decayedValue(full, 0.4, Date.UTC(1970, 9, 11))).toBeUndefined();
  });
});
