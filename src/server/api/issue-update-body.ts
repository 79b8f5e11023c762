/**
 * The body of an issue update (`PUT /api/0/issues/{id}/` and the bulk `PUT …/issues/?id=…`), read
 * as Sentry's `GroupValidator` and `StatusDetailsValidator` read it
 * (`src/sentry/api/helpers/group_index/validators/group.py`, `status_details.py`): unknown fields
 * are ignored, bad ones answer DRF's `400 {"field": ["message"]}`. Lookups against stored data
 * (the release of `inRelease`, the actor of `assignedTo`) happen in the update itself.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import type { IssueSubstatus } from '../../protocol/issue-status.js';
import { MAX_SNOOZE_WINDOW_MINUTES } from '../../storage/metadata/index.js';
import { FieldErrors, bodyObject } from './drf-fields.js';
import { PARSE_ACTOR } from './issue-actor.js';

/** Sentry's `STATUS_UPDATE_CHOICES` (`muted` is the old name of `ignored`). */
export const UPDATE_STATUSES = [
  'resolved',
  'unresolved',
  'ignored',
  'resolvedInNextRelease',
  'muted',
] as const;

/** A status an update may set. */
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

/** Sentry's `SUBSTATUS_UPDATE_CHOICES`. */
export const UPDATE_SUBSTATUSES = [
  'archived_until_escalating',
  'archived_until_condition_met',
  'archived_forever',
  'escalating',
  'ongoing',
  'regressed',
  'new',
] as const satisfies readonly IssueSubstatus[];

/** The `statusDetails` of an update (or, without that key, the same fields at the top level). */
export interface UpdateStatusDetails {
  inNextRelease?: boolean;
  inUpcomingRelease?: boolean;
  /** A version, or `latest`. */
  inRelease?: string;
  inCommit?: JsonValue;
  /** Minutes. */
  ignoreDuration?: number;
  ignoreCount?: number;
  /** Minutes (at most a week). */
  ignoreWindow?: number;
  ignoreUserCount?: number;
  /** Minutes (at most a week). */
  ignoreUserWindow?: number;
}

/** A validated update; absent fields are not changed. */
export interface IssueUpdateBody {
  status?: UpdateStatus;
  substatus?: IssueSubstatus | null;
  statusDetails: UpdateStatusDetails;
  /** Whether `statusDetails` was sent as its own object (else its fields were read at the top level). */
  statusDetailsSent: boolean;
  hasSeen?: boolean;
  isBookmarked?: boolean;
  isSubscribed?: boolean;
  isPublic?: boolean;
  merge?: boolean;
  discard?: boolean;
  /** `true` puts the issues into the inbox, `false` marks them reviewed. */
  inbox?: boolean;
  /** An actor identifier (`user:1`, `team:2`, `1`, a username or email); null or `""` unassigns. */
  assignedTo?: string | null;
  /** The validated fields as Sentry echoes them in the answer (`statusDetails` left out). */
  echo: JsonObject;
}

const IGNORE_FIELDS = [
  'ignoreDuration',
  'ignoreCount',
  'ignoreWindow',
  'ignoreUserCount',
  'ignoreUserWindow',
] as const;

function readStatusDetails(source: JsonObject, errors: FieldErrors): UpdateStatusDetails {
  const details: UpdateStatusDetails = {};
  const inNextRelease = errors.boolean(source, 'inNextRelease');
  if (typeof inNextRelease === 'boolean') details.inNextRelease = inNextRelease;
  const inUpcomingRelease = errors.boolean(source, 'inUpcomingRelease');
  if (typeof inUpcomingRelease === 'boolean') details.inUpcomingRelease = inUpcomingRelease;
  const inRelease = errors.char(source, 'inRelease');
  if (typeof inRelease === 'string') details.inRelease = inRelease;
  if (source.inCommit !== undefined) details.inCommit = source.inCommit;
  for (const field of IGNORE_FIELDS) {
    const windowed = field === 'ignoreWindow' || field === 'ignoreUserWindow';
    const value = errors.integer(source, field, windowed ? { maxValue: MAX_SNOOZE_WINDOW_MINUTES } : {});
    if (typeof value === 'number') details[field] = value;
  }
  return details;
}

/** The boolean fields of an update, echoed back when sent. */
const BOOLEAN_FIELDS = [
  'hasSeen',
  'isBookmarked',
  'isSubscribed',
  'isPublic',
  'merge',
  'discard',
  'inbox',
] as const;

/**
 * Validates an update body. Returns the update, or the DRF error body for a 400. `assignedTo`
 * accepts a number (a user id) as Sentry's `ActorField` does.
 */
export function readIssueUpdate(
  body: unknown,
): { ok: true; value: IssueUpdateBody } | { ok: false; errors: JsonObject } {
  const object = bodyObject(body ?? {});
  if (!object.ok) return object;
  const source = object.value;
  const errors = new FieldErrors();
  const update: IssueUpdateBody = { statusDetails: {}, statusDetailsSent: false, echo: {} };

  const status = errors.choice(source, 'status', UPDATE_STATUSES);
  if (status) update.status = status;
  const substatus = errors.choice(source, 'substatus', UPDATE_SUBSTATUSES, { allowNull: true });
  if (substatus !== undefined) update.substatus = substatus;
  for (const field of BOOLEAN_FIELDS) {
    const value = errors.boolean(source, field);
    if (typeof value === 'boolean') update[field] = value;
  }
  if (source.assignedTo !== undefined) {
    const raw = source.assignedTo;
    if (raw === null || raw === '') update.assignedTo = null;
    else if (typeof raw === 'string' || (typeof raw === 'number' && Number.isInteger(raw)))
      update.assignedTo = String(raw);
    else errors.add('assignedTo', PARSE_ACTOR);
  }
  // Sentry reads `statusDetails` when sent, else the same fields at the top level (older clients).
  if (source.statusDetails !== undefined) {
    update.statusDetailsSent = true;
    if (!isJsonObject(source.statusDetails)) {
      const nested = bodyObject(source.statusDetails);
      if (!nested.ok) errors.nest('statusDetails', nested.errors);
    } else {
      const nested = new FieldErrors();
      update.statusDetails = readStatusDetails(source.statusDetails, nested);
      if (!nested.ok) errors.nest('statusDetails', nested.errors);
    }
  } else {
    update.statusDetails = readStatusDetails(source, errors);
    // `snoozeDuration` is the deprecated name of `ignoreDuration` (sentry-cli still sends it, as null).
    const snooze = errors.integer(source, 'snoozeDuration', { allowNull: true });
    if (typeof snooze === 'number' && update.statusDetails.ignoreDuration === undefined) {
      update.statusDetails.ignoreDuration = snooze;
    }
  }
  if (!errors.ok) return { ok: false, errors: errors.errors };

  for (const key of ['status', 'substatus', ...BOOLEAN_FIELDS] as const) {
    const value = update[key];
    if (value !== undefined) update.echo[key] = value;
  }
  if (update.assignedTo !== undefined) update.echo.assignedTo = update.assignedTo;
  return { ok: true, value: update };
}

/**
 * Whether the details name an ignore condition (Sentry's `IGNORED_CONDITION_FIELDS`), which makes
 * an ignore `archived_until_condition_met`.
 */
export function hasIgnoreCondition(details: UpdateStatusDetails): boolean {
  return IGNORE_FIELDS.some((field) => details[field] !== undefined);
}
