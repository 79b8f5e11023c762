// Ports the tests of relay-server/src/processing/utils/dynamic_sampling.rs (keep/drop, matching
// per rule type, unsupported rules, no client-rate adjustment) and checks where Vigil's decision
// reads its rules: the root project's trace rules, the fallback to the item's own project, and
// trace consistency through the DSC.
import { describe, expect, it } from 'vitest';
import { parseSamplingConfig, type SamplingConfig } from './config.js';
import { parseDynamicSamplingContext, type DynamicSamplingContext } from './dsc.js';
import { sampleSpans, sampleTransaction, type SamplingContext } from './decision.js';
import { pseudoRandomFromId } from './random.js';

const OWN_KEY = 'a'.repeat(32);
const ROOT_KEY = 'b'.repeat(32);
const TRACE = '67e5504410b1426f9247bb680e5fe0c8';
const ALL = { op: 'and', inner: [] };

function config(...rules: Array<Record<string, unknown>>): SamplingConfig {
  const parsed = parseSamplingConfig({ version: 2, rules });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

const rule = (id: number, type: string, value: number, condition: unknown = ALL) => ({
  id,
  type,
  condition,
  samplingValue: { type: 'sampleRate', value },
});

function transaction(over: Record<string, unknown> = {}) {
  return {
    type: 'transaction',
    event_id: 'e'.repeat(32),
    transaction: 'GET /cart',
    release: 'shop@1.2.3',
    environment: 'production',
    contexts: { trace: { trace_id: TRACE, span_id: '1'.repeat(16) } },
    ...over,
  };
}

function dsc(extra: Record<string, unknown> = {}): DynamicSamplingContext {
  return parseDynamicSamplingContext({
    trace_id: TRACE,
    public_key: ROOT_KEY,
    release: '1.1.1',
    transaction: 'transaction1',
    sample_rate: '0.5',
    sampled: 'true',
    ...extra,
  })!;
}

function ctx(over: Partial<SamplingContext>): SamplingContext {
  return { config: config(), publicKey: OWN_KEY, now: Date.now(), ...over };
}

const ids = (result: ReturnType<typeof sampleSpans>) =>
  result.kind === 'match' ? result.match.matchedRuleIds : undefined;
const keeps = (result: ReturnType<typeof sampleSpans>) => result.kind === 'noMatch' || result.match.keep;

describe('sampleTransaction', () => {
  it('keeps or drops by a transaction rule (test_it_keeps_or_drops_transactions)', () => {
    for (const [rate, keep] of [
      [0, false],
      [1, true],
    ] as const) {
      const result = sampleTransaction(transaction(), ctx({ config: config(rule(1, 'transaction', rate)) }));
      expect(result.kind === 'match' && result.match.keep).toBe(keep);
    }
  });

  it('matches transaction and project rules (test_compute_sampling_decision_matching)', () => {
    for (const type of ['transaction', 'project']) {
      const own = config(rule(0, type, 1));
      expect(
        sampleTransaction(transaction(), ctx({ config: own, dsc: dsc(), rootConfig: config() })).kind,
      ).toBe('match');
    }
  });

  it('skips unsupported rules and applies the others (processing Relay, test_matching_with_unsupported_rule)', () => {
    const own = config(rule(0, 'new_rule_type', 0), rule(1, 'transaction', 1));
    expect(ids(sampleTransaction(transaction(), ctx({ config: own })))).toEqual([1]);
  });

  it('uses the trace rule’s rate without adjusting for the client rate (test_client_sample_rate)', () => {
    const result = sampleTransaction(
      transaction(),
      ctx({ dsc: dsc(), rootConfig: config(rule(0, 'trace', 0.2)) }),
    );
    expect(result.kind === 'match' && result.match.sampleRate).toBe(0.2);
  });

  it('reads event.* in transaction rules and trace.* in project and trace rules, in that order', () => {
    const own = config(
      rule(1, 'transaction', 0, { op: 'eq', name: 'event.transaction', value: 'GET /health' }),
      rule(2, 'project', 0, { op: 'glob', name: 'trace.release', value: ['9.*'] }),
    );
    const root = config(rule(3, 'trace', 1, { op: 'eq', name: 'trace.transaction', value: 'transaction1' }));
    const base = { config: own, rootConfig: root };
    expect(
      ids(sampleTransaction(transaction({ transaction: 'GET /health' }), ctx({ ...base, dsc: dsc() }))),
    ).toEqual([1]);
    expect(ids(sampleTransaction(transaction(), ctx({ ...base, dsc: dsc({ release: '9.0' }) })))).toEqual([
      2,
    ]);
    expect(ids(sampleTransaction(transaction(), ctx({ ...base, dsc: dsc() })))).toEqual([3]);
    expect(sampleTransaction(transaction(), ctx({ ...base, dsc: dsc({ transaction: 'other' }) })).kind).toBe(
      'noMatch',
    );
  });

  it('carries factors from transaction rules into trace rules', () => {
    const own = config({
      id: 1,
      type: 'transaction',
      condition: ALL,
      samplingValue: { type: 'factor', value: 0.5 },
    });
    const result = sampleTransaction(
      transaction(),
      ctx({ config: own, dsc: dsc(), rootConfig: config(rule(2, 'trace', 0.5)) }),
    );
    expect(result.kind === 'match' && [result.match.sampleRate, result.match.matchedRuleIds]).toEqual([
      0.25,
      [1, 2],
    ]);
  });

  it('computes the DSC from the event with its own project as root when the root is unresolved or the DSC missing', () => {
    const own = config(rule(5, 'trace', 0, { op: 'eq', name: 'trace.release', value: 'shop@1.2.3' }));
    // The envelope's DSC names another project that could not be resolved: its release is replaced.
    expect(ids(sampleTransaction(transaction(), ctx({ config: own, dsc: dsc() })))).toEqual([5]);
    expect(ids(sampleTransaction(transaction(), ctx({ config: own })))).toEqual([5]);
    // A resolved root project's rules are read instead.
    expect(
      sampleTransaction(transaction(), ctx({ config: own, dsc: dsc(), rootConfig: config() })).kind,
    ).toBe('noMatch');
  });

  it('seeds transaction rules with the event id and trace rules with the trace', () => {
    const byEvent = (eventId: string) =>
      keeps(
        sampleTransaction(
          transaction({ event_id: eventId }),
          ctx({ config: config(rule(1, 'transaction', 0.5)) }),
        ),
      );
    for (const eventId of ['0'.repeat(31) + '1', 'f'.repeat(32), '12'.repeat(16)])
      expect(byEvent(eventId)).toBe(pseudoRandomFromId(eventId) < 0.5);

    const root = config(rule(2, 'trace', 0.5));
    const trace = dsc();
    const expected = pseudoRandomFromId(TRACE) < 0.5;
    for (const eventId of ['0'.repeat(31) + '1', 'f'.repeat(32)])
      expect(
        keeps(sampleTransaction(transaction({ event_id: eventId }), ctx({ dsc: trace, rootConfig: root }))),
      ).toBe(expected);
  });
});

describe('sampleSpans', () => {
  const root = config(rule(7, 'trace', 0.5));

  it('decides from the DSC’s sample_rand, the same way for every item of the trace', () => {
    expect(keeps(sampleSpans(ctx({ dsc: dsc({ sample_rand: '0.49' }), rootConfig: root })))).toBe(true);
    expect(keeps(sampleSpans(ctx({ dsc: dsc({ sample_rand: '0.5' }), rootConfig: root })))).toBe(false);
    const result = sampleSpans(ctx({ dsc: dsc({ sample_rand: '0.9' }), rootConfig: root }));
    expect(result).toEqual({ kind: 'match', match: { sampleRate: 0.5, matchedRuleIds: [7], keep: false } });
    // Transactions of the same trace get the same decision as its spans.
    const tx = sampleTransaction(transaction(), ctx({ dsc: dsc({ sample_rand: '0.9' }), rootConfig: root }));
    expect(tx).toEqual(result);
  });

  it('falls back to the trace id without sample_rand', () => {
    expect(keeps(sampleSpans(ctx({ dsc: dsc(), rootConfig: root })))).toBe(pseudoRandomFromId(TRACE) < 0.5);
  });

  it('does not sample spans without a DSC or without rules', () => {
    expect(sampleSpans(ctx({ config: root })).kind).toBe('noMatch');
    expect(sampleSpans(ctx({ dsc: dsc(), rootConfig: config() })).kind).toBe('noMatch');
  });

  it('keeps only the trace id, rate and sample_rand of a DSC whose root is unresolved, with its own rules', () => {
    const own = config(
      rule(1, 'trace', 0, { op: 'eq', name: 'trace.release', value: '1.1.1' }),
      rule(2, 'trace', 0, { op: 'eq', name: 'trace.release', value: null }),
    );
    expect(ids(sampleSpans(ctx({ config: own, dsc: dsc() })))).toEqual([2]);
  });
});
