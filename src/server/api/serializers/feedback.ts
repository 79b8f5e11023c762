/**
 * User feedback JSON in Sentry's two web-API shapes:
 *
 * - the feedback item of `GET /api/0/organizations/{org}/feedback/` and
 *   `GET /api/0/projects/{org}/{project}/feedback/{id}/` (Sentry's `FeedbackSerializer`,
 *   `src/sentry/feedback/serializers.py`, typed for the UI as `FeedbackItemResponse` in
 *   `static/app/utils/feedback/types.tsx`), plus `name` and `associated_event_id`, which that
 *   shape leaves out although the feedback context carries them;
 * - the legacy user report of `GET|POST /api/0/projects/{org}/{project}/user-feedback/`
 *   (`UserReportWithGroupSerializer`, `src/sentry/api/serializers/models/userreport.py`).
 */
import { isJsonObject, type JsonObject } from '../../../protocol/json.js';
import { isoDate, stringOrNull } from './values.js';

/** A stored feedback as the serializers read it (`StoredFeedback` of the `feedback` table). */
export interface FeedbackRecord {
  projectId: number;
  feedbackId: string;
  timestamp: Date;
  message: string;
  contactEmail: string;
  name: string;
  url: string;
  associatedEventId: string;
  replayId: string;
  release: string;
  environment: string;
  platform: string;
  user: { id: string; email: string; username: string; ipAddress: string; name: string };
  tags: ReadonlyArray<readonly [string, string]>;
  /** The feedback event (contexts, sdk, dist). */
  data: JsonObject;
}

/** The user of an event, as Sentry's `EventUser` holds it (`''` for absent values). */
export interface EventUserRecord {
  id: string;
  email: string;
  username: string;
  ipAddress: string;
  name: string;
}

/** `''` → `null`, as the API sends absent strings. */
const orNull = (value: string): string | null => (value === '' ? null : value);

/** The fields `keys` of context `name` of `data`, each a string or `null`. */
function contextFields(data: JsonObject, name: string, keys: Record<string, string>): JsonObject {
  const contexts = isJsonObject(data.contexts) ? data.contexts : {};
  const context = isJsonObject(contexts[name]) ? contexts[name] : {};
  const out: JsonObject = {};
  for (const [field, key] of Object.entries(keys)) out[field] = stringOrNull(context[key]);
  return out;
}

/**
 * One feedback in the shape of Sentry's feedback list: ids as strings, `timestamp` ISO-8601,
 * `status` always `unresolved` (Vigil does not triage feedback yet), `tags` an object, the
 * browser/device/os/locale fields from the event's contexts (`null` members when absent).
 */
export function serializeFeedback(feedback: FeedbackRecord): JsonObject {
  const { data, user } = feedback;
  const sdk = isJsonObject(data.sdk)
    ? { name: stringOrNull(data.sdk.name), version: stringOrNull(data.sdk.version) }
    : null;
  return {
    browser: contextFields(data, 'browser', { name: 'name', version: 'version' }),
    contact_email: feedback.contactEmail,
    device: contextFields(data, 'device', { brand: 'brand', family: 'family', model: 'model', name: 'name' }),
    dist: stringOrNull(data.dist),
    environment: feedback.environment,
    id: feedback.feedbackId,
    locale: contextFields(data, 'culture', { lang: 'locale', timezone: 'timezone' }),
    message: feedback.message,
    os: contextFields(data, 'os', { name: 'name', version: 'version' }),
    platform: feedback.platform,
    project_id: String(feedback.projectId),
    release: orNull(feedback.release),
    replay_id: orNull(feedback.replayId),
    sdk,
    status: 'unresolved',
    tags: Object.fromEntries(feedback.tags),
    timestamp: isoDate(feedback.timestamp),
    url: orNull(feedback.url),
    user: {
      display_name: orNull(user.name || user.username || user.email),
      email: orNull(user.email),
      id: orNull(user.id),
      ip: orNull(user.ipAddress),
      username: orNull(user.username),
    },
    name: orNull(feedback.name),
    associated_event_id: orNull(feedback.associatedEventId),
  };
}

/**
 * One user report as Sentry's `UserReportWithGroupSerializer` writes it: `name` and `email` fall
 * back to the associated event's user (`eventUser`), `user` is that user (`null` when the event
 * is not stored; `avatarUrl` always null), `issue` the event's issue in the issue-list shape
 * (`null` when unknown). `id` is the feedback id (Sentry's is a database integer).
 */
export function serializeUserReport(
  feedback: FeedbackRecord,
  eventUser: EventUserRecord | null,
  issue: JsonObject | null,
): JsonObject {
  const eventId = feedback.associatedEventId;
  let name = orNull(feedback.name || feedback.contactEmail);
  let email = orNull(feedback.contactEmail);
  let user: JsonObject | null = null;
  if (eventUser !== null) {
    name = name ?? orNull(eventUser.name);
    email = email ?? orNull(eventUser.email);
    user = {
      id: eventUser.id,
      username: orNull(eventUser.username),
      email: orNull(eventUser.email),
      name: orNull(eventUser.name || eventUser.email || eventUser.username),
      ipAddress: orNull(eventUser.ipAddress),
      avatarUrl: null,
    };
  }
  return {
    id: feedback.feedbackId,
    eventID: eventId,
    name,
    email,
    comments: feedback.message,
    dateCreated: isoDate(feedback.timestamp),
    user,
    event: { id: eventId, eventID: eventId },
    issue,
  };
}
