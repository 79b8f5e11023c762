/**
 * Client reports (reference/relay-protocol.md §7.3): the `client_report` items of one envelope
 * become outcomes, as Relay's `process_client_reports`
 * (`relay-server/src/services/processor/report.rs`, schema in
 * `relay-event-schema/src/protocol/client_report.rs`) does:
 *
 * - a report is `{"timestamp"?, "discarded_events": [...], "rate_limited_events"?,
 *   "filtered_events"?, "filtered_sampling_events"?}`; entries are `{reason, category, quantity}`
 *   or `[reason, category, quantity]`. A report that does not match the schema (not JSON, no
 *   `discarded_events`, a bad entry or timestamp) is dropped whole and silently: client reports
 *   carry no data category, so Relay has nothing to count an outcome in;
 * - every report of the envelope is merged: entries are summed per (list, reason, category);
 *   reasons longer than 200 bytes and unknown categories are skipped;
 * - the first report's `timestamp` wins (else the receive time), corrected by the envelope's
 *   clock drift (≥ 55 min) and truncated to whole seconds; reports older than the retention or
 *   more than 60 s in the future yield nothing;
 * - `discarded_events` → `client_discard` with the SDK's reason; `filtered_events` → `filtered`;
 *   `filtered_sampling_events` → `filtered` with a `Sampled:<rule ids>` reason (others are
 *   skipped); `rate_limited_events` → `rate_limited` (an empty reason becomes `null`).
 *
 * Pure: no I/O.
 */
import { parseDataCategory, type DataCategory } from '../../../protocol/data-category.js';
import { isJsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';
import type { OutcomeType, UnscopedOutcome } from '../../../protocol/outcome.js';
import { DEFAULT_MAX_SECS_IN_FUTURE, envelopeClockDrift, parseTimestamp } from '../../normalize/index.js';

/** The lists of a client report, in Relay's order of merging. */
const FIELDS = [
  'discarded_events',
  'filtered_events',
  'filtered_sampling_events',
  'rate_limited_events',
] as const;

/** A list of a client report (`discarded_events`, `rate_limited_events`, ...). */
export type ClientReportField = (typeof FIELDS)[number];

/** One counter of a client report: `quantity` items of `category` dropped for `reason`. */
export interface DiscardedEvent {
  reason: string;
  /** The category's wire name as sent (unknown names are kept here and skipped later). */
  category: string;
  quantity: number;
}

/** A parsed client report. */
export interface ClientReport {
  /** When the SDK made the report, Unix seconds; absent when not sent (or `null`). */
  timestamp?: number;
  lists: Record<ClientReportField, DiscardedEvent[]>;
}

/** Relay ignores client outcomes whose reason is longer than this many bytes. */
export const MAX_CLIENT_REPORT_REASON_BYTES = 200;

/** Default event retention in days (`DEFAULT_EVENT_RETENTION`): older reports are skipped. */
export const DEFAULT_CLIENT_REPORT_RETENTION_DAYS = 90;

function parseEntry(value: JsonValue): DiscardedEvent | undefined {
  let reason: JsonValue | undefined;
  let category: JsonValue | undefined;
  let quantity: JsonValue | undefined;
  if (Array.isArray(value)) {
    // serde reads a struct from a sequence by position: exactly three elements.
    if (value.length !== 3) return undefined;
    [reason, category, quantity] = value;
  } else if (isJsonObject(value)) {
    ({ reason, category, quantity } = value);
  } else {
    return undefined;
  }
  if (typeof reason !== 'string' || typeof category !== 'string') return undefined;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 0) return undefined;
  return { reason, category, quantity };
}

function parseList(value: JsonValue | undefined, required: boolean): DiscardedEvent[] | undefined {
  if (value === undefined) return required ? undefined : [];
  if (!Array.isArray(value)) return undefined;
  const entries: DiscardedEvent[] = [];
  for (const raw of value) {
    const entry = parseEntry(raw);
    if (entry === undefined) return undefined;
    entries.push(entry);
  }
  return entries;
}

/**
 * Parses one `client_report` payload against Relay's schema; `undefined` when it does not match
 * (the whole report is then ignored). Never throws.
 */
export function parseClientReport(payload: Buffer): ClientReport | undefined {
  let root: unknown;
  try {
    root = parseJsonText(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(root)) return undefined;
  const lists = {} as Record<ClientReportField, DiscardedEvent[]>;
  for (const field of FIELDS) {
    const list = parseList(root[field], field === 'discarded_events');
    if (list === undefined) return undefined;
    lists[field] = list;
  }
  const report: ClientReport = { lists };
  if (root.timestamp !== undefined && root.timestamp !== null) {
    const timestamp = parseTimestamp(root.timestamp);
    if (timestamp === undefined || timestamp < 0) return undefined;
    report.timestamp = timestamp;
  }
  return report;
}

/** The envelope and project facts the outcomes depend on. */
export interface ClientReportContext {
  /** When the envelope arrived, Unix seconds. */
  receivedAt: number;
  /** The envelope's `sent_at` header, for clock-drift correction. */
  sentAt?: unknown;
  /** Event retention of the project in days; default {@link DEFAULT_CLIENT_REPORT_RETENTION_DAYS}. */
  retentionDays?: number;
  /** Seconds a report may lie in the future; default 60 (`max_secs_in_future`). */
  maxSecsInFuture?: number;
}

const SAMPLED_REASON = /^Sampled:\d+(,\d+)*$/u;

/** Relay's `outcome_from_parts`: the outcome a list entry becomes, or `undefined` to skip it. */
function outcomeOf(field: ClientReportField, reason: string): [OutcomeType, string | null] | undefined {
  switch (field) {
    case 'discarded_events':
      return ['client_discard', reason];
    case 'filtered_events':
      return ['filtered', reason];
    case 'filtered_sampling_events':
      return SAMPLED_REASON.test(reason) ? ['filtered', reason] : undefined;
    case 'rate_limited_events':
      return ['rate_limited', reason === '' ? null : reason];
  }
}

/**
 * The outcomes of all `client_report` payloads of one envelope (see the module comment), one
 * per (outcome, reason, category) with summed quantities, each stamped with the report time; the
 * handler adds the envelope's scoping. Malformed reports contribute nothing; never throws.
 */
export function clientReportOutcomes(
  payloads: readonly Buffer[],
  ctx: ClientReportContext,
): UnscopedOutcome[] {
  let timestamp: number | undefined;
  const sums = new Map<
    string,
    { outcome: OutcomeType; reason: string | null; category: DataCategory; quantity: number }
  >();
  for (const payload of payloads) {
    const report = parseClientReport(payload);
    if (report === undefined) continue;
    for (const field of FIELDS) {
      for (const entry of report.lists[field]) {
        if (Buffer.byteLength(entry.reason, 'utf8') > MAX_CLIENT_REPORT_REASON_BYTES) continue;
        const outcome = outcomeOf(field, entry.reason);
        const category = parseDataCategory(entry.category);
        if (outcome === undefined || category === 'unknown') continue;
        const key = JSON.stringify([outcome[0], outcome[1], category]);
        const sum = sums.get(key);
        if (sum) sum.quantity += entry.quantity;
        else sums.set(key, { outcome: outcome[0], reason: outcome[1], category, quantity: entry.quantity });
      }
    }
    timestamp ??= report.timestamp;
  }
  if (sums.size === 0) return [];
  const reportedAt = Math.floor(
    (timestamp ?? ctx.receivedAt) + envelopeClockDrift(ctx.sentAt, ctx.receivedAt),
  );
  const maxAge = (ctx.retentionDays ?? DEFAULT_CLIENT_REPORT_RETENTION_DAYS) * 86_400;
  if (ctx.receivedAt - reportedAt > maxAge) return [];
  if (reportedAt - ctx.receivedAt > (ctx.maxSecsInFuture ?? DEFAULT_MAX_SECS_IN_FUTURE)) return [];
  return [...sums.values()].map((sum) => ({ ...sum, timestamp: reportedAt }));
}
