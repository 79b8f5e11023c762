import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../../protocol/check-in.js';
import {
  deriveEnvironmentState,
  effectiveCheckInStatus,
  statusWindow,
  type RecentCheckIn,
} from './monitor-status.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2025-03-01T10:00:00Z');

function config(overrides: Partial<MonitorConfig> = {}): MonitorConfig {
  return {
    schedule_type: 'crontab',
    schedule: '0 * * * *',
    checkin_margin: null,
    max_runtime: null,
    timezone: null,
    failure_issue_threshold: null,
    recovery_threshold: null,
    ...overrides,
  };
}

/** Hourly check-ins ending at T0, given oldest first; returned newest first. */
function hourly(...statuses: Array<RecentCheckIn['status']>): RecentCheckIn[] {
  return statuses
    .map((status, i) => ({ status, startedMs: T0 - (statuses.length - 1 - i) * HOUR }))
    .reverse();
}

describe('effectiveCheckInStatus', () => {
  it('turns an in_progress check-in past max_runtime (default 30 min) into timeout', () => {
    const running = { status: 'in_progress' as const, startedMs: T0 + 30_000 };
    expect(effectiveCheckInStatus(running, config(), T0 + 29 * MIN)).toBe('in_progress');
    expect(effectiveCheckInStatus(running, config(), T0 + 30 * MIN)).toBe('timeout');
    expect(effectiveCheckInStatus(running, config({ max_runtime: 60 }), T0 + 45 * MIN)).toBe('in_progress');
    expect(effectiveCheckInStatus({ status: 'ok', startedMs: 0 }, config(), T0)).toBe('ok');
  });
});

describe('deriveEnvironmentState', () => {
  it('is active without finished check-ins, ok after an ok one, with the next slot', () => {
    expect(deriveEnvironmentState(config(), [], T0).status).toBe('active');
    const running = deriveEnvironmentState(config(), hourly('in_progress'), T0 + MIN);
    expect(running.status).toBe('active');
    const state = deriveEnvironmentState(config(), hourly('ok'), T0 + MIN);
    expect(state).toEqual({
      status: 'ok',
      lastCheckInMs: T0,
      nextCheckInMs: T0 + HOUR,
      nextCheckInLatestMs: T0 + HOUR + MIN,
    });
  });

  it('fails after failure_issue_threshold consecutive failures and recovers after recovery_threshold oks', () => {
    const c = config({ failure_issue_threshold: 2, recovery_threshold: 2 });
    expect(deriveEnvironmentState(c, hourly('ok', 'error'), T0 + MIN).status).toBe('ok');
    expect(deriveEnvironmentState(c, hourly('ok', 'error', 'error'), T0 + MIN).status).toBe('error');
    expect(deriveEnvironmentState(c, hourly('error', 'error', 'ok'), T0 + MIN).status).toBe('error');
    expect(deriveEnvironmentState(c, hourly('error', 'error', 'ok', 'ok'), T0 + MIN).status).toBe('ok');
  });

  it('counts missed slots once their margin has passed', () => {
    const state = deriveEnvironmentState(config(), hourly('ok'), T0 + HOUR + 2 * MIN);
    expect(state.status).toBe('error');
    expect(state.nextCheckInMs).toBe(T0 + 2 * HOUR);
    expect(
      deriveEnvironmentState(config({ checkin_margin: 5 }), hourly('ok'), T0 + HOUR + 2 * MIN).status,
    ).toBe('ok');
  });

  it('counts timed-out runs as failures', () => {
    const state = deriveEnvironmentState(
      config({ max_runtime: 10 }),
      hourly('ok', 'in_progress'),
      T0 + 20 * MIN,
    );
    expect(state.status).toBe('error');
  });

  it('sizes the window from the thresholds', () => {
    expect(statusWindow(config())).toBe(4);
    expect(statusWindow(config({ failure_issue_threshold: 3, recovery_threshold: 5 }))).toBe(16);
  });
});
