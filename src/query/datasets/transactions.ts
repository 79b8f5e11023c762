/**
 * The `transactions` dataset: transactions as Vigil stores them, the segment spans of the
 * `spans` table (`is_segment = 1`; src/processing/items/spans/transaction.ts extracts them with
 * the transaction's name, op, status, tags, measurements, user and context attributes), under
 * Sentry's Discover field names (Snuba's transactions entity): `transaction`, `title` and
 * `message` are the name, `timestamp` the finish time, `transaction.duration` milliseconds,
 * `transaction.op` / `transaction.status`, `measurements.<name>` (durations for the web vitals
 * and app starts), user fields, and any other key a string attribute (Sentry's tags).
 * Error-only fields (`error.type`, `level`, `issue`, …) are empty, as in Snuba's Discover.
 * The request's time range bounds the stored start (the sort key of `spans`), not the finish.
 */
import { DEFAULT_SEARCH_CONFIG, keyTypes } from '../config.js';
import { attributeColumn } from './attributes.js';
import { decodeIssueShortId } from './decode.js';
import {
  booleanField,
  dateField,
  field,
  issueField,
  numberField,
  projectSlugField,
  releaseLookupFields,
  searchConfigFor,
  sourceOf,
  textField,
} from './fields.js';
import { attributeFor } from './trace-items.js';
import type { ColumnDef, Dataset } from './types.js';

/** A string attribute of a constant (trusted) name, `''` when unset. */
const attr = (name: string): string => `attributes_string['${name}']`;

/** Sentry's `sentry:user` tag: `id:…`, else `email:…`, `username:…`, `ip:…`. */
const USER = `multiIf(${attr('user.id')} != '', concat('id:', ${attr('user.id')}), ${attr('user.email')} != '', concat('email:', ${attr('user.email')}), ${attr('user.username')} != '', concat('username:', ${attr('user.username')}), ${attr('user.ip')} != '', concat('ip:', ${attr('user.ip')}), '')`;
const USER_DISPLAY = `coalesce(nullIf(${attr('user.email')}, ''), nullIf(${attr('user.username')}, ''), nullIf(${attr('user.id')}, ''), nullIf(${attr('user.ip')}, ''), '')`;
/** The finish time: the segment span's start plus its duration. */
const FINISH = 'addMicroseconds(timestamp, toInt64(round(duration_ms * 1000)))';

const id = textField('event_id', { hexId: true });
const project = projectSlugField('project_id');
const projectId = numberField('project_id', 'integer');
const name = textField('name');
const replay = textField(attr('sentry.replay_id'), { hexId: true });
const emptyArray = field("CAST([], 'Array(String)')", 'array', {
  kind: 'event',
  field: { kind: 'array', column: "CAST([], 'Array(String)')" },
});

/** Named fields of the transactions source. */
export const TRANSACTION_FIELDS: Readonly<Record<string, ColumnDef>> = {
  id,
  'event.id': id,
  project,
  'project.name': project,
  'project.id': projectId,
  project_id: projectId,
  timestamp: dateField(FINISH),
  'timestamp.to_hour': dateField(`toStartOfHour(${FINISH})`),
  'timestamp.to_day': dateField(`toStartOfDay(${FINISH})`),
  'error.received': dateField('NULL'),
  title: name,
  message: field('name', 'string', { kind: 'freeText', exprs: ['name'] }),
  culprit: name,
  location: textField("''"),
  transaction: name,
  'event.type': textField("'transaction'"),
  level: textField("''"),
  platform: textField(attr('sentry.platform')),
  logger: textField("''"),
  release: textField('release'),
  dist: textField(attr('sentry.dist')),
  environment: textField('environment'),
  user: textField(USER),
  'user.id': textField(attr('user.id')),
  'user.email': textField(attr('user.email')),
  'user.username': textField(attr('user.username')),
  'user.ip': textField(attr('user.ip')),
  'user.display': textField(USER_DISPLAY),
  'sdk.name': textField('sdk_name'),
  'sdk.version': textField('sdk_version'),
  trace: textField('trace_id', { hexId: true }),
  'trace.span': textField('span_id', { hexId: true }),
  'trace.parent_span': textField('parent_span_id', { hexId: true }),
  replayId: replay,
  'replay.id': replay,
  'issue.id': numberField('toUInt64(0)', 'integer'),
  issue: issueField('toUInt64(0)', { kind: 'number', expr: 'toUInt64(0)' }, decodeIssueShortId),
  'transaction.duration': numberField('duration_ms', 'duration', 'millisecond'),
  'transaction.op': textField('op'),
  'transaction.status': textField('status', { lowercase: true }),
  'error.type': emptyArray,
  'error.value': emptyArray,
  'error.handled': booleanField('NULL'),
  'error.unhandled': booleanField('NULL'),
  'error.main_thread': booleanField('NULL'),
  ...releaseLookupFields(textField('release'), transactionAttributeColumn),
};

/**
 * Another key of a transaction: `measurements.<name>` as a number (a duration in milliseconds
 * for Sentry's duration measurements), `tags[k,number]` / `tags[k,boolean]` typed attributes,
 * anything else a string attribute (Sentry's tags).
 */
export function transactionAttributeColumn(key: string): ColumnDef | null {
  if (key.startsWith('measurements.')) {
    const column = attributeColumn(key, 'number');
    return keyTypes.isDuration(DEFAULT_SEARCH_CONFIG, key)
      ? { ...column, type: 'duration', unit: 'millisecond' }
      : column;
  }
  const attribute = attributeFor(key);
  if (attribute === null) return null;
  const column = attributeColumn(attribute.name, attribute.type ?? 'string');
  // Tags read as '' when unset, as the errors source's tags do, so both sources union cleanly.
  return attribute.type === undefined
    ? { ...column, select: (p) => `attributes_string[${p.bind('String', attribute.name)}]` }
    : column;
}

/** The segment spans of `spans` as a source. */
export const TRANSACTIONS_SOURCE = sourceOf(
  {
    table: 'spans',
    where: 'is_segment = 1',
    timeColumn: 'timestamp',
    projectColumn: 'project_id',
    environmentColumn: 'environment',
  },
  TRANSACTION_FIELDS,
  transactionAttributeColumn,
);

/** Functions of the Discover datasets over transactions. */
export const TRANSACTION_FUNCTIONS: ReadonlySet<string> = new Set([
  'count',
  'count_unique',
  'count_if',
  'count_at_least',
  'failure_count',
  'failure_rate',
  'last_seen',
  'latest_event',
  'p50',
  'p75',
  'p90',
  'p95',
  'p99',
  'p100',
  'percentile',
  'avg',
  'sum',
  'min',
  'max',
  'any',
  'var',
  'stddev',
  'eps',
  'epm',
  'tps',
  'tpm',
  'apdex',
  'count_miserable',
  'user_misery',
]);

/** Search keys typed by the transaction catalogue, plus the functions Sentry types. */
export const TRANSACTION_SEARCH_EXTRA = {
  dateKeys: ['last_seen()'],
  percentageKeys: ['failure_rate'],
};

/** Sentry's `transactions` dataset. */
export const TRANSACTIONS_DATASET: Dataset = {
  label: 'transactions',
  sources: [TRANSACTIONS_SOURCE],
  searchConfig: searchConfigFor(TRANSACTION_FIELDS, TRANSACTION_SEARCH_EXTRA),
  defaultNumericColumn: 'transaction.duration',
  statusField: 'transaction.status',
  autoFields: true,
  aggregateConditions: true,
  functions: TRANSACTION_FUNCTIONS,
  sortByUnselected: false,
  preciseTimestamp: false,
  defaultSort: '-timestamp',
};
