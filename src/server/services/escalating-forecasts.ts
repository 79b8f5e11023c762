/**
 * Escalation forecasts (Sentry `src/sentry/issues/escalating/escalating_issues_alg.py`
 * `generate_issue_forecast` with its `standard_version` thresholds, fed as
 * `src/sentry/issues/escalating/forecasts.py` `generate_and_save_forecasts` feeds it: the issue's
 * events per clock hour over the last 7 days, hours without events left out). The forecast is 14
 * daily ceilings of the issue's hourly event count; an issue archived until escalating escalates
 * when an hour's events exceed the day's ceiling (storage/metadata/group-escalation.ts). An issue
 * without events in those 7 days gets the default ceiling of 10 (Sentry's `ONE_EVENT_FORECAST`,
 * what it uses without a forecast).
 *
 * The formula: with fewer than 168 hourly counts (a young or sparse issue) every ceiling is ten
 * times the largest count. Otherwise, with mean `m`, sample standard deviation `s`, largest count
 * `x` and `cv = s / m`, a bursty ceiling `x * clamp(5 * e^(-0.65 * cv), 2, 5)` and a spike
 * ceiling `w + clamp((m + 5s) / m, 5, 8) * m`, where `w` is the mean of the counts weighting those
 * of the forecast day's weekday twice; each day's ceiling is the larger, truncated to an integer.
 */
import type { Logger } from 'pino';
import type { ClickHouseStore, HourlyCount } from '../../storage/clickhouse/index.js';
import { groupHourlyCounts } from '../../storage/clickhouse/index.js';
import { ONE_EVENT_FORECAST_VALUE, type HourlyEventCounter } from '../../storage/metadata/index.js';

/** Days a forecast covers (Sentry's 14 `output_dates`). */
export const FORECAST_DAYS = 14;

/** Hours of history a forecast is made from (Sentry's `BUCKETS_PER_GROUP`, 7 × 24). */
export const FORECAST_HISTORY_HOURS = 7 * 24;

/** Sentry's `ThresholdVariables` (`standard_version`). */
const THRESHOLDS = {
  stdMultiplier: 5,
  minSpikeMultiplier: 5,
  maxSpikeMultiplier: 8,
  minBurstyMultiplier: 2,
  maxBurstyMultiplier: 5,
} as const;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const clamp = (value: number, min: number, max: number): number => Math.min(Math.max(min, value), max);

/**
 * Sentry's `generate_issue_forecast`: the ceilings of the 14 days from `start` (UTC days) given an
 * issue's hourly counts (see the module comment); `[]` without counts.
 */
export function generateIssueForecast(hours: readonly HourlyCount[], start: Date): number[] {
  if (hours.length === 0) return [];
  const counts = hours.map((h) => h.count);
  const max = Math.max(...counts);
  if (counts.length < FORECAST_HISTORY_HOURS) return new Array<number>(FORECAST_DAYS).fill(max * 10);

  const n = counts.length;
  const sum = counts.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  // The sample variance from integer sums, exact until the one division (as Python's
  // `statistics.stdev` computes it from exact fractions).
  const squares = counts.reduce((a, b) => a + b * b, 0);
  const stdDev = Math.sqrt((n * squares - sum * sum) / (n * (n - 1)));
  const cv = stdDev / mean;
  const bursty =
    max * clamp(5 * Math.exp(-0.65 * cv), THRESHOLDS.minBurstyMultiplier, THRESHOLDS.maxBurstyMultiplier);
  const spikeMultiplier = clamp(
    (mean + THRESHOLDS.stdMultiplier * stdDev) / mean,
    THRESHOLDS.minSpikeMultiplier,
    THRESHOLDS.maxSpikeMultiplier,
  );
  const baseline = spikeMultiplier * mean;
  const forecast: number[] = [];
  for (let day = 0; day < FORECAST_DAYS; day++) {
    const weekday = new Date(start.getTime() + day * DAY_MS).getUTCDay();
    let weighted = 0;
    let weights = 0;
    for (const h of hours) {
      const weight = h.hour.getUTCDay() === weekday ? 2 : 1;
      weighted += h.count * weight;
      weights += weight;
    }
    forecast.push(Math.trunc(Math.max(bursty, weighted / weights + baseline)));
  }
  return forecast;
}

/**
 * The forecasts of `groups` at `now` from their events of the last {@link FORECAST_HISTORY_HOURS}
 * hours (one ClickHouse query), by group id; an issue without events in that time gets the
 * default ceiling every day (what Sentry falls back to without a forecast). Rejects when
 * ClickHouse does.
 */
export async function forecastIssues(
  clickhouse: Pick<ClickHouseStore, 'client'>,
  groups: ReadonlyArray<{ id: number; project_id: number }>,
  now: Date,
): Promise<Map<number, number[]>> {
  const hourly = await groupHourlyCounts(clickhouse, {
    projectIds: groups.map((g) => g.project_id),
    groupIds: groups.map((g) => g.id),
    start: new Date(now.getTime() - FORECAST_HISTORY_HOURS * HOUR_MS),
    end: now,
  });
  const fallback = new Array<number>(FORECAST_DAYS).fill(ONE_EVENT_FORECAST_VALUE);
  return new Map(
    groups.map((g) => {
      const hours = hourly.get(g.id);
      return [g.id, hours === undefined ? fallback : generateIssueForecast(hours, now)];
    }),
  );
}

/**
 * The escalation check's view of ClickHouse (resolveGroups' `hourlyEventCounts`): the stored
 * events of the given issues since the start of the hour, in one query. When the query fails the
 * failure is logged and no stored events are counted (only the batch's own), so a check that
 * cannot see ClickHouse may miss an escalation until a later batch but never holds up ingestion
 * or escalates too early (Sentry's check runs in post-processing, after the event is saved).
 */
export function hourlyEventCounter(
  clickhouse: Pick<ClickHouseStore, 'client'>,
  logger: Pick<Logger, 'warn'>,
): HourlyEventCounter {
  return async (groups, since) => {
    try {
      const hourly = await groupHourlyCounts(clickhouse, {
        projectIds: groups.map((g) => g.projectId),
        groupIds: groups.map((g) => g.groupId),
        start: since,
      });
      return new Map(
        [...hourly].map(([groupId, hours]) => [groupId, hours.reduce((a, h) => a + h.count, 0)]),
      );
    } catch (err) {
      logger.warn({ err }, 'escalation check without the stored events of the hour');
      return new Map();
    }
  };
}
