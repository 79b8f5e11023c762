/**
 * Escalation forecasts (Sentry `src/sentry/issues/escalating/escalating_issues_alg.py`
 * `generate_issue_forecast` with its `standard_version` thresholds, fed as
 * `src/sentry/issues/escalating/forecasts.py` `generate_and_save_forecasts` feeds it: the issue's
 * events per clock hour over the last 7 days, hours without events left out). The forecast is 14
 * daily ceilings of the issue's hourly event count; an issue archived until escalating escalates
 * when an hour's events exceed the day's ceiling (storage/metadata/group-escalation.ts). An issue
 * without events in those 7 days gets no forecast (it keeps the one it had; without one the check
 * uses Sentry's `ONE_EVENT_FORECAST`, 10).
 *
 * The formula: with fewer than 168 hourly counts (a young or sparse issue) every ceiling is ten
 * times the largest count. Otherwise, with mean `m`, sample standard deviation `s`, largest count
 * `x` and `cv = s / m`, a bursty ceiling `x * clamp(5 * e^(-0.65 * cv), 2, 5)` and a spike
 * ceiling `w + clamp((m + 5s) / m, 5, 8) * m`, where `w` is the mean of the counts weighting those
 * of the forecast day's weekday twice; each day's ceiling is the larger, truncated to an integer.
 *
 * Also here: the escalation check's readers of ClickHouse and its request for missing forecasts
 * (wired into ingestion by app.ts).
 */
import type { Logger } from 'pino';
import type { ClickHouseStore, HourlyCount } from '../../storage/clickhouse/index.js';
import { groupHourlyCounts } from '../../storage/clickhouse/index.js';
import { queryLifetimeStats } from '../../storage/clickhouse/group-stats.js';
import {
  refreshForecasts,
  type ArchivedGroupRef,
  type FirstSeenReader,
  type HourlyEventCounter,
  type MetadataStore,
} from '../../storage/metadata/index.js';

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
 * hours (one ClickHouse query), by group id; issues without events in that time are absent (Sentry
 * saves no forecast for them). Rejects when ClickHouse does.
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
  return new Map([...hourly].map(([groupId, hours]) => [groupId, generateIssueForecast(hours, now)]));
}

/**
 * `read`, or an empty map when it rejects (the failure logged as `message`): the escalation check
 * goes on with what it knows rather than holding up ingestion.
 */
async function orNothing<V>(
  logger: Pick<Logger, 'warn'>,
  message: string,
  read: () => Promise<Map<number, V>>,
): Promise<Map<number, V>> {
  try {
    return await read();
  } catch (err) {
    logger.warn({ err }, message);
    return new Map();
  }
}

/**
 * The escalation check's count of the hour (resolveGroups' `hourlyEventCounts`): the stored
 * events of the given issues in `[since, until)`, in one query. When the query fails the
 * failure is logged and no stored events are counted (only the batch's own), so a check that
 * cannot see ClickHouse may miss an escalation until a later batch but never holds up ingestion
 * or escalates too early (Sentry's check runs in post-processing, after the event is saved).
 */
export function hourlyEventCounter(
  clickhouse: Pick<ClickHouseStore, 'client'>,
  logger: Pick<Logger, 'warn'>,
): HourlyEventCounter {
  return (groups, since, until) =>
    orNothing(logger, 'escalation check without the stored events of the hour', async () => {
      const hourly = await groupHourlyCounts(clickhouse, {
        projectIds: groups.map((g) => g.projectId),
        groupIds: groups.map((g) => g.groupId),
        start: since,
        end: until,
      });
      return new Map(
        [...hourly].map(([groupId, hours]) => [groupId, hours.reduce((a, h) => a + h.count, 0)]),
      );
    });
}

/**
 * The escalation check's first-seen times (resolveGroups' `firstSeen`): each issue's earliest
 * event time from ClickHouse's lifetime aggregates (`group_stats`, Sentry's `Group.first_seen`),
 * in one query. When it fails the failure is logged and the check takes the issues' creation
 * times, which are never earlier (so it skips rather than checks an issue it cannot date).
 */
export function firstSeenReader(
  clickhouse: Pick<ClickHouseStore, 'client'>,
  logger: Pick<Logger, 'warn'>,
): FirstSeenReader {
  return (groups) =>
    orNothing(logger, 'escalation check without first-seen times', async () => {
      const stats = await queryLifetimeStats(clickhouse, {
        projectIds: [...new Set(groups.map((g) => g.projectId))],
        groupIds: groups.map((g) => g.groupId),
      });
      return new Map([...stats].map(([groupId, s]) => [groupId, s.firstSeen]));
    });
}

/**
 * The escalation check's request for missing forecasts (resolveGroups' `forecastMissing`, Sentry's
 * `generate_and_save_missing_forecasts`): forecasts the issues from their stored events of the
 * last week and stores those that got one. A failure is logged, never thrown: the issue keeps the
 * default ceiling and is asked for again at its next check.
 */
export function missingForecastMaker(
  metadata: MetadataStore,
  clickhouse: Pick<ClickHouseStore, 'client'>,
  logger: Pick<Logger, 'warn'>,
): (groups: readonly ArchivedGroupRef[]) => Promise<void> {
  return async (groups) => {
    try {
      const now = metadata.now();
      const forecasts = await forecastIssues(
        clickhouse,
        groups.map((g) => ({ id: g.groupId, project_id: g.projectId })),
        now,
      );
      await refreshForecasts(metadata, forecasts, now);
    } catch (err) {
      logger.warn({ err }, 'could not make the missing escalation forecasts');
    }
  };
}
