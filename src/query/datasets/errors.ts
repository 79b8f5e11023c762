/**
 * The `errors` dataset: error and default events of the `events` table, with Sentry's Discover
 * field names (`src/sentry/search/events/datasets/discover.py`, Snuba's errors entity): ids,
 * project, times, title, message (free text over message, title and culprit), level, release,
 * environment, user fields, SDK, trace and replay ids, issue (answered and filtered by short id,
 * ./lookups.ts), the semver release keys (`release.version` …), `error.type` / `error.value`
 * (arrays), `error.handled` / `error.unhandled`, and any other key as a tag (`tags[k]`,
 * `flags[k]` explicitly, filtered through the `_tags_hash_map` / `_flags_hash_map` bloom
 * indexes). Filters compile with the issue-search field compiler (../event-fields.ts).
 */
import { LIVE_GROUPS_CONDITION } from '../live-groups.js';
import { EVENT_FIELDS, eventFieldFor, type EventField } from '../event-fields.js';
import { decodeIssueShortId } from './decode.js';
import {
  booleanField,
  dateField,
  eventField,
  field,
  issueField,
  releaseLookupFields,
  projectSlugField,
  searchConfigFor,
  sourceOf,
  textField,
  VALID_FIELD_NAME,
} from './fields.js';
import type { ColumnDef, Dataset } from './types.js';

const text = (column: string): ColumnDef => {
  const f = EVENT_FIELDS[column];
  return eventField(column, 'string', f ?? { kind: 'string', column });
};
const eventText = (key: string, column: string): ColumnDef =>
  eventField(column, 'string', EVENT_FIELDS[key] ?? { kind: 'string', column });

/** The hex event id, as Discover answers `id`. */
const EVENT_ID_HEX = "replaceAll(toString(event_id), '-', '')";
/** Sentry's `user.display`: the first of email, username, id and IP that is set. */
const USER_DISPLAY =
  "coalesce(nullIf(user_email, ''), nullIf(user_username, ''), nullIf(user_id, ''), nullIf(user_ip, ''), '')";

const id = eventField(EVENT_ID_HEX, 'string', { kind: 'uuid', column: 'event_id' });
const project = projectSlugField('project_id');
const projectId = eventField('project_id', 'integer', { kind: 'uint', column: 'project_id' });
const issueId = eventField('group_id', 'integer', { kind: 'uint', column: 'group_id' });
const handled = (unhandled: boolean): ColumnDef =>
  field(`coalesce(handled, 1) = ${unhandled ? 0 : 1}`, 'boolean', {
    kind: 'event',
    field: { kind: 'handled', unhandled },
  });
const replay = eventText('replay.id', 'replay_id');

/** Named fields of the errors source. */
export const ERROR_FIELDS: Readonly<Record<string, ColumnDef>> = {
  id,
  'event.id': id,
  project,
  'project.name': project,
  'project.id': projectId,
  project_id: projectId,
  timestamp: dateField('timestamp'),
  'timestamp.to_hour': dateField('toStartOfHour(timestamp)'),
  'timestamp.to_day': dateField('toStartOfDay(timestamp)'),
  'error.received': dateField('received'),
  title: text('title'),
  message: eventField('message', 'string', { kind: 'message' }),
  culprit: text('culprit'),
  location: text('culprit'),
  'event.type': eventText('event.type', 'type'),
  level: text('level'),
  platform: text('platform'),
  logger: text('logger'),
  release: text('release'),
  dist: text('dist'),
  environment: text('environment'),
  transaction: text('transaction'),
  user: text('user'),
  'user.id': eventText('user.id', 'user_id'),
  'user.email': eventText('user.email', 'user_email'),
  'user.username': eventText('user.username', 'user_username'),
  'user.ip': eventText('user.ip', 'user_ip'),
  'user.display': textField(USER_DISPLAY),
  'sdk.name': eventText('sdk.name', 'sdk_name'),
  'sdk.version': eventText('sdk.version', 'sdk_version'),
  trace: eventText('trace', 'trace_id'),
  replayId: replay,
  'replay.id': replay,
  'issue.id': issueId,
  issue: issueField(
    'group_id',
    { kind: 'event', field: { kind: 'uint', column: 'group_id' } },
    decodeIssueShortId,
  ),
  'error.type': eventField('exception_types', 'array', { kind: 'array', column: 'exception_types' }),
  'error.value': eventField('exception_values', 'array', { kind: 'array', column: 'exception_values' }),
  'error.handled': handled(false),
  'error.unhandled': handled(true),
  'error.main_thread': booleanField('NULL'),
  ...releaseLookupFields(text('release'), eventTagColumn),
};

/**
 * A tag or flag of an event (`tags[k]`, `flags[k]`, typed `,number`, or any other key as a
 * tag); null for names with characters Sentry rejects and array forms.
 */
export function eventTagColumn(name: string): ColumnDef | null {
  const explicit = /^(tags|flags)\[/.test(name);
  if (!explicit && !VALID_FIELD_NAME.test(name)) return null;
  const lookup: EventField | null = eventFieldFor(name);
  if (lookup === null || lookup.kind !== 'lookup') return null;
  return {
    select: (params) => {
      const k = params.bind('String', lookup.name);
      const value = `arrayElement(\`${lookup.store}.value\`, indexOf(\`${lookup.store}.key\`, ${k}))`;
      return lookup.number ? `toFloat64OrNull(${value})` : value;
    },
    filter: { kind: 'event', field: lookup },
    type: lookup.number ? 'number' : 'string',
    unit: null,
  };
}

/** The `events` table as a source. */
export const ERRORS_SOURCE = sourceOf(
  {
    table: 'events',
    // Events of issues being merged away or deleted are on their way elsewhere (or out).
    where: LIVE_GROUPS_CONDITION,
    timeColumn: 'timestamp',
    projectColumn: 'project_id',
    environmentColumn: 'environment',
  },
  ERROR_FIELDS,
  eventTagColumn,
);

/** Functions of the Discover datasets over error events. */
export const ERROR_FUNCTIONS: ReadonlySet<string> = new Set([
  'count',
  'count_unique',
  'count_if',
  'last_seen',
  'latest_event',
  'any',
  'min',
  'max',
  'eps',
  'epm',
]);

/** Sentry's `errors` dataset. */
export const ERRORS_DATASET: Dataset = {
  label: 'errors',
  sources: [ERRORS_SOURCE],
  searchConfig: searchConfigFor(ERROR_FIELDS, { dateKeys: ['last_seen()'] }),
  defaultNumericColumn: null,
  statusField: null,
  autoFields: true,
  aggregateConditions: true,
  functions: ERROR_FUNCTIONS,
  sortByUnselected: false,
  preciseTimestamp: false,
  defaultSort: '-timestamp',
};
