/**
 * The columns of one stored session row (release health; reference/relay-protocol.md §13,
 * reference/sentry-semantics.md §6). Processing builds them from `session` and `sessions`
 * items (src/processing/items/sessions/) and the telemetry store writes and aggregates them
 * (src/storage/clickhouse/sessions.ts); this is the one definition both share.
 *
 * Every session update is one row, as Relay's legacy session producer and Snuba's `sessions`
 * dataset kept them (`relay-server/src/services/store.rs`, `snuba/datasets/processors/
 * sessions_processor.py`): the readers fold a session's updates together at query time, so a
 * session counts once and its worst status wins. A pre-aggregated `sessions` item becomes one
 * row per (bucket, status) with `aggregate = 1` and the count in `quantity`.
 * `Time` is the representation each side uses for the three timestamps. Strings are `''` when
 * absent.
 */

/**
 * A session status as stored. `ok` = still running, `exited` = ended normally, `errored` =
 * ended with handled errors (aggregates; legacy individual updates), `unhandled` = an
 * unhandled non-fatal error, `abnormal` = ended unexpectedly (ANR, killed), `crashed` = ended
 * in a crash. Follows `SessionStatus` in `relay-event-schema/src/protocol/session.rs`.
 */
export type SessionStatus = 'ok' | 'exited' | 'errored' | 'unhandled' | 'abnormal' | 'crashed';

/** Every known {@link SessionStatus}; anything else is Relay's `Unknown` status (dropped). */
export const SESSION_STATUSES: readonly SessionStatus[] = [
  'ok',
  'exited',
  'errored',
  'unhandled',
  'abnormal',
  'crashed',
];

/**
 * Statuses that mean the session had an error (Relay's `SessionStatus::is_error`): such a
 * session is in the error set whatever its `errors` count, and is stored with `errors ≥ 1`.
 */
export const ERROR_SESSION_STATUSES: readonly SessionStatus[] = [
  'errored',
  'unhandled',
  'abnormal',
  'crashed',
];

/** Why an `abnormal` session ended (`AbnormalMechanism`; unknown values read as `none`). */
export type AbnormalMechanism = 'none' | 'anr_foreground' | 'anr_background';

/** The nil UUID: the `session_id` of aggregate rows (as Relay's session producer sent them). */
export const NIL_SESSION_ID = '00000000-0000-0000-0000-000000000000';

/** One row of the `sessions` table. */
export interface SessionColumns<Time> {
  project_id: number;
  /** Lowercase hyphenated UUID; {@link NIL_SESSION_ID} on aggregate rows. */
  session_id: string;
  /** Distinct (user) id as sent (`did`); `''` when absent or the nil UUID. */
  distinct_id: string;
  /** Logical clock of the update (0 for the initial update and aggregates). */
  seq: number;
  /** 1 on the first update of a session (it counts the session); 1 on aggregate rows. */
  init: 0 | 1;
  status: SessionStatus;
  /** Errors seen in the session, clamped to 0..65535; at least 1 for the error statuses. */
  errors: number;
  /** When the session started (aggregates: the bucket start). Time series bucket on this. */
  started: Time;
  /** When this update was made (aggregates: `started`). */
  timestamp: Time;
  /** When Vigil received the item. */
  received: Time;
  /** Session duration in seconds; null when unknown (always on aggregates). */
  duration: number | null;
  release: string;
  environment: string;
  /** Sessions this row stands for: 1 for an update, the count for an aggregate row. */
  quantity: number;
  /** 1 for rows expanded from a `sessions` (aggregates) item. */
  aggregate: 0 | 1;
  abnormal_mechanism: AbnormalMechanism;
  /** SDK that sent the item (`sentry_client` of the request, e.g. `sentry.javascript.node/11.11.0`). */
  sdk: string;
  /** `attrs.ip_address` after `{{auto}}` resolution; `''` when absent. */
  ip_address: string;
  /** Days to keep the row (TTL); default 90. */
  retention_days: number;
}
