/**
 * The pipeline for one legacy `user_report` item, `{"event_id", "name", "email", "comments"}`
 * (reference/relay-protocol.md §3.4, §14.5), also used by the `POST .../user-feedback/` API:
 *
 * 1. Relay (`process_user_reports`, `relay-server/src/processing/user_reports/process.rs`): trim
 *    ASCII whitespace around the payload, deserialize `UserReport`
 *    (`relay-event-schema/src/protocol/user_report.rs`: `event_id` a required UUID; `name`,
 *    `email`, `comments` strings, absent or `null` meaning `''`; unknown keys ignored); anything
 *    else is `invalid_json`.
 * 2. Sentry (`validate_user_report`, `src/sentry/feedback/usecases/ingest/userreport.py`): strip
 *    the comments, drop empty or unattended ones and over-long comments (4096), names (128) and
 *    emails (75), with the reasons of {@link USER_REPORT_DROP_REASONS}.
 * 3. The report becomes a feedback about its event, as Sentry's `shim_to_feedback` makes one:
 *    `comments` → `message`, `email` → `contact_email`, `event_id` → `associated_event_id`.
 *    Sentry copies the associated event's environment, trace, replay and tags into that feedback
 *    when the event is already stored; this pure step cannot see the store, so readers join the
 *    associated event instead.
 */
import { createHash } from 'node:crypto';
import type { SentryEvent } from '../../../protocol/event.js';
import { isJsonObject } from '../../../protocol/json.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { parseEventId } from '../../normalize/index.js';
import {
  MAX_FEEDBACK_MESSAGE_LENGTH,
  UNREAL_UNATTENDED_MESSAGE,
  USER_REPORT_DROP_REASONS,
  codePointLength,
  parseJsonPayload,
  type ProcessedFeedback,
} from './record.js';

/** A user report after Relay's parsing: `event_id` 32 lowercase hex, absent strings `''`. */
export interface UserReport {
  event_id: string;
  name: string;
  email: string;
  comments: string;
}

/** What the pipeline needs to know about the item. */
export interface UserReportItemContext {
  projectId: number;
  /** When the item arrived, Unix seconds; the report's date (Sentry's `date_added`). */
  receivedAt: number;
}

/** `UserReport.name` length limit (Sentry's model), in code points. */
export const MAX_USER_REPORT_NAME_LENGTH = 128;
/** `UserReport.email` length limit (Sentry's model), in code points. */
export const MAX_USER_REPORT_EMAIL_LENGTH = 75;

/** Rust's `u8::is_ascii_whitespace` (space, tab, LF, FF, CR) at either end of the payload. */
const ASCII_WHITESPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;

/**
 * Parses a user report as Relay does (step 1 of the module comment). Returns `invalid_json` for
 * anything that is not an object with a UUID `event_id` and string-or-null `name`, `email`,
 * `comments`. Never throws.
 */
export function parseUserReport(payload: Buffer | string): StepResult<UserReport> {
  const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).replace(
    ASCII_WHITESPACE,
    '',
  );
  const parsed = parseJsonPayload(text);
  if (parsed.kind === 'drop') return parsed;
  return decodeUserReport(parsed.value);
}

/** Relay's `UserReport` deserialization of a parsed JSON value. */
export function decodeUserReport(value: unknown): StepResult<UserReport> {
  if (!isJsonObject(value)) return drop('invalid', 'invalid_json');
  // Relay's `EventId` is a UUID string; numbers, nulls and malformed ids fail deserialization.
  const eventId = typeof value.event_id === 'string' ? parseEventId(value.event_id) : undefined;
  if (eventId === undefined) return drop('invalid', 'invalid_json');
  const report: UserReport = { event_id: eventId, name: '', email: '', comments: '' };
  for (const key of ['name', 'email', 'comments'] as const) {
    const field = value[key];
    if (typeof field === 'string') report[key] = field;
    else if (field !== undefined && field !== null) return drop('invalid', 'invalid_json');
  }
  return ok(report);
}

/**
 * Sentry's checks of a parsed report (step 2): returns the report with trimmed comments, or
 * `drop('invalid', reason)` with one of {@link USER_REPORT_DROP_REASONS}.
 */
export function validateUserReport(report: UserReport): StepResult<UserReport> {
  const comments = report.comments.trim();
  if (comments === '') return drop('invalid', USER_REPORT_DROP_REASONS.empty);
  if (comments === UNREAL_UNATTENDED_MESSAGE) return drop('invalid', USER_REPORT_DROP_REASONS.unattended);
  if (codePointLength(comments) > MAX_FEEDBACK_MESSAGE_LENGTH)
    return drop('invalid', USER_REPORT_DROP_REASONS.messageTooLarge);
  if (codePointLength(report.name) > MAX_USER_REPORT_NAME_LENGTH)
    return drop('invalid', USER_REPORT_DROP_REASONS.nameTooLarge);
  if (codePointLength(report.email) > MAX_USER_REPORT_EMAIL_LENGTH)
    return drop('invalid', USER_REPORT_DROP_REASONS.emailTooLarge);
  return ok({ ...report, comments });
}

/**
 * The feedback id of the user report about event `eventId` (32 hex): a name-based (SHA-1, v5
 * layout) UUID of the event id, so every report about one event has the same id and a later
 * report replaces an earlier one, as Sentry keeps one `UserReport` per event. It never equals the
 * event id itself.
 */
export function userReportFeedbackId(eventId: string): string {
  const hex = createHash('sha1').update(`vigil:user_report:${eventId}`).digest('hex').slice(0, 32);
  // Version 5 and the RFC 4122 variant, so the id is a well-formed UUID.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 12)}5${hex.slice(13, 16)}${variant}${hex.slice(17)}`;
}

/**
 * Runs the user-report pipeline (steps 1–3) over one `user_report` item payload. Returns
 * `drop('invalid', reason)` with `invalid_json` or one of {@link USER_REPORT_DROP_REASONS}.
 * Never throws.
 */
export function processUserReportItem(
  payload: Buffer | string,
  ctx: UserReportItemContext,
): StepResult<ProcessedFeedback> {
  const parsed = parseUserReport(payload);
  if (parsed.kind === 'drop') return parsed;
  const valid = validateUserReport(parsed.value);
  if (valid.kind === 'drop') return valid;
  return ok(userReportToFeedback(valid.value, ctx));
}

/** Step 3: the feedback a valid report becomes. */
export function userReportToFeedback(report: UserReport, ctx: UserReportItemContext): ProcessedFeedback {
  const feedbackId = userReportFeedbackId(report.event_id);
  const tags: Array<[string, string]> = [];
  if (report.email !== '') tags.push(['user.email', report.email]);
  tags.push(['associated_event_id', report.event_id], ['has_linked_error', 'true']);
  const event: SentryEvent = {
    event_id: feedbackId,
    type: 'feedback',
    platform: 'other',
    level: 'info',
    timestamp: ctx.receivedAt,
    received: ctx.receivedAt,
    contexts: {
      feedback: {
        message: report.comments,
        contact_email: report.email,
        name: report.name,
        associated_event_id: report.event_id,
        type: 'feedback',
      },
    },
    tags,
  };
  if (report.email !== '') event.user = { email: report.email };
  return {
    projectId: ctx.projectId,
    feedbackId,
    itemType: 'user_report',
    timestamp: ctx.receivedAt,
    receivedAt: ctx.receivedAt,
    message: report.comments,
    contactEmail: report.email,
    name: report.name,
    url: '',
    source: '',
    associatedEventId: report.event_id,
    replayId: '',
    traceId: '',
    release: '',
    environment: '',
    platform: 'other',
    level: 'info',
    user: { id: '', email: report.email, username: '', ipAddress: '', name: '' },
    tags,
    event,
  };
}
