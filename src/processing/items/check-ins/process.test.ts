import { describe, expect, it } from 'vitest';
import { decodeCheckIn, NIL_CHECK_IN_ID } from '../../../protocol/check-in.js';
import { processCheckInItem, type ProcessedCheckIn } from './process.js';

const ID = 'a460c25ff2554577b920fcfacae4e5eb';
const CTX = { projectId: 42, receivedAt: 1_700_000_000 };

function run(payload: unknown) {
  return processCheckInItem(
    Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    CTX,
  );
}

function accepted(payload: unknown): ProcessedCheckIn {
  const result = run(payload);
  if (result.kind !== 'ok') throw new Error(`dropped: ${result.reason}`);
  return result.value;
}

function reason(payload: unknown): string | undefined {
  const result = run(payload);
  return result.kind === 'drop' ? `${result.outcome}:${result.reason}` : undefined;
}

describe('decodeCheckIn (Relay relay-monitors model)', () => {
  it('round-trips the Relay test payload with trace context, dropping unknown fields', () => {
    const decoded = decodeCheckIn({
      check_in_id: 'A460C25F-F255-4577-B920-FCFACAE4E5EB',
      monitor_slug: 'my-monitor',
      status: 'in_progress',
      environment: 'production',
      duration: 21,
      extra: 'dropped',
      contexts: { trace: { trace_id: '8f431b7aa08441bbbd5a0100fd91f9fe', span_id: 'ab' }, os: {} },
    });
    expect(decoded).toEqual({
      ok: true,
      checkIn: {
        check_in_id: ID,
        monitor_slug: 'my-monitor',
        status: 'in_progress',
        environment: 'production',
        duration: 21,
        contexts: { trace: { trace_id: '8f431b7aa08441bbbd5a0100fd91f9fe' } },
      },
    });
  });

  it('defaults check_in_id to nil, slug to empty, maps unknown statuses', () => {
    expect(decodeCheckIn({ status: 'whatever' })).toEqual({
      ok: true,
      checkIn: { check_in_id: NIL_CHECK_IN_ID, monitor_slug: '', status: 'unknown' },
    });
  });

  it.each([
    ['missing status', { monitor_slug: 'a' }],
    ['non-string status', { monitor_slug: 'a', status: 1 }],
    ['bad uuid', { monitor_slug: 'a', status: 'ok', check_in_id: 'xyz' }],
    ['string duration', { monitor_slug: 'a', status: 'ok', duration: '5' }],
    [
      'negative margin',
      {
        status: 'ok',
        monitor_config: { schedule: { type: 'crontab', value: '* * * * *' }, checkin_margin: -1 },
      },
    ],
    [
      'unknown schedule type',
      { status: 'ok', monitor_config: { schedule: { type: 'cron', value: '* * * * *' } } },
    ],
    [
      'bad interval unit',
      { status: 'ok', monitor_config: { schedule: { type: 'interval', value: 1, unit: 'days' } } },
    ],
    ['bad trace id', { status: 'ok', contexts: { trace: { trace_id: 'nope' } } }],
    ['array', []],
  ])('rejects %s', (_name, payload) => {
    expect(decodeCheckIn(payload).ok).toBe(false);
  });
});

describe('processCheckInItem', () => {
  it('normalizes an SDK check-in with an upsert config', () => {
    const processed = accepted({
      check_in_id: ID,
      monitor_slug: 'Nightly Backup_Job',
      status: 'ok',
      duration: 1.5,
      release: 'app@1.2.3',
      environment: 'prod',
      monitor_config: {
        schedule: { type: 'crontab', value: '  0   3 * * *  ' },
        checkin_margin: 0,
        max_runtime: 30,
        timezone: 'Europe/Vienna',
        failure_issue_threshold: 2,
        recovery_threshold: 3,
        owner: 'user:1',
      },
      contexts: { trace: { trace_id: '8f431b7aa08441bbbd5a0100fd91f9fe' } },
    });
    expect(processed).toMatchObject({
      projectId: 42,
      checkInId: ID,
      useLatest: false,
      monitorSlug: 'nightly-backup_job',
      status: 'ok',
      environment: 'prod',
      release: 'app@1.2.3',
      durationMs: 1500,
      traceId: '8f431b7aa08441bbbd5a0100fd91f9fe',
      receivedAt: 1_700_000_000,
      startedAt: 1_699_999_998.5,
      owner: 'user:1',
      monitorConfig: {
        schedule_type: 'crontab',
        schedule: '0 3 * * *',
        checkin_margin: 1,
        max_runtime: 30,
        timezone: 'Europe/Vienna',
        failure_issue_threshold: 2,
        recovery_threshold: 3,
      },
    });
    expect(processed.monitorConfigError).toBeUndefined();
  });

  it('defaults the environment to production and keeps the nil id as "use latest"', () => {
    const processed = accepted({ monitor_slug: 'job', status: 'in_progress', environment: '' });
    expect(processed.environment).toBe('production');
    expect(processed.checkInId).toBe(NIL_CHECK_IN_ID);
    expect(processed.useLatest).toBe(true);
    expect(processed.startedAt).toBe(CTX.receivedAt);
  });

  it('ignores a duration on in_progress check-ins', () => {
    const processed = accepted({ monitor_slug: 'job', status: 'in_progress', duration: 12 });
    expect(processed.durationMs).toBeUndefined();
    expect(processed.startedAt).toBe(CTX.receivedAt);
  });

  it('reports an invalid monitor config without dropping the check-in', () => {
    const processed = accepted({
      monitor_slug: 'job',
      status: 'ok',
      monitor_config: { schedule: { type: 'crontab', value: '0 * * * *' }, timezone: 'America/Los_Angles' },
    });
    expect(processed.monitorConfig).toBeUndefined();
    expect(processed.monitorConfigError).toMatch(/timezone/);
  });

  it('interval schedules become [count, unit]', () => {
    const processed = accepted({
      monitor_slug: 'job',
      status: 'ok',
      monitor_config: { schedule: { type: 'interval', value: 5, unit: 'day' } },
    });
    expect(processed.monitorConfig).toEqual({ schedule_type: 'interval', schedule: [5, 'day'] });
  });

  it('truncates slugs to 50 characters like Relay and Sentry', () => {
    expect(accepted({ monitor_slug: 'test_'.repeat(50), status: 'ok' }).monitorSlug).toBe(
      'test_test_test_test_test_test_test_test_test_test',
    );
    expect(
      accepted({ monitor_slug: '🚀🚀🚀\tmyComplicated_slug\u200Aname is here...', status: 'ok' }).monitorSlug,
    ).toBe('mycomplicated_slug-name-is-here');
  });

  it.each([
    ['not JSON', '{', 'invalid:invalid_json'],
    ['missing status', { monitor_slug: 'a' }, 'invalid:invalid_json'],
    ['empty slug', { monitor_slug: '', status: 'ok' }, 'invalid:invalid_check_in'],
    ['slug without ASCII', { monitor_slug: '🚀🚀🚀', status: 'ok' }, 'invalid:invalid_check_in'],
    [
      'long environment',
      { monitor_slug: 'a', status: 'ok', environment: 'e'.repeat(65) },
      'invalid:invalid_check_in',
    ],
    ['missed status', { monitor_slug: 'a', status: 'missed' }, 'invalid:invalid_check_in'],
    ['unknown status', { monitor_slug: 'a', status: 'done' }, 'invalid:invalid_check_in'],
    ['negative duration', { monitor_slug: 'a', status: 'ok', duration: -1 }, 'invalid:invalid_check_in'],
    ['huge duration', { monitor_slug: 'a', status: 'error', duration: 3e6 }, 'invalid:invalid_check_in'],
  ])('drops %s', (_name, payload, expected) => {
    expect(reason(payload)).toBe(expected);
  });

  it('accepts a 64-character environment and drops payloads over 100 KiB', () => {
    expect(
      accepted({ monitor_slug: 'a', status: 'ok', environment: 'e'.repeat(64) }).environment,
    ).toHaveLength(64);
    const big = JSON.stringify({ monitor_slug: 'a', status: 'ok', padding: 'x'.repeat(100 * 1024) });
    expect(reason(big)).toBe('invalid:too_large:check_in');
  });
});
