/**
 * The release-health pipeline for one `session` or `sessions` item: parse → inbound filters →
 * sequence check → clock drift → timestamp checks → attributes → status, then the rows of the
 * `sessions` table. Follows Relay's `relay-server/src/services/processor/session.rs` (validation,
 * in the same order), `relay-server/src/processing/sessions/` (the filters run on the parsed item,
 * before normalization: release, client IP, localhost `ip_address`, legacy browsers and web
 * crawlers on `user_agent`) and its legacy session producer in `relay-server/src/services/store.rs`
 * (the stored rows: `seq` 0 on `init`, `errors` at least 1 for error statuses, aggregates
 * expanded into one row per status). reference/relay-protocol.md §13.
 *
 * Sessions never produce outcomes (§13.3: Relay drops them silently): a `drop` result here
 * carries a reason for logs and tests only, and the caller records nothing.
 */
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import {
  envelopeClockDrift,
  newEventId,
  parseEventId,
  validateEnvironment,
  validateRelease,
} from '../../normalize/index.js';
import { AUTO_IP, isValidIp } from '../../normalize/ip.js';
import {
  sessionFilterable,
  shouldFilterItem,
  type FilterSettings,
  type FilterStatKey,
} from '../../filters/index.js';
import {
  ERROR_SESSION_STATUSES,
  NIL_SESSION_ID,
  SESSION_STATUSES,
  type SessionColumns,
  type SessionStatus,
} from '../../../protocol/session-columns.js';
import {
  U64_LIMIT,
  parseSessionAggregates,
  parseSessionUpdate,
  type SessionAggregateItem,
  type SessionAttributes,
  type SessionParseResult,
} from './parse.js';

/** A row of the `sessions` table as processing produces it; the three times are unix milliseconds. */
export type SessionRecord = SessionColumns<number>;

/** What the pipeline needs to know about the request and the project. */
export interface SessionItemContext {
  projectId: number;
  /** When the request arrived, unix seconds (fractional). */
  receivedAt: number;
  /** The envelope header `sent_at` (RFC 3339), for clock-drift correction. */
  sentAt?: string;
  /** The client's IP address, for `attrs.ip_address: "{{auto}}"`. */
  clientIp?: string;
  /** The SDK identifier of the request (`RequestMeta.client`), stored as `sdk`. */
  client?: string;
  /** Days to keep the rows; default {@link DEFAULT_SESSION_RETENTION_DAYS}. */
  retentionDays?: number;
  /** The project's inbound filters; without them nothing is filtered. */
  filterSettings?: FilterSettings;
}

/**
 * Why an item was dropped (logs and tests only; sessions have no outcomes): a validation reason,
 * or the stat key of the inbound filter that dropped it (with outcome `filtered`).
 */
export type SessionDropReason =
  | 'invalid_json'
  | 'invalid_session'
  | 'session_sequence_overflow'
  | 'session_too_old'
  | 'session_in_future'
  | 'invalid_release'
  | 'unknown_session_status'
  | 'no_valid_aggregates'
  | FilterStatKey;

/** Relay's `max_session_secs_in_past` default: 5 days (seconds). */
export const MAX_SESSION_SECS_IN_PAST = 5 * 24 * 3600;
/** Relay's `max_secs_in_future` default (seconds). */
export const MAX_SESSION_SECS_IN_FUTURE = 60;
/** Default row retention (days), Relay's `eventRetention` default. */
export const DEFAULT_SESSION_RETENTION_DAYS = 90;

/** Snuba's sessions table keeps `errors` in a UInt16; Relay's producer clamps to it. */
const MAX_ERRORS = 65_535;

const KNOWN_STATUSES: ReadonlySet<string> = new Set(SESSION_STATUSES);
const ERROR_STATUSES: ReadonlySet<string> = new Set(ERROR_SESSION_STATUSES);

/** The order Relay's producer expands an aggregate bucket in, with each status's `errors`. */
const AGGREGATE_STATUSES: ReadonlyArray<{
  key: keyof Omit<SessionAggregateItem, 'started' | 'did'>;
  status: SessionStatus;
  errors: 0 | 1;
}> = [
  { key: 'exited', status: 'exited', errors: 0 },
  { key: 'errored', status: 'errored', errors: 1 },
  { key: 'abnormal', status: 'abnormal', errors: 1 },
  { key: 'unhandled', status: 'unhandled', errors: 1 },
  { key: 'crashed', status: 'crashed', errors: 1 },
];

const failedParse = (parsed: Extract<SessionParseResult<unknown>, { ok: false }>): StepResult<never> =>
  drop('invalid', parsed.reason);

/**
 * The stat key of the inbound filter that drops a session with `attrs`, if any. An `ip_address` of
 * `{{auto}}` is not resolved yet: Relay filters sessions before normalizing them.
 */
function filteredBy(attrs: SessionAttributes, ctx: SessionItemContext): FilterStatKey | undefined {
  if (ctx.filterSettings === undefined) return undefined;
  const item = sessionFilterable({
    release: attrs.release,
    ...(attrs.ip_address !== undefined && attrs.ip_address !== AUTO_IP
      ? { ip_address: attrs.ip_address }
      : {}),
    ...(attrs.user_agent !== undefined ? { user_agent: attrs.user_agent } : {}),
  });
  const verdict = shouldFilterItem(item, ctx.filterSettings, { clientIp: ctx.clientIp });
  return verdict.filtered ? verdict.statKey : undefined;
}

/**
 * Envelope clock drift in seconds (`received − sent_at`), or 0 when there is no `sent_at` or
 * the drift is below 55 minutes (`ClockDriftProcessor::at_least(MINIMUM_CLOCK_DRIFT)`).
 */
function clockDrift(ctx: SessionItemContext): number {
  return envelopeClockDrift(ctx.sentAt, ctx.receivedAt);
}

/** `is_valid_session_timestamp`: not older than 5 days, not more than 60 s ahead. */
function timestampProblem(receivedAt: number, t: number): SessionDropReason | undefined {
  if (receivedAt - t > MAX_SESSION_SECS_IN_PAST) return 'session_too_old';
  if (t - receivedAt > MAX_SESSION_SECS_IN_FUTURE) return 'session_in_future';
  return undefined;
}

/** Validated attributes: release checked, environment dropped when invalid, `{{auto}}` resolved. */
interface CheckedAttributes {
  release: string;
  environment: string;
  ip_address: string;
}

/** `validate_attributes`: an invalid release drops the item (undefined), the rest is repaired. */
function checkAttributes(
  attrs: SessionAttributes,
  clientIp: string | undefined,
): CheckedAttributes | undefined {
  if (validateRelease(attrs.release) !== undefined) return undefined;
  const environment =
    attrs.environment !== undefined && validateEnvironment(attrs.environment) === undefined
      ? attrs.environment
      : '';
  let ip = attrs.ip_address ?? '';
  if (ip === AUTO_IP) ip = clientIp !== undefined && isValidIp(clientIp) ? clientIp : '';
  return { release: attrs.release, environment, ip_address: ip };
}

/** Relay ignores nil-UUID distinct ids (`nil_to_none` in metrics extraction). */
function distinctId(did: string | undefined): string {
  if (did === undefined) return '';
  return parseEventId(did) === '0'.repeat(32) ? '' : did;
}

function hyphenate(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Fields shared by every row of one item. */
function commonColumns(
  ctx: SessionItemContext,
  attrs: CheckedAttributes,
): Pick<
  SessionRecord,
  'project_id' | 'received' | 'release' | 'environment' | 'sdk' | 'ip_address' | 'retention_days'
> {
  return {
    project_id: ctx.projectId,
    received: Math.round(ctx.receivedAt * 1000),
    release: attrs.release,
    environment: attrs.environment,
    sdk: ctx.client ?? '',
    ip_address: attrs.ip_address,
    retention_days: ctx.retentionDays ?? DEFAULT_SESSION_RETENTION_DAYS,
  };
}

function processUpdate(payload: Buffer, ctx: SessionItemContext): StepResult<SessionRecord[]> {
  const parsed = parseSessionUpdate(payload);
  if (!parsed.ok) return failedParse(parsed);
  const session = parsed.value;
  const filter = filteredBy(session.attrs, ctx);
  if (filter !== undefined) return drop('filtered', filter);
  if (session.seq !== undefined && session.seq >= U64_LIMIT)
    return drop('invalid', 'session_sequence_overflow');

  const drift = clockDrift(ctx);
  const started = session.started + drift;
  let timestamp = (session.timestamp ?? ctx.receivedAt) + drift;
  if (timestamp < started) timestamp = started;
  for (const t of [timestamp, started]) {
    const problem = timestampProblem(ctx.receivedAt, t);
    if (problem) return drop('invalid', problem);
  }

  const attrs = checkAttributes(session.attrs, ctx.clientIp);
  if (attrs === undefined) return drop('invalid', 'invalid_release');
  if (!KNOWN_STATUSES.has(session.status)) return drop('invalid', 'unknown_session_status');
  const status = session.status as SessionStatus;

  let errors = Math.min(session.errors, MAX_ERRORS);
  if (ERROR_STATUSES.has(status)) errors = Math.max(errors, 1);
  const duration = session.duration !== undefined && session.duration >= 0 ? session.duration : null;
  return ok([
    {
      ...commonColumns(ctx, attrs),
      session_id: hyphenate(session.sid ?? newEventId()),
      distinct_id: distinctId(session.did),
      // The initial update's sequence is forced to 0 (relay tests/integration/test_session.py).
      seq: session.init ? 0 : (session.seq ?? Math.floor(ctx.receivedAt * 1000)),
      init: session.init ? 1 : 0,
      status,
      errors,
      started: Math.round(started * 1000),
      timestamp: Math.round(timestamp * 1000),
      duration,
      quantity: 1,
      aggregate: 0,
      abnormal_mechanism: session.abnormal_mechanism,
    },
  ]);
}

function processAggregates(payload: Buffer, ctx: SessionItemContext): StepResult<SessionRecord[]> {
  const parsed = parseSessionAggregates(payload);
  if (!parsed.ok) return failedParse(parsed);
  const filter = filteredBy(parsed.value.attrs, ctx);
  if (filter !== undefined) return drop('filtered', filter);
  const drift = clockDrift(ctx);
  let lastProblem: SessionDropReason | undefined;
  const buckets: SessionAggregateItem[] = [];
  for (const item of parsed.value.aggregates) {
    const started = item.started + drift;
    const problem = timestampProblem(ctx.receivedAt, started);
    if (problem) lastProblem = problem;
    else buckets.push({ ...item, started });
  }
  if (buckets.length === 0) return drop('invalid', lastProblem ?? 'no_valid_aggregates');

  const attrs = checkAttributes(parsed.value.attrs, ctx.clientIp);
  if (attrs === undefined) return drop('invalid', 'invalid_release');
  const common = commonColumns(ctx, attrs);
  const rows: SessionRecord[] = [];
  for (const bucket of buckets) {
    const started = Math.round(bucket.started * 1000);
    for (const { key, status, errors } of AGGREGATE_STATUSES) {
      const quantity = bucket[key];
      if (quantity === 0) continue;
      rows.push({
        ...common,
        session_id: NIL_SESSION_ID,
        distinct_id: distinctId(bucket.did),
        seq: 0,
        init: 1,
        status,
        errors,
        started,
        timestamp: started,
        duration: null,
        quantity,
        aggregate: 1,
        abnormal_mechanism: 'none',
      });
    }
  }
  return ok(rows);
}

/**
 * Processes one `session` (a single session update) or `sessions` (pre-aggregated buckets)
 * item payload into the rows to store (reference/relay-protocol.md §13.1–§13.3):
 *
 * - payload: invalid JSON or schema (missing `started` / `attrs.release`, a bad `sid`, a
 *   negative `seq`, ...) → dropped; an item an inbound filter matches (`ctx.filterSettings`) →
 *   `drop('filtered', statKey)`; a missing `sid` gets a new UUID, a missing `timestamp` the
 *   received time, a missing `seq` the received time in ms; `seq == u64::MAX` → dropped;
 * - times: shifted by the envelope's clock drift when `|received − sent_at| ≥ 55 min`; a
 *   `timestamp` before `started` becomes `started`; a `timestamp`/`started` older than 5 days
 *   or more than 60 s ahead of `receivedAt` drops the update (aggregates: the bucket, and the
 *   item when no bucket is left);
 * - attributes: an invalid release (§8.5) drops the item, an invalid environment is removed,
 *   `ip_address: "{{auto}}"` becomes `ctx.clientIp`;
 * - status: unknown statuses are dropped; `errors` is at least 1 for `errored`, `unhandled`,
 *   `abnormal` and `crashed` (and clamped to 65 535); `seq` is 0 on `init` updates;
 * - aggregates: one row per bucket and non-zero status count (`quantity` = the count, nil
 *   `session_id`, `init` 1, `errors` 1 except for `exited`).
 *
 * Returns the rows (an aggregate item whose counts are all zero yields none), or
 * `drop('invalid' | 'filtered', reason)` with a {@link SessionDropReason}; the caller records no
 * outcome for either. Never throws on bad input.
 */
export function processSessionItem(
  payload: Buffer,
  itemType: 'session' | 'sessions',
  ctx: SessionItemContext,
): StepResult<SessionRecord[]> {
  return itemType === 'session' ? processUpdate(payload, ctx) : processAggregates(payload, ctx);
}
