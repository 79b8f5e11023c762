/**
 * The computed sort scores of the issue stream, as ClickHouse aggregate expressions over the
 * search window's events of one issue (`sentry: src/sentry/search/snuba/executors.py`,
 * reference/sentry-semantics.md §2.4): `trends` (`trends_aggregation_impl` v2), `recommended`
 * (`_recommended_aggregation`) and the older `priority`. Each is evaluated per issue by the
 * events plan of `group-search.ts` and sorted descending. Only numbers computed here and the
 * bound `vigil_now_ms` enter the SQL.
 */

/** Sort keys answered by a computed score. */
export type ScoreSort = 'trends' | 'recommended' | 'priority';

/** Distinct users of an issue's events (Sentry's `uniq(tags[sentry:user])`, empty values left out). */
export const USER_COUNT = "uniqIf(user, user != '')";

/** The search window and "now" of a score (now: the request time, Sentry's `now()`). */
export interface ScoreWindow {
  start: Date;
  end: Date;
  now: Date;
}

/** Sentry's trends weights (`DEFAULT_TRENDS_WEIGHTS`) and fixed parameters (`trends_aggregation`). */
const TRENDS = {
  logLevelWeight: 0,
  stacktraceWeight: 0,
  eventAgeWeight: 1,
  relativeVolumeWeight: 1,
  maxRelativeVolumeWeight: 10,
  eventHalflifeHours: 4,
  issueHalflifeHours: 12,
  issueAgeWeight: 1,
  maxPow: 16,
  minScore: 0.01,
} as const;

/**
 * The default weights of the recommended score (Sentry's options `snuba.search.recommended.*`:
 * recency, spike, severity and event volume 0.20, user impact 0.05). The option's group-type
 * boost names issue-platform types only (7001), which error issues never have; the message
 * penalty's option defaults to off.
 */
const RECOMMENDED = {
  recencyWeight: 0.2,
  spikeWeight: 0.2,
  severityWeight: 0.2,
  userImpactWeight: 0.05,
  eventVolumeWeight: 0.2,
} as const;

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 86_400;

/** Seconds from an event's `timestamp` to now; binds `vigil_now_ms`. */
function ageSeconds(params: Record<string, unknown>, now: Date): string {
  params.vigil_now_ms = now.getTime();
  return '((toInt64({vigil_now_ms:Int64}) - toUnixTimestamp64Milli(timestamp)) / 1000)';
}

/**
 * The score expression of `sort`, or undefined for the sorts that read a plain aggregate
 * (`date`, `new`, `freq`, `user`). May bind `vigil_now_ms` in `params`.
 */
export function sortScore(
  sort: string,
  window: ScoreWindow,
  params: Record<string, unknown>,
): string | undefined {
  switch (sort) {
    case 'trends':
      return trendsScore(window, params);
    case 'recommended':
      return recommendedScore(window, params);
    case 'priority':
      // `toUInt64(log(times_seen) * 600) + last_seen` in seconds.
      return 'toUInt64(log(count()) * 600 + toUnixTimestamp(max(timestamp)))';
    default:
      return undefined;
  }
}

/**
 * Sentry's trends score (`trends_aggregation_impl`, v2, not normalized): a decayed event score
 * (log of the summed per-event ranks halving every 4 hours), an issue-age score halving every
 * 12 hours since its first event in the window, and the relative volume (events of the last
 * hour over the last 7 days, or 1% of a shorter window over the window).
 */
function trendsScore(window: ScoreWindow, params: Record<string, unknown>): string {
  const age = ageSeconds(params, window.now);
  const issueAgeHours =
    '((toInt64({vigil_now_ms:Int64}) - toUnixTimestamp64Milli(min(timestamp))) / 3600000)';
  const t = TRENDS;
  // Terms of weight 0 are left out, so the score reads only `timestamp` (the projection's columns).
  const levelScore = "multiIf(level = 'fatal', 1.0, level = 'error', 0.66, level = 'warning', 0.33, 0.0)";
  const stackScore = 'if(notEmpty(exception_types), 1.0, 0.0)';
  const terms = [
    ...(t.logLevelWeight > 0 ? [`${levelScore} * ${t.logLevelWeight}`] : []),
    ...(t.stacktraceWeight > 0 ? [`${stackScore} * ${t.stacktraceWeight}`] : []),
    String(t.eventAgeWeight),
  ];
  const rank = `((${terms.join(' + ')}) / ${t.logLevelWeight + t.stacktraceWeight + t.eventAgeWeight})`;
  const eventScore = `log(1 + sum(${rank} / pow(2, ${age} / 3600 / ${t.eventHalflifeHours})))`;
  const issueScore = `greatest(${t.minScore}, ${t.issueAgeWeight} / pow(2, least(${t.maxPow}, ${issueAgeHours} / ${t.issueHalflifeHours})))`;
  const periodSeconds = Math.floor((window.end.getTime() - window.start.getTime()) / 1000);
  const overall = periodSeconds >= 7 * DAY_SECONDS ? 7 * DAY_SECONDS : periodSeconds;
  const recent = periodSeconds >= 7 * DAY_SECONDS ? HOUR_SECONDS : Math.floor(overall * 0.01);
  const relative = `(countIf(${age} <= ${recent}) / (countIf(${age} <= ${overall}) + 1))`;
  const weight = Math.min(t.relativeVolumeWeight, t.maxRelativeVolumeWeight);
  const scaledRelative = `(${weight} * ${relative} / ${t.maxRelativeVolumeWeight})`;
  return `(${issueScore} * greatest(${t.minScore}, ${eventScore}) * greatest(${t.minScore}, ${scaledRelative}))`;
}

/**
 * Sentry's recommended score (`_recommended_aggregation`): a weighted sum of recency (halving
 * every 24 hours since the last event), spike (events of the last 6 hours over those of the
 * last 3 days, capped at 1), severity (the worst level: fatal 1, error 0.75, warning 0.5,
 * info 0.25, else 0), user impact (`ln(users + 1) / ln(1001)`, capped at 1) and event volume
 * (`ln(count + 1) / ln(10001)`, capped at 1).
 */
function recommendedScore(window: ScoreWindow, params: Record<string, unknown>): string {
  const age = ageSeconds(params, window.now);
  const w = RECOMMENDED;
  const lastAgeHours = '((toInt64({vigil_now_ms:Int64}) - toUnixTimestamp64Milli(max(timestamp))) / 3600000)';
  const recency = `(1 / pow(2, ${lastAgeHours} / 24))`;
  const spike = `least(1.0, countIf(${age} <= ${6 * HOUR_SECONDS}) / (countIf(${age} <= ${3 * DAY_SECONDS}) + 1))`;
  const severity =
    "max(multiIf(level = 'fatal', 1.0, level = 'error', 0.75, level = 'warning', 0.5, level = 'info', 0.25, 0.0))";
  const userImpact = `least(1.0, log(${USER_COUNT} + 1) / log(1001))`;
  const volume = 'least(1.0, log(count() + 1) / log(10001))';
  const terms: Array<[number, string]> = [
    [w.recencyWeight, recency],
    [w.spikeWeight, spike],
    [w.severityWeight, severity],
    [w.userImpactWeight, userImpact],
    [w.eventVolumeWeight, volume],
  ];
  return `(${terms
    .filter(([weight]) => weight > 0)
    .map(([weight, factor]) => `${weight} * ${factor}`)
    .join(' + ')})`;
}
