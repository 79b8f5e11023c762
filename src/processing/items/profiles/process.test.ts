import { describe, expect, it } from 'vitest';
import { processProfileChunkItem, processProfileItem } from './process.js';

const CTX = { projectId: 3, receivedAt: 1_700_000_100, hasTransaction: true };
const TX = 'aa'.repeat(16);
const TRACE = 'bb'.repeat(16);

/** A sample-format v1 profile as python-sentry-sdk 1.9 sends it (numbers as strings). */
function v1(
  overrides: Record<string, unknown> = {},
  samples = ['0', '10000000', '20000000'],
): Record<string, unknown> {
  return {
    event_id: 'cc'.repeat(16),
    platform: 'python',
    version: '1',
    timestamp: '2023-11-14T22:13:20Z',
    release: 'app@1',
    environment: 'prod',
    device: { architecture: 'x86_64' },
    os: { name: 'Linux', version: '6.1' },
    transactions: [
      {
        id: TX,
        name: 'GET /',
        trace_id: TRACE,
        relative_start_ns: '0',
        relative_end_ns: '25000000',
        active_thread_id: '1',
      },
    ],
    profile: {
      frames: [{ function: 'main' }, { function: 'work' }],
      stacks: [[1, 0]],
      samples: samples.map((elapsed) => ({ elapsed_since_start_ns: elapsed, thread_id: '1', stack_id: 0 })),
    },
    ...overrides,
  };
}

const run = (value: unknown, ctx = CTX) =>
  processProfileItem(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), ctx);
const reason = (value: unknown, ctx = CTX): string | undefined => {
  const result = run(value, ctx);
  return result.kind === 'drop' ? result.reason : undefined;
};

describe('processProfileItem', () => {
  it('keeps a valid sample profile with its transaction, trace and time range', () => {
    const result = run(v1());
    expect(result).toMatchObject({
      kind: 'ok',
      value: {
        kind: 'profile',
        profileId: 'cc'.repeat(16),
        transactionId: TX,
        transactionName: 'GET /',
        traceId: TRACE,
        release: 'app@1',
        environment: 'prod',
        platform: 'python',
        start: 1_700_000_000,
        durationMs: 25,
        category: 'profile',
      },
    });
  });

  it("drops malformed profiles with Relay's reasons", () => {
    expect(reason('{not json')).toBe('profiling_invalid_json');
    expect(reason(v1({ event_id: 'nope' }))).toBe('profiling_invalid_json');
    expect(reason(v1({ os: undefined }))).toBe('profiling_invalid_json');
    expect(reason(v1({ version: '2' }))).toBe('profiling_platform_not_supported');
    expect(reason(v1({ platform: 'cocoa' }))).toBe('profiling_invalid_profile_metadata');
    expect(reason(v1({ transactions: [] }))).toBe('profiling_no_transaction_associated');
    expect(reason(v1({ transactions: [{ id: TX, name: 'x' }] }))).toBe(
      'profiling_invalid_transaction_metadata',
    );
    expect(reason(v1({}, ['0']))).toBe('profiling_not_enough_samples');
    const badStack = v1();
    (badStack.profile as { samples: Array<{ stack_id: number }> }).samples[1]!.stack_id = 5;
    expect(reason(badStack)).toBe('profiling_malformed_samples');
    expect(
      reason(
        v1({
          profile: { frames: [], stacks: [[0]], samples: (v1().profile as { samples: unknown }).samples },
        }),
      ),
    ).toBe('profiling_malformed_stacks');
    const long = v1({ transactions: [{ id: TX, name: 'x', trace_id: TRACE }] }, ['0', '31000000000']);
    expect(reason(long)).toBe('profiling_duration_is_too_long');
  });

  it('needs the transaction in the same envelope', () => {
    expect(reason(v1(), { ...CTX, hasTransaction: false })).toBe('profiling_no_transaction_associated');
  });
});

describe('processProfileChunkItem', () => {
  const chunk = (platform: string, overrides: Record<string, unknown> = {}) =>
    Buffer.from(
      JSON.stringify({
        chunk_id: 'dd'.repeat(16),
        profiler_id: 'ee'.repeat(16),
        platform,
        version: '2',
        release: 'web@1',
        environment: 'e2e',
        client_sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
        profile: {
          frames: [{ function: 'f' }],
          stacks: [[0]],
          samples: [
            { stack_id: 0, thread_id: '0', timestamp: 1_700_000_000.5 },
            { stack_id: 0, thread_id: '0', timestamp: 1_700_000_001.75 },
          ],
        },
        ...overrides,
      }),
    );

  it('keeps a v2 chunk with its profiler, range and category by platform', () => {
    expect(processProfileChunkItem(chunk('javascript'), CTX)).toMatchObject({
      kind: 'ok',
      value: {
        kind: 'profile_chunk',
        profileId: 'dd'.repeat(16),
        profilerId: 'ee'.repeat(16),
        start: 1_700_000_000.5,
        end: 1_700_000_001.75,
        durationMs: 1250,
        category: 'profile_chunk_ui',
      },
    });
    expect(processProfileChunkItem(chunk('python'), CTX)).toMatchObject({
      value: { category: 'profile_chunk' },
    });
  });

  it("drops malformed chunks with Relay's reasons", () => {
    const reasonOf = (payload: Buffer) => {
      const r = processProfileChunkItem(payload, CTX);
      return r.kind === 'drop' ? r.reason : undefined;
    };
    expect(reasonOf(chunk('node', { profiler_id: undefined }))).toBe('profiling_invalid_json');
    expect(reasonOf(chunk('node', { version: '1' }))).toBe('profiling_platform_not_supported');
    expect(
      reasonOf(
        chunk('node', {
          profile: {
            frames: [],
            stacks: [[]],
            samples: [
              { stack_id: 0, thread_id: '0', timestamp: 1 },
              { stack_id: 0, thread_id: '0', timestamp: 100 },
            ],
          },
        }),
      ),
    ).toBe('profiling_duration_is_too_long');
  });
});
