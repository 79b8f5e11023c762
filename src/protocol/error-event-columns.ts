/**
 * The searchable columns of one stored error event (Snuba's errors layout: typed columns
 * for what is filtered, tags and flags as parallel key/value arrays; DESIGN.md "Storage").
 * Processing extracts them (src/processing/items/errors/extract.ts) and the telemetry store
 * writes them (src/storage/clickhouse/events.ts); this is the one definition both share.
 * `Time` and `Data` are the representations each side uses for the two timestamps and the
 * event body. Strings are `''` when absent. The issue id (`group_id`) is not here: it is
 * assigned after processing, by the metadata store.
 */
export interface ErrorEventColumns<Time, Data> {
  project_id: number;
  /** Event time. */
  timestamp: Time;
  /** 32 lowercase hex digits (a UUID without dashes). */
  event_id: string;
  /** First grouping hash (32 hex). */
  primary_hash: string;
  /** Receive time. */
  received: Time;
  /** error, default, csp, ... */
  type: string;
  /** fatal, error, warning, info, debug */
  level: string;
  platform: string;
  logger: string;
  release: string;
  dist: string;
  environment: string;
  transaction: string;
  /** Search text: logentry.formatted, else `type: value` of the exceptions. */
  message: string;
  title: string;
  culprit: string;
  user_id: string;
  user_email: string;
  user_username: string;
  user_ip: string;
  /** Sentry's `sentry:user` tag value: `id:..` / `email:..` / `username:..` / `ip:..`. */
  user: string;
  sdk_name: string;
  sdk_version: string;
  /** 32 hex or `''`. */
  trace_id: string;
  /** 32 hex or `''`. */
  replay_id: string;
  exception_types: string[];
  exception_values: string[];
  /** 0 if any exception mechanism is unhandled, 1 if all handled, null when unknown. */
  handled: 0 | 1 | null;
  /** Tag keys, parallel to `tags.value`. */
  'tags.key': string[];
  'tags.value': string[];
  /** Feature flag names (contexts.flags.values[].flag), parallel to `flags.value`. */
  'flags.key': string[];
  /** Flag results stringified: true/false, numbers as text, objects as JSON. */
  'flags.value': string[];
  /** The full normalized event, with the derived tags. */
  data: Data;
  /** Days to keep the row (TTL); default 90. */
  retention_days: number;
}
