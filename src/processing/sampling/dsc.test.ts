// Ports the tests of relay-sampling/src/dsc.rs (parsing, user forms, sample_rate, sampled, the
// `trace.*` getter) and checks `sample_rand` and the DSC computed from a transaction.
import { describe, expect, it } from 'vitest';
import { dscFromEvent, dscGetter, parseDynamicSamplingContext, type DynamicSamplingContext } from './dsc.js';

const BASE = {
  trace_id: '00000000-0000-0000-0000-000000000000',
  public_key: 'abd0f232775f45feab79864e580d160b',
};

function dsc(extra: Record<string, unknown>): DynamicSamplingContext | undefined {
  return parseDynamicSamplingContext({ ...BASE, ...extra });
}

describe('parseDynamicSamplingContext', () => {
  it('parses relay-sampling’s full fixture', () => {
    expect(
      dsc({
        release: '1.0',
        environment: 'dev',
        transaction: '/foo',
        sample_rate: '0.5',
        user_id: 'some-id',
        user_segment: 'all',
        user: null,
      }),
    ).toEqual({
      traceId: '0'.repeat(32),
      publicKey: 'abd0f232775f45feab79864e580d160b',
      release: '1.0',
      environment: 'dev',
      transaction: '/foo',
      sampleRate: 0.5,
      userId: 'some-id',
      userSegment: 'all',
    });
  });

  it('reads the user flat or nested; flat wins unless both flat fields are empty (parse_user)', () => {
    for (const extra of [
      { user: { id: 'some-id', segment: 'all' } },
      { user_id: 'some-id', user_segment: 'all' },
      { user_id: '', user_segment: '', user: { id: 'some-id', segment: 'all' } },
      { user_id: 'some-id', user_segment: 'all', user: { id: 'bogus-id', segment: 'nothing' } },
      { user_id: 'some-id', user_segment: 'all', user: null },
    ]) {
      expect(dsc(extra)).toMatchObject({ userId: 'some-id', userSegment: 'all' });
    }
    // Two SDKs merging data: the flat id alone wins and the nested segment is not mixed in.
    expect(dsc({ user_id: 'hello', user: { segment: 'all' } })).toMatchObject({
      userId: 'hello',
      userSegment: '',
    });
  });

  it('takes sample_rate as a string holding a non-negative JSON number', () => {
    expect(dsc({ sample_rate: '0.5' })?.sampleRate).toBe(0.5);
    expect(dsc({ sample_rate: '1e-5' })?.sampleRate).toBe(0.00001);
    expect(dsc({ sample_rate: 'bogus' })).toBeUndefined();
    expect(dsc({ sample_rate: 0.1 })).toBeUndefined();
    expect(dsc({ sample_rate: '-0.1' })).toBeUndefined();
  });

  it('reads sampled as a boolean or "true"/"false" and ignores anything else', () => {
    expect(dsc({ sampled: true })?.sampled).toBe(true);
    expect(dsc({ sampled: 'false' })?.sampled).toBe(false);
    expect(dsc({ sampled: 'tru' })).not.toHaveProperty('sampled');
    expect(dsc({ sampled: null })).not.toHaveProperty('sampled');
  });

  it('takes sample_rand in [0, 1) as a string or number, ignoring other values', () => {
    expect(dsc({ sample_rand: '0.123456' })?.sampleRand).toBe(0.123456);
    expect(dsc({ sample_rand: 0 })?.sampleRand).toBe(0);
    expect(dsc({ sample_rand: '1.2e-7' })?.sampleRand).toBe(1.2e-7);
    for (const bad of ['1', 1.5, '-0.1', 'x', null])
      expect(dsc({ sample_rand: bad })).not.toHaveProperty('sampleRand');
  });

  it('rejects a DSC without a valid trace id or public key, or with ill-typed fields', () => {
    expect(parseDynamicSamplingContext({ public_key: BASE.public_key })).toBeUndefined();
    expect(parseDynamicSamplingContext({ trace_id: 'xyz', public_key: BASE.public_key })).toBeUndefined();
    expect(parseDynamicSamplingContext({ trace_id: BASE.trace_id, public_key: 'short' })).toBeUndefined();
    expect(dsc({ release: 1 })).toBeUndefined();
    expect(dsc({ replay_id: 'not-a-uuid' })).toBeUndefined();
    expect(dsc({ user: 'me' })).toBeUndefined();
    expect(parseDynamicSamplingContext('trace')).toBeUndefined();
  });

  it('accepts segment_name as the transaction and hex trace ids', () => {
    expect(
      parseDynamicSamplingContext({
        trace_id: 'ABCDEF0123456789ABCDEF0123456789',
        public_key: BASE.public_key,
        segment_name: 'GET /',
      }),
    ).toMatchObject({ traceId: 'abcdef0123456789abcdef0123456789', transaction: 'GET /' });
  });
});

describe('dscGetter', () => {
  it('reads the trace.* paths (getter_filled)', () => {
    const getter = dscGetter(
      dsc({
        release: '1.1.1',
        user_segment: 'user-seg',
        user_id: 'user-id',
        environment: 'prod',
        transaction: 'transaction1',
        replay_id: 'B8B7E1E0-7CFB-4E3E-9A8E-DB4C2F04E3A1',
      })!,
    );
    expect(getter.getValue('trace.release')).toBe('1.1.1');
    expect(getter.getValue('trace.environment')).toBe('prod');
    expect(getter.getValue('trace.user.id')).toBe('user-id');
    expect(getter.getValue('trace.user.segment')).toBe('user-seg');
    expect(getter.getValue('trace.transaction')).toBe('transaction1');
    expect(getter.getValue('trace.replay_id')).toBe('b8b7e1e07cfb4e3e9a8edb4c2f04e3a1');
    expect(getter.getValue('event.release')).toBeUndefined();
  });

  it('yields nothing for absent or empty fields (getter_empty)', () => {
    const getter = dscGetter(dsc({ user_id: '', user_segment: '' })!);
    for (const path of [
      'trace.release',
      'trace.environment',
      'trace.user.id',
      'trace.user.segment',
      'trace.user.transaction',
      'trace.replay_id',
    ])
      expect(getter.getValue(path)).toBeUndefined();
  });
});

describe('dscFromEvent', () => {
  it('computes the DSC of a transaction from its trace context, release, environment, name and user', () => {
    const event = {
      type: 'transaction',
      transaction: 'GET /cart',
      release: 42,
      environment: 'prod',
      user: { id: 7, segment: 'vip' },
      contexts: { trace: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) } },
    };
    expect(dscFromEvent('c'.repeat(32), event)).toEqual({
      traceId: 'a'.repeat(32),
      publicKey: 'c'.repeat(32),
      release: '42',
      environment: 'prod',
      transaction: 'GET /cart',
      userId: '7',
      userSegment: 'vip',
    });
    expect(dscFromEvent('c'.repeat(32), { ...event, type: 'error' })).toBeUndefined();
    expect(dscFromEvent('c'.repeat(32), { ...event, contexts: {} })).toBeUndefined();
  });
});
