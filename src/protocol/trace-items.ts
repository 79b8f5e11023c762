/**
 * Logs and trace metrics as stored: the columns of the `logs` and `trace_metrics` tables, shared
 * by the processing pipelines (which produce them) and the ClickHouse layer (which encodes and
 * reads them). Attributes are kept per value type, as Sentry's event analytics platform (EAP)
 * stores trace items (`sentry_protos` `TraceItem`, Snuba's `eap_items` attribute maps);
 * reference/relay-protocol.md §14.2, §14.4.
 */

/** Log levels of a `log` container entry (Relay's `OurLogLevel`), least severe first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The OpenTelemetry severity number of each level's first step (`SeverityNumber`: TRACE = 1,
 * DEBUG = 5, INFO = 9, WARN = 13, ERROR = 17, FATAL = 21), used when an entry names none.
 */
export const LOG_LEVEL_SEVERITY_NUMBERS: Readonly<Record<LogLevel, number>> = Object.freeze({
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  error: 17,
  fatal: 21,
});

/** Metric types of a `trace_metric` entry (Relay's `MetricType`). */
export const TRACE_METRIC_TYPES = ['counter', 'gauge', 'distribution'] as const;

/** One of {@link TRACE_METRIC_TYPES}. */
export type TraceMetricType = (typeof TRACE_METRIC_TYPES)[number];

/**
 * Attributes split by value type (EAP-style maps). `attributes_int` holds `integer` attributes
 * (exact up to 2^53, the JSON number range), `attributes_float` `double` ones, and
 * `attributes_array` homogeneous arrays as JSON text. An attribute is in exactly one map.
 */
export interface AttributeMaps {
  attributes_string: Record<string, string>;
  attributes_int: Record<string, number>;
  attributes_float: Record<string, number>;
  attributes_bool: Record<string, boolean>;
  attributes_array: Record<string, string>;
}

/** Columns shared by log and trace-metric rows; `Time` is how instants are represented. */
export interface TraceItemColumns<Time> extends AttributeMaps {
  project_id: number;
  organization_id: number;
  /** 32 lowercase hex digits (`sentry.item_id`). */
  item_id: string;
  /** When the item happened (the entry's `timestamp`). */
  timestamp: Time;
  /** When Relay received it (`sentry.observed_timestamp_nanos`). */
  observed_timestamp: Time;
  /** 32 lowercase hex digits. */
  trace_id: string;
  /** 16 lowercase hex digits, `''` when absent. */
  span_id: string;
  /** From `sentry.release`, `''` when absent. */
  release: string;
  /** From `sentry.environment`, `''` when absent. */
  environment: string;
  /** From `sentry.sdk.name`, `''` when absent. */
  sdk_name: string;
  /** From `sentry.sdk.version`, `''` when absent. */
  sdk_version: string;
  /** Relay's canonical size of the item in bytes (`calculate_size`), at least 1. */
  payload_size_bytes: number;
  /**
   * Relay-style `_meta` of the item as JSON text (`{"attributes":{"k":{"":{"err":[…]}}}}`,
   * scrubbing remarks, invalid attribute values), `''` when nothing was annotated.
   */
  meta: string;
  /** Days to keep the row. */
  retention_days: number;
}

/** A row of the `logs` table. */
export interface LogColumns<Time> extends TraceItemColumns<Time> {
  level: LogLevel;
  /** OpenTelemetry severity number, 1..24. */
  severity_number: number;
  body: string;
}

/** A row of the `trace_metrics` table. */
export interface TraceMetricColumns<Time> extends TraceItemColumns<Time> {
  name: string;
  type: TraceMetricType;
  /** The metric's unit (`millisecond`, `byte`, …), `''` when none was sent. */
  unit: string;
  value: number;
}
