/**
 * The pipeline for one `feedback` item (reference/relay-protocol.md §3.4, §14.5): an event whose
 * `contexts.feedback` holds what the user wrote (`message`, required) and optionally
 * `contact_email`, `name`, `url`, `source`, `associated_event_id` and `replay_id`.
 *
 * parse → Relay's event normalization (`normalizeEvent`, item type `feedback`) → Relay's default
 * data scrubbing, which leaves the feedback context alone (Relay models it as a known context
 * whose fields are not PII: `relay-event-schema/src/protocol/contexts/user_report_v2.rs`) →
 * Sentry's checks before it creates a feedback (`should_filter_feedback`) → the adjustments
 * Sentry makes for storage (`fix_for_issue_platform` and the tags of `create_feedback_issue`,
 * `src/sentry/feedback/usecases/ingest/create_feedback.py`).
 */
import type { SentryEvent, User } from '../../../protocol/event.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import {
  normalizeEvent,
  normalizedTagPairs,
  parseEventId,
  type NormalizeContext,
} from '../../normalize/index.js';
import { DEFAULT_DATA_SCRUBBING, scrubEvent, type DataScrubbingSettings } from '../../pii/index.js';
import {
  FEEDBACK_DROP_REASONS,
  MAX_FEEDBACK_MESSAGE_LENGTH,
  UNREAL_UNATTENDED_MESSAGE,
  codePointLength,
  parseJsonPayload,
  type FeedbackUser,
  type ProcessedFeedback,
} from './record.js';

/** What the pipeline needs to know about the request and the project. */
export interface FeedbackItemContext extends Omit<NormalizeContext, 'itemType'> {
  projectId: number;
  /** The project's data scrubbing settings; default Sentry's defaults for a new project. */
  scrubbing?: DataScrubbingSettings;
}

/** The environment Sentry stores for feedback that names none (`fix_for_issue_platform`). */
export const DEFAULT_FEEDBACK_ENVIRONMENT = 'production';

/**
 * Runs the feedback pipeline over one `feedback` item payload (JSON bytes). Returns
 * `drop('invalid', reason)` with Relay's `invalid_json` (or another normalization reason) for
 * payloads Relay rejects, and Sentry's reasons ({@link FEEDBACK_DROP_REASONS}) for feedback
 * without a message, with an empty, unattended or over-long message, or with an
 * `associated_event_id` that is not a UUID. Never throws.
 */
export function processFeedbackItem(
  payload: Buffer,
  ctx: FeedbackItemContext,
): StepResult<ProcessedFeedback> {
  const parsed = parseJsonPayload(payload.toString('utf8'));
  if (parsed.kind === 'drop') return parsed;
  return processFeedbackPayload(parsed.value, ctx);
}

/** The pipeline from an already-parsed JSON value. */
export function processFeedbackPayload(
  input: unknown,
  ctx: FeedbackItemContext,
): StepResult<ProcessedFeedback> {
  const scrubbing = ctx.scrubbing ?? DEFAULT_DATA_SCRUBBING;
  // Relay does not infer a client IP for projects that scrub IP addresses.
  const clientIp = scrubbing.scrubData && scrubbing.scrubIpAddresses ? undefined : ctx.clientIp;
  const normalized = normalizeEvent(input, { ...ctx, clientIp, itemType: 'feedback' });
  if (!normalized.ok) return drop('invalid', normalized.reason);

  const feedback = normalized.event.contexts?.feedback;
  // Relay drops a `message` that is not a string, which leaves the context without one.
  if (!isJsonObject(feedback) || typeof feedback.message !== 'string')
    return drop('invalid', FEEDBACK_DROP_REASONS.missingContext);
  const message = feedback.message;
  if (message === UNREAL_UNATTENDED_MESSAGE) return drop('invalid', FEEDBACK_DROP_REASONS.unattended);
  if (message.trim() === '') return drop('invalid', FEEDBACK_DROP_REASONS.empty);
  if (codePointLength(message) > MAX_FEEDBACK_MESSAGE_LENGTH)
    return drop('invalid', FEEDBACK_DROP_REASONS.tooLarge);
  let associatedEventId = '';
  if (isTruthy(feedback.associated_event_id)) {
    const parsed = parseEventId(feedback.associated_event_id);
    if (parsed === undefined) return drop('invalid', FEEDBACK_DROP_REASONS.invalidEventId);
    associatedEventId = parsed;
  }

  const event = scrubOutsideFeedback(normalized.event, feedback, scrubbing);
  const contexts = event.contexts ?? {};
  const contactEmail = textOf(feedback.contact_email);
  const replayId =
    parseEventId(feedback.replay_id) ??
    (isJsonObject(contexts.replay) ? parseEventId(contexts.replay.replay_id) : undefined) ??
    '';
  // Sentry links the replay through the replay context when the SDK only named it in the feedback.
  if (replayId !== '' && !isJsonObject(contexts.replay)) contexts.replay = { replay_id: replayId };
  event.contexts = contexts;
  event.environment = event.environment || DEFAULT_FEEDBACK_ENVIRONMENT;
  const user: User = isJsonObject(event.user) ? event.user : {};
  if (user.email === undefined && contactEmail !== '') user.email = contactEmail;
  if (Object.keys(user).length > 0) event.user = user;

  const release = textOf(event.release);
  const tags = normalizedTagPairs(event.tags);
  const userEmail = textOf(user.email);
  if (userEmail !== '' && !tags.some(([key]) => key === 'user.email')) tags.push(['user.email', userEmail]);
  if (associatedEventId !== '') setTag(tags, 'associated_event_id', associatedEventId);
  setTag(tags, 'has_linked_error', associatedEventId !== '' ? 'true' : 'false');
  if (release !== '') setTag(tags, 'release', release);
  event.tags = tags;

  const trace = contexts.trace;
  return ok({
    projectId: ctx.projectId,
    feedbackId: textOf(event.event_id),
    itemType: 'feedback',
    timestamp: typeof event.timestamp === 'number' ? event.timestamp : ctx.receivedAt,
    receivedAt: ctx.receivedAt,
    message,
    contactEmail,
    name: textOf(feedback.name),
    url: textOf(feedback.url),
    source: textOf(feedback.source),
    associatedEventId,
    replayId,
    traceId: isJsonObject(trace) ? textOf(trace.trace_id) : '',
    release,
    environment: event.environment,
    platform: textOf(event.platform),
    level: textOf(event.level),
    user: feedbackUser(user),
    tags,
    event,
  });
}

/** Scrubs everything but the feedback context, which Relay never scrubs, and puts it back. */
function scrubOutsideFeedback(
  event: SentryEvent,
  feedback: JsonObject,
  settings: DataScrubbingSettings,
): SentryEvent {
  const contexts: JsonObject = { ...event.contexts };
  delete contexts.feedback;
  const scrubbed = scrubEvent({ ...event, contexts }, settings);
  return { ...scrubbed, contexts: { ...scrubbed.contexts, feedback } };
}

/** Python truthiness of a JSON value (`if value:`). */
function isTruthy(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return !isJsonObject(value) || Object.keys(value).length > 0;
}

/** `value` when it is a string, a number as text, else `''`. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/** Sets tag `key` (Sentry keeps feedback tags in a dict: the last value wins). */
function setTag(tags: Array<[string, string]>, key: string, value: string): void {
  const existing = tags.find(([k]) => k === key);
  if (existing) existing[1] = value;
  else tags.push([key, value]);
}

/** The stored user fields of a normalized `user`. */
export function feedbackUser(user: JsonObject): FeedbackUser {
  return {
    id: textOf(user.id),
    email: textOf(user.email),
    username: textOf(user.username),
    ipAddress: textOf(user.ip_address),
    name: textOf(user.name),
  };
}
