/**
 * Data categories: what quotas, rate limits and outcomes count.
 * Names and numeric ids follow Relay's `relay-base-schema/src/data_category.rs`
 * (reference/relay-protocol.md §6.2). Names are used on the wire (headers, JSON),
 * ids in stored outcomes.
 */
export const DATA_CATEGORIES = {
  default: 0,
  error: 1,
  transaction: 2,
  security: 3,
  attachment: 4,
  session: 5,
  profile: 6,
  replay: 7,
  transaction_processed: 8,
  transaction_indexed: 9,
  monitor: 10,
  profile_indexed: 11,
  span: 12,
  monitor_seat: 13,
  feedback: 14,
  metric_bucket: 15,
  span_indexed: 16,
  profile_duration: 17,
  profile_chunk: 18,
  metric_second: 19,
  replay_video: 20,
  uptime: 21,
  attachment_item: 22,
  log_item: 23,
  log_byte: 24,
  profile_duration_ui: 25,
  profile_chunk_ui: 26,
  trace_metric: 33,
  profile_backend: 35,
  profile_ui: 36,
  unknown: -1,
} as const;

/** A data category name, e.g. `error`, `attachment`, `log_byte`. */
export type DataCategory = keyof typeof DATA_CATEGORIES;

/** Parses a wire name into a category; unknown names map to `unknown` (as Relay does). */
export function parseDataCategory(name: string): DataCategory {
  if (name === 'user_report_v2') return 'feedback';
  return Object.prototype.hasOwnProperty.call(DATA_CATEGORIES, name) ? (name as DataCategory) : 'unknown';
}
