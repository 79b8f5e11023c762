/**
 * What the user-feedback pipelines produce: one {@link ProcessedFeedback} per `feedback` or
 * `user_report` item, the shape the `feedback` table stores (src/storage/clickhouse/feedback.ts),
 * and the outcome reasons Sentry records when it drops feedback (data category `feedback`,
 * alias `user_report_v2`; reference/relay-protocol.md §3.4, §14.5).
 */
import { parseJsonText } from '../../../protocol/json.js';
import type { SentryEvent } from '../../../protocol/event.js';
import type { FeedbackFields } from '../../../protocol/feedback-columns.js';
import type { JsonValue } from '../../../protocol/json.js';
import { findInvalidJson } from '../../../protocol/envelope.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';

/** The envelope item types that carry user feedback. */
export type FeedbackItemType = 'feedback' | 'user_report';

export type { FeedbackUser } from '../../../protocol/feedback-columns.js';

/**
 * One user feedback ready to store: the shared {@link FeedbackFields}, plus the item it came in,
 * its times (Unix seconds), tags and event.
 */
export interface ProcessedFeedback extends FeedbackFields {
  /** The item it came in. */
  itemType: FeedbackItemType;
  /** When the user gave the feedback (the event's `timestamp`; arrival for user reports). */
  timestamp: number;
  /** When the item arrived. */
  receivedAt: number;
  /** Tags as `[key, value]` pairs, including the ones Sentry adds to feedback (see the pipeline). */
  tags: Array<[string, string]>;
  /** The feedback as a normalized event (user reports are converted to one), stored as `data`. */
  event: SentryEvent;
}

/**
 * Sentry's message limit (`feedback.message.max-size`, also `UserReport.comments.max_length`):
 * longer messages are dropped, in Unicode code points.
 */
export const MAX_FEEDBACK_MESSAGE_LENGTH = 4096;

/**
 * The message Unreal's crash reporter sends when it ran unattended, i.e. without a user; Sentry
 * drops such feedback (`UNREAL_FEEDBACK_UNATTENDED_MESSAGE`, `src/sentry/feedback/lib/utils.py`).
 */
export const UNREAL_UNATTENDED_MESSAGE = 'Sent in the unattended mode';

/**
 * The `invalid` outcome reasons Sentry records for dropped `feedback` events, verbatim
 * (`should_filter_feedback`, `src/sentry/feedback/usecases/ingest/create_feedback.py`). Unparseable
 * items use Relay's `invalid_json`; normalization failures keep Relay's reasons.
 */
export const FEEDBACK_DROP_REASONS = {
  /** No `contexts.feedback`, or its `message` is not a string. */
  missingContext: 'Missing Feedback Context',
  unattended: 'Sent in Unreal Unattended Mode',
  /** The message is empty after trimming whitespace. */
  empty: 'Empty Feedback Message',
  /** The message is longer than {@link MAX_FEEDBACK_MESSAGE_LENGTH}. */
  tooLarge: 'Too Large',
  /** `associated_event_id` is set but not a UUID. */
  invalidEventId: 'Invalid Event ID',
} as const;

/**
 * The `invalid` outcome reasons Sentry records for dropped user reports, verbatim — including the
 * upstream typo in "Messsage" (`validate_user_report`, `src/sentry/feedback/usecases/ingest/userreport.py`).
 */
export const USER_REPORT_DROP_REASONS = {
  empty: 'Empty Feedback Messsage',
  unattended: 'Sent in Unreal Unattended Mode',
  messageTooLarge: 'Message Too Large',
  nameTooLarge: 'Name Too Large',
  emailTooLarge: 'Email Too Large',
  invalidEventId: 'Invalid Event ID',
} as const;

/** Length in Unicode code points, as Python's `len` counts. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Parses an item payload as JSON, rejecting (as Relay's `invalid_json`) what serde_json would
 * reject although `JSON.parse` accepts it: numbers out of range and lone surrogate escapes.
 */
export function parseJsonPayload(text: string): StepResult<JsonValue> {
  let value: JsonValue;
  try {
    value = parseJsonText(text) as JsonValue;
  } catch {
    return drop('invalid', 'invalid_json');
  }
  if (findInvalidJson(value, text.includes('\\u')) !== undefined) return drop('invalid', 'invalid_json');
  return ok(value);
}
