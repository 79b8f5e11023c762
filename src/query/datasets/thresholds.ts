/**
 * Per-project transaction thresholds of `apdex()`, `count_miserable(user)` and `user_misery()`
 * without a satisfaction argument: Sentry's `project_threshold_config` field
 * (`_resolve_project_threshold_config` in `src/sentry/search/events/datasets/discover.py`), the
 * `(metric, threshold)` pair of each row: the row's transaction override when its project has
 * one for that transaction (`ProjectTransactionThresholdOverride`), else its project's threshold
 * (`ProjectTransactionThreshold`), else Sentry's default `('duration', 300)`. The metric says
 * which value the threshold applies to: `transaction.duration` or `measurements.lcp`
 * (`_project_threshold_multi_if_function`). Every threshold and key is a bound parameter.
 */
import type { ColumnDef, Source } from './types.js';

/** The field Sentry answers the pair as (`PROJECT_THRESHOLD_CONFIG_ALIAS`). */
export const PROJECT_THRESHOLD_CONFIG = 'project_threshold_config';

/** The functions whose selection adds {@link PROJECT_THRESHOLD_CONFIG} (`custom_threshold_columns`). */
export const CUSTOM_THRESHOLD_COLUMNS: ReadonlySet<string> = new Set([
  'apdex()',
  'count_miserable(user)',
  'user_misery()',
]);

/** Sentry's `DEFAULT_PROJECT_THRESHOLD` (milliseconds) and `DEFAULT_PROJECT_THRESHOLD_METRIC`. */
export const DEFAULT_THRESHOLD = { metric: 'duration', threshold: 300 } as const;

/** Sentry's `MAX_QUERYABLE_TRANSACTION_THRESHOLDS`. */
export const MAX_QUERYABLE_TRANSACTION_THRESHOLDS = 500;

/** What a threshold applies to (`TRANSACTION_METRICS`). */
export type TransactionMetric = 'duration' | 'lcp';

/** A threshold: the metric and its satisfaction limit in milliseconds. */
export interface TransactionThreshold {
  metric: TransactionMetric;
  threshold: number;
}

/** The thresholds configured for the request's projects. */
export interface TransactionThresholds {
  projects: ReadonlyArray<TransactionThreshold & { projectId: number }>;
  transactions: ReadonlyArray<TransactionThreshold & { projectId: number; transaction: string }>;
}

/** No thresholds configured: every row has Sentry's default. */
export const NO_THRESHOLDS: TransactionThresholds = { projects: [], transactions: [] };

const same = (a: TransactionThreshold, b: TransactionThreshold): boolean =>
  a.metric === b.metric && a.threshold === b.threshold;

/**
 * The `(metric, threshold)` column of `source` (a `Tuple(String, UInt32)`, answered as
 * `["duration", 300]`), or null when the source has no transaction name. Configs equal to what
 * would apply anyway are left out, as Sentry does.
 */
export function thresholdConfigColumn(source: Source, thresholds: TransactionThresholds): ColumnDef | null {
  const transaction = source.column('transaction');
  if (transaction === null) return null;
  const byProject = new Map<number, TransactionThreshold>();
  for (const p of thresholds.projects) if (!same(p, DEFAULT_THRESHOLD)) byProject.set(p.projectId, p);
  const overrides = thresholds.transactions.filter(
    (t) => !same(t, byProject.get(t.projectId) ?? DEFAULT_THRESHOLD),
  );
  const project = source.projectColumn;
  const pair = (metric: string, threshold: string): string => `tuple(${metric}, toUInt32(${threshold}))`;
  return {
    select: (params) => {
      // `if(index = 0, fallback, (metrics[index], limits[index]))` over the configs `index` finds.
      const pick = (fallback: string, index: string, configs: readonly TransactionThreshold[]): string => {
        const metrics = params.bind(
          'Array(String)',
          configs.map((t) => t.metric),
        );
        const limits = params.bind(
          'Array(UInt64)',
          configs.map((t) => t.threshold),
        );
        return `if(${index} = 0, ${fallback}, ${pair(`arrayElement(${metrics}, ${index})`, `arrayElement(${limits}, ${index})`)})`;
      };
      let config = pair("'duration'", String(DEFAULT_THRESHOLD.threshold));
      if (byProject.size > 0) {
        const keys = params.bind('Array(UInt64)', [...byProject.keys()]);
        config = pick(config, `indexOf(${keys}, ${project})`, [...byProject.values()]);
      }
      if (overrides.length > 0) {
        const projects = params.bind(
          'Array(UInt64)',
          overrides.map((t) => t.projectId),
        );
        const names = params.bind(
          'Array(String)',
          overrides.map((t) => t.transaction),
        );
        const index = `arrayFirstIndex((p, t) -> p = ${project} AND t = ${transaction.select(params)}, ${projects}, ${names})`;
        config = pick(config, index, overrides);
      }
      return config;
    },
    filter: null,
    type: 'string',
    unit: null,
    decode: (raw) => ({
      value: Array.isArray(raw) && raw.length === 2 ? [String(raw[0]), Number(raw[1])] : raw,
    }),
  };
}
