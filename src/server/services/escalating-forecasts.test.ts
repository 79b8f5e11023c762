// Sentry's own cases for `generate_issue_forecast`
// (tests/sentry/issues/escalating/test_escalating_issues_alg.py): the same hourly counts give the
// same 14 ceilings.
import { describe, expect, it } from 'vitest';
import {
  FORECAST_DAYS,
  firstSeenReader,
  generateIssueForecast,
  hourlyEventCounter,
} from './escalating-forecasts.js';

const START = new Date('2022-07-27T00:00:00Z');

/** `counts` as consecutive hours from `first`. */
function hourly(first: string, counts: readonly number[]) {
  const from = Date.parse(first);
  return counts.map((count, i) => ({ hour: new Date(from + i * 3_600_000), count }));
}

const SEVEN_DAYS = '2022-07-20T00:00:00Z';
const SIX_DAYS = '2022-07-21T00:00:00Z';

const SPIKE = [
  74, 532, 670, 631, 552, 429, 463, 489, 540, 599, 536, 533, 521, 1374, 970, 756, 947, 990, 687, 685, 627,
  789, 710, 410, 450, 599, 553, 693, 620, 357, 490, 601, 948, 1027, 506, 601, 533, 707, 879, 776, 776, 580,
  617, 716, 771, 663, 752, 301, 218, 557, 600, 457, 740, 608, 642, 749, 1189, 1390, 1335, 1389, 1033, 353,
  199, 120, 110, 130, 117, 120, 105, 174, 116, 58, 307, 168, 74, 184, 96, 86, 92, 602, 2194, 743, 116, 116,
  123, 98, 235, 145, 386, 172, 167, 130, 144, 128, 120, 125, 273, 262, 307, 246, 268, 315, 228, 225, 301, 361,
  316, 604, 296, 285, 600, 511, 506, 392, 371, 553, 464, 522, 238, 295, 263, 247, 189, 267, 422, 252, 178,
  241, 285, 456, 315, 273, 206, 219, 594, 561, 642, 585, 524, 374, 353, 322, 304, 245, 288, 164, 818, 162,
  217, 293, 463, 213, 270, 337, 322, 631, 333, 447, 1672, 689, 642, 571, 365, 414, 345, 389, 354, 314,
];

const BURSTY = [
  77, 162, 7846, 8, 4, 2, 3, 25, 4, 24, 7, 6, 3, 8, 3, 157, 168, 161, 7955, 1, 10, 19, 108, 155, 9, 1, 166,
  152, 149, 6604, 2, 6, 198, 127, 182, 4032, 1, 6, 4, 198, 120, 171, 3656, 6, 4, 1, 199, 150, 159, 7113, 1,
  10, 3, 2, 4, 2, 176, 146, 174, 8290, 6, 2, 1, 1, 9, 2, 6, 2, 2, 174, 144, 154, 7627,
];

const LESS_THAN_A_WEEK = [
  9, 1, 166, 152, 149, 6604, 2, 6, 198, 127, 182, 4032, 1, 6, 4, 198, 120, 171, 3656, 6, 4, 1, 199, 150, 159,
  7113, 1, 10, 3, 2, 4, 2, 176, 146, 174, 8290, 6, 2, 1, 1, 9, 2, 6, 2, 2, 174, 144, 154, 7627,
];

const zeros = (n: number): number[] => new Array<number>(n).fill(0);

describe('generateIssueForecast', () => {
  it('spike case: the weighted average plus the spike baseline', () => {
    expect(SPIKE).toHaveLength(168);
    expect(generateIssueForecast(hourly(SEVEN_DAYS, SPIKE), START)).toEqual(
      new Array(FORECAST_DAYS).fill(6987),
    );
  });

  it('bursty case: the largest hour times the bursty multiplier', () => {
    const counts = [...BURSTY, ...zeros(95)];
    expect(generateIssueForecast(hourly(SEVEN_DAYS, counts), START)).toEqual(new Array(14).fill(16580));
  });

  it('less than a week of hours: ten times the largest hour', () => {
    const counts = [...LESS_THAN_A_WEEK, ...zeros(95)];
    expect(counts).toHaveLength(144);
    expect(generateIssueForecast(hourly(SIX_DAYS, counts), START)).toEqual(new Array(14).fill(82900));
  });

  it('low, steady counts', () => {
    expect(generateIssueForecast(hourly(SEVEN_DAYS, new Array(168).fill(6)), START)).toEqual(
      new Array(14).fill(36),
    );
  });

  it('no counts: no forecast', () => {
    expect(generateIssueForecast([], START)).toEqual([]);
  });

  it('weighs the forecast day’s weekday twice', () => {
    // 168 hours: 70 events an hour on Wednesday (2022-07-20, the weekday of START), 60 otherwise.
    const counts = hourly(SEVEN_DAYS, new Array(168).fill(60)).map((h) => ({
      ...h,
      count: h.hour.getUTCDay() === 3 ? 70 : 60,
    }));
    const [wednesday, thursday] = generateIssueForecast(counts, START);
    expect([wednesday, thursday]).toEqual([369, 368]);
  });
});

describe('the escalation check’s ClickHouse readers', () => {
  const failing = {
    client: { query: () => Promise.reject(new Error('ClickHouse is down')) },
  } as unknown as Parameters<typeof hourlyEventCounter>[0];
  const groups = [{ groupId: 1, projectId: 1 }];

  it('counts no stored events, and says so, when ClickHouse fails', async () => {
    const warnings: unknown[] = [];
    const count = hourlyEventCounter(failing, { warn: (obj: unknown) => warnings.push(obj) });
    await expect(count(groups, new Date(0), new Date())).resolves.toEqual(new Map());
    expect(warnings).toHaveLength(1);
  });

  it('knows no first-seen times, and says so, when ClickHouse fails', async () => {
    const warnings: unknown[] = [];
    const read = firstSeenReader(failing, { warn: (obj: unknown) => warnings.push(obj) });
    await expect(read(groups)).resolves.toEqual(new Map());
    expect(warnings).toHaveLength(1);
  });
});
