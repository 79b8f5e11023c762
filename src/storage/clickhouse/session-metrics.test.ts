import { describe, expect, it } from 'vitest';
import {
  isoSeconds,
  layoutSessionsResult,
  sessionFieldValue,
  sessionsLayoutProblem,
  type SessionCounts,
} from './session-metrics.js';

const counts = (over: Partial<SessionCounts> = {}): SessionCounts => ({
  sessions: 0,
  crashed: 0,
  abnormal: 0,
  unhandled: 0,
  erroredAll: 0,
  users: 0,
  crashedUsers: 0,
  abnormalUsers: 0,
  unhandledUsers: 0,
  erroredUsers: 0,
  durationAvg: null,
  durationQuantiles: [null, null, null, null, null],
  durationMax: null,
  ...over,
});

describe('sessionFieldValue (sentry-semantics §6.2)', () => {
  const c = counts({
    sessions: 100,
    crashed: 3,
    abnormal: 2,
    unhandled: 1,
    erroredAll: 10,
    users: 40,
    crashedUsers: 2,
    abnormalUsers: 1,
    unhandledUsers: 1,
    erroredUsers: 6,
    durationAvg: 1.5,
    durationQuantiles: [1, 2, 3, 4, 5],
    durationMax: 9,
  });

  it.each<[Parameters<typeof sessionFieldValue>[0], Parameters<typeof sessionFieldValue>[2], number | null]>([
    ['sum(session)', undefined, 100],
    ['sum(session)', ['healthy'], 90],
    ['sum(session)', ['errored'], 4],
    ['sum(session)', ['crashed', 'abnormal'], 5],
    ['count_unique(user)', undefined, 40],
    ['count_unique(user)', ['healthy'], 34],
    ['count_unique(user)', ['errored'], 2],
    ['crash_rate(session)', undefined, 0.03],
    ['crash_free_rate(session)', undefined, 0.97],
    ['crash_rate(user)', undefined, 0.05],
    ['crash_free_rate(user)', undefined, 0.95],
    ['avg(session.duration)', undefined, 1500],
    ['p75(session.duration)', undefined, 2000],
    ['p99(session.duration)', undefined, 5000],
    ['max(session.duration)', ['healthy'], 9000],
    ['max(session.duration)', ['crashed'], null],
  ])('%s with statuses %j = %s', (field, statuses, expected) => {
    expect(sessionFieldValue(field, c, statuses)).toBe(expected);
  });

  it('rates are null without sessions or users; counts default to 0', () => {
    expect(sessionFieldValue('crash_free_rate(session)', counts())).toBeNull();
    expect(sessionFieldValue('crash_free_rate(user)', counts({ sessions: 3 }))).toBeNull();
    expect(sessionFieldValue('sum(session)', undefined)).toBe(0);
    expect(sessionFieldValue('crash_rate(user)', undefined)).toBeNull();
  });

  it('errored and healthy never go negative', () => {
    const odd = counts({ sessions: 1, crashed: 2, erroredAll: 2 });
    expect(sessionFieldValue('sum(session)', odd, ['healthy'])).toBe(0);
    expect(sessionFieldValue('sum(session)', odd, ['errored'])).toBe(0);
  });
});

describe('sessionsLayoutProblem', () => {
  it.each<[Parameters<typeof sessionsLayoutProblem>[0], string | undefined]>([
    [{ fields: [], groupBy: [] }, 'Request is missing a "field"'],
    [{ fields: ['sum(session)'], groupBy: ['session.status'] }, undefined],
    [
      { fields: ['crash_free_rate(user)'], groupBy: ['release', 'session.status'] },
      'Cannot group field crash_free_rate(user) by session.status',
    ],
    [
      { fields: ['crash_rate(session)'], groupBy: [], statusFilter: ['crashed'] },
      'Cannot filter field crash_rate(session) by session.status',
    ],
    [
      { fields: ['count_unique(user)'], groupBy: [], statusFilter: ['crashed', 'errored'] },
      'Cannot filter count_unique by multiple session.status unless it is in groupBy',
    ],
    [
      { fields: ['sum(session)'], groupBy: [], orderBy: { field: 'count_unique(user)', direction: 'desc' } },
      "'orderBy' must be one of the provided 'fields'",
    ],
    [
      {
        fields: ['sum(session)'],
        groupBy: ['session.status'],
        orderBy: { field: 'sum(session)', direction: 'desc' },
      },
      "Cannot use 'orderBy' when grouping by sessions.status",
    ],
  ])('%j → %s', (layout, expected) => {
    expect(sessionsLayoutProblem(layout)).toBe(expected);
  });
});

describe('layoutSessionsResult', () => {
  const range = { start: 1_714_114_800, end: 1_714_122_000, intervals: [1_714_114_800, 1_714_118_400] };

  it('grouping by session.status alone without data gives every status with defaults', () => {
    const result = layoutSessionsResult(
      { fields: ['sum(session)'], groupBy: ['session.status'], limit: 100 },
      range,
      [],
    );
    expect(result).toEqual({
      start: '2024-04-26T07:00:00Z',
      end: '2024-04-26T09:00:00Z',
      intervals: ['2024-04-26T07:00:00Z', '2024-04-26T08:00:00Z'],
      groups: ['abnormal', 'crashed', 'errored', 'healthy', 'unhandled'].map((s) => ({
        by: { 'session.status': s },
        totals: { 'sum(session)': 0 },
        series: { 'sum(session)': [0, 0] },
      })),
    });
  });

  it('no intervals, no groups', () => {
    const result = layoutSessionsResult(
      { fields: ['sum(session)'], groupBy: [], limit: 1 },
      { start: 0, end: 0, intervals: [] },
      [],
    );
    expect(result.groups).toEqual([]);
  });

  it('fills missing buckets with defaults and keeps key order project, release, environment', () => {
    const totals = counts({ sessions: 2, crashed: 1, erroredAll: 1, users: 1 });
    const result = layoutSessionsResult(
      {
        fields: ['sum(session)', 'crash_free_rate(session)'],
        groupBy: ['environment', 'project', 'release'],
        limit: 10,
      },
      range,
      [
        {
          key: { project: 3, release: 'r', environment: 'e' },
          totals,
          buckets: new Map([[range.intervals[1]!, totals]]),
        },
      ],
    );
    expect(Object.keys(result.groups[0]!.by)).toEqual(['project', 'release', 'environment']);
    expect(result.groups[0]!.series).toEqual({
      'sum(session)': [0, 2],
      'crash_free_rate(session)': [null, 0.5],
    });
  });

  it('isoSeconds drops milliseconds', () => {
    expect(isoSeconds(1_714_114_800.9)).toBe('2024-04-26T07:00:00Z');
  });
});
