// Ports the tests of relay-sampling/src/evaluation.rs: factor compounding, reservoir limits and
// overrides, time ranges, condition matching over the DSC, and MatchedRuleIds display/parse.
import { describe, expect, it } from 'vitest';
import { parseSamplingConfig, type SamplingRule } from './config.js';
import { parseDynamicSamplingContext } from './dsc.js';
import { dscGetter } from './dsc.js';
import {
  ReservoirCounters,
  SamplingEvaluator,
  formatMatchedRuleIds,
  parseMatchedRuleIds,
  samplingOutcomeReason,
} from './evaluation.js';

const ALL = { op: 'and', inner: [] };

/** Rules with ids 0, 1, … (Relay's `simple_sampling_rules`), all of type trace. */
function rules(
  ...specs: Array<[condition: unknown, samplingValue: unknown, extra?: object]>
): SamplingRule[] {
  const parsed = parseSamplingConfig({
    version: 2,
    rules: specs.map(([condition, samplingValue, extra], id) => ({
      id,
      type: 'trace',
      condition,
      samplingValue,
      ...extra,
    })),
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return [...parsed.config.rules];
}

const rate = (value: number) => ({ type: 'sampleRate', value });
const factor = (value: number) => ({ type: 'factor', value });
const glob = (name: string, value: string) => ({ op: 'glob', name, value: [value] });
const eqIgnoreCase = (name: string, value: string) => ({
  op: 'eq',
  name,
  value,
  options: { ignoreCase: true },
});

/** A DSC getter with the given `trace.*` values (Relay's `mocked_dsc_with_getter_values`). */
function dsc(values: Record<string, string> = {}) {
  const parsed = parseDynamicSamplingContext({
    trace_id: '67e5504410b1426f9247bb680e5fe0c8',
    public_key: '12345678123456781234567812345678',
    release: values['trace.release'],
    environment: values['trace.environment'],
    transaction: values['trace.transaction'],
    user_id: values['trace.user.id'],
    user_segment: values['trace.user.segment'],
  });
  return dscGetter(parsed!);
}

const half = () => 0.5;

function matchedIds(list: SamplingRule[], values: Record<string, string>): readonly number[] | undefined {
  return new SamplingEvaluator(Date.now()).matchRules(half, dsc(values), list)?.matchedRuleIds;
}

describe('SamplingEvaluator', () => {
  it('multiplies factors into the final sample rate (test_sample_rate_compounding)', () => {
    const match = new SamplingEvaluator(Date.now()).matchRules(
      half,
      dsc(),
      rules([ALL, factor(0.8)], [ALL, factor(0.5)], [ALL, rate(0.25)]),
    );
    expect(match?.sampleRate).toBe(0.1);
    expect(match?.matchedRuleIds).toEqual([0, 1, 2]);
  });

  it('matches the right rules (test_condition_matching)', () => {
    const list = rules(
      [glob('trace.transaction', '*healthcheck*'), rate(1)],
      [glob('trace.environment', '*dev*'), rate(1)],
      [eqIgnoreCase('trace.transaction', 'raboof'), factor(1)],
      [
        { op: 'and', inner: [glob('trace.release', '1.1.1'), eqIgnoreCase('trace.user.segment', 'vip')] },
        rate(1),
      ],
      [
        {
          op: 'and',
          inner: [eqIgnoreCase('trace.release', '1.1.1'), eqIgnoreCase('trace.environment', 'prod')],
        },
        factor(1),
      ],
      [ALL, rate(1)],
    );
    expect(matchedIds(list, { 'trace.transaction': 'foohealthcheckbar' })).toEqual([0]);
    expect(matchedIds(list, { 'trace.environment': 'dev' })).toEqual([1]);
    expect(matchedIds(list, { 'trace.transaction': 'raboof' })).toEqual([2, 5]);
    expect(
      matchedIds(list, {
        'trace.transaction': 'raboof',
        'trace.release': '1.1.1',
        'trace.user.segment': 'vip',
      }),
    ).toEqual([2, 3]);
    expect(
      matchedIds(list, {
        'trace.transaction': 'raboof',
        'trace.release': '1.1.1',
        'trace.environment': 'prod',
      }),
    ).toEqual([2, 4, 5]);
    expect(matchedIds(list, { 'trace.release': '1.1.1', 'trace.environment': 'prod' })).toEqual([4, 5]);
  });

  it('gives no match without matching rules (test_get_sampling_match_result_with_no_match)', () => {
    expect(new SamplingEvaluator(Date.now()).matchRules(half, dsc(), [])).toBeUndefined();
    expect(
      new SamplingEvaluator(Date.now()).matchRules(half, dsc(), rules([ALL, factor(0.5)])),
    ).toBeUndefined();
  });

  it('applies rules only inside their time range (test_expired_rules, test_sample_rate_valid_time_range)', () => {
    const range = { start: '1970-01-01T00:00:00Z', end: '1980-01-01T00:00:00Z' };
    const before = Date.UTC(1969, 0, 1);
    const during = Date.UTC(1975, 0, 1);
    const after = Date.UTC(1981, 0, 1);
    const matches = (now: number, timeRange: object) =>
      new SamplingEvaluator(now).matchRules(half, dsc(), rules([ALL, rate(1), { timeRange }])) !== undefined;
    expect([before, during, after].map((t) => matches(t, range))).toEqual([false, true, false]);
    expect([before, during, after].map((t) => matches(t, { start: range.start }))).toEqual([
      false,
      true,
      true,
    ]);
    expect([before, during, after].map((t) => matches(t, { end: range.end }))).toEqual([true, true, false]);
    expect([before, during, after].map((t) => matches(t, {}))).toEqual([true, true, true]);
  });

  it('lets a reservoir rule override earlier rules until its limit is reached (test_reservoir_override)', () => {
    const list = rules([ALL, factor(0.5)], [ALL, { type: 'reservoir', limit: 2 }], [ALL, rate(0.5)]);
    const reservoir = new ReservoirCounters();
    const ids = () =>
      new SamplingEvaluator(Date.now(), reservoir).matchRules(half, dsc(), list)?.matchedRuleIds;
    expect(ids()).toEqual([1]);
    expect(ids()).toEqual([1]);
    expect(ids()).toEqual([0, 2]);
    // Without counters a reservoir rule never applies.
    expect(new SamplingEvaluator(Date.now()).matchRules(half, dsc(), list)?.matchedRuleIds).toEqual([0, 2]);
  });

  it('keeps the first `limit` matches of a reservoir (test_reservoir_evaluator_limit)', () => {
    const reservoir = new ReservoirCounters();
    expect([1, 2, 3, 4].map(() => reservoir.evaluate(1, 3))).toEqual([true, true, true, false]);
  });

  it('keeps when random < rate, drops otherwise, and draws only for rates strictly inside (0, 1)', () => {
    const decide = (value: number, random: number) => {
      let draws = 0;
      const match = new SamplingEvaluator(Date.now()).matchRules(
        () => ((draws += 1), random),
        dsc(),
        rules([ALL, rate(value)]),
      );
      return { keep: match?.keep, draws };
    };
    expect(decide(0.3, 0.29)).toEqual({ keep: true, draws: 1 });
    expect(decide(0.3, 0.3)).toEqual({ keep: false, draws: 1 });
    expect(decide(0, 0)).toEqual({ keep: false, draws: 0 });
    expect(decide(1, 0.99)).toEqual({ keep: true, draws: 0 });
    // Rates above 1 (and factors that push past it) are clamped to 1.
    expect(
      new SamplingEvaluator(Date.now()).matchRules(half, dsc(), rules([ALL, factor(4)], [ALL, rate(0.5)]))
        ?.sampleRate,
    ).toBe(1);
  });

  it('never matches unsupported conditions', () => {
    const list = rules([{ op: 'BadOperator', name: 'foo', value: 'bar' }, rate(0)], [ALL, rate(1)]);
    expect(matchedIds(list, {})).toEqual([1]);
  });
});

describe('matched rule ids', () => {
  it('display as a comma-separated list (matched_rule_ids_display)', () => {
    expect(formatMatchedRuleIds([123, 456])).toBe('123,456');
    expect(formatMatchedRuleIds([123])).toBe('123');
    expect(formatMatchedRuleIds([])).toBe('');
    expect(samplingOutcomeReason([3000])).toBe('Sampled:3000');
    expect(samplingOutcomeReason([1, 2])).toBe('Sampled:1,2');
  });

  it('parse back from that list (matched_rule_ids_parse)', () => {
    expect(parseMatchedRuleIds('123,456')).toEqual([123, 456]);
    expect(parseMatchedRuleIds('123')).toEqual([123]);
    for (const bad of ['', ',', '123.456', 'a,b']) expect(parseMatchedRuleIds(bad)).toBeUndefined();
  });
});
