/**
 * Sentry's default `discover` dataset: error events and transactions together (Snuba's
 * `discover` entity), as the rows of the `errors` source (./errors.ts) followed by those of
 * the `transactions` source (./transactions.ts). A field one kind of event does not have reads
 * as unset there — `transaction.duration` and `measurements.*` are NULL for errors, `error.type`
 * is empty for transactions — so filters, aggregates and sorting treat it like Snuba does.
 */
import { LIVE_GROUPS_CONDITION } from '../live-groups.js';
import { DEFAULT_SEARCH_CONFIG, keyTypes } from '../config.js';
import { ERROR_FIELDS, ERROR_FUNCTIONS, eventTagColumn } from './errors.js';
import { numberField, searchConfigFor, sourceOf, textField } from './fields.js';
import {
  TRANSACTION_FIELDS,
  TRANSACTION_FUNCTIONS,
  TRANSACTION_SEARCH_EXTRA,
  TRANSACTIONS_SOURCE,
} from './transactions.js';
import type { ColumnDef, Dataset } from './types.js';

const NULL_NUMBER = 'CAST(NULL AS Nullable(Float64))';
const nullDuration = numberField(NULL_NUMBER, 'duration', 'millisecond');

/** Error-source fields that only transactions have, unset for errors. */
const TRANSACTION_ONLY: Readonly<Record<string, ColumnDef>> = {
  'transaction.duration': nullDuration,
  'transaction.op': textField("''"),
  'transaction.status': textField("''"),
  'trace.span': textField("''"),
  'trace.parent_span': textField("''"),
};

/** The errors source of Discover: unset transaction fields, NULL measurements, tags otherwise. */
const DISCOVER_ERRORS_SOURCE = sourceOf(
  {
    table: 'events',
    // Events of issues being merged away or deleted are on their way elsewhere (or out).
    where: LIVE_GROUPS_CONDITION,
    timeColumn: 'timestamp',
    projectColumn: 'project_id',
    environmentColumn: 'environment',
  },
  { ...ERROR_FIELDS, ...TRANSACTION_ONLY },
  (name) => {
    if (!name.startsWith('measurements.')) return eventTagColumn(name);
    return keyTypes.isDuration(DEFAULT_SEARCH_CONFIG, name) ? nullDuration : numberField(NULL_NUMBER);
  },
);

/** Sentry's `discover` dataset (the events endpoint's default). */
export const DISCOVER_DATASET: Dataset = {
  label: 'discover',
  sources: [DISCOVER_ERRORS_SOURCE, TRANSACTIONS_SOURCE],
  searchConfig: searchConfigFor({ ...ERROR_FIELDS, ...TRANSACTION_FIELDS }, TRANSACTION_SEARCH_EXTRA),
  defaultNumericColumn: 'transaction.duration',
  statusField: 'transaction.status',
  autoFields: true,
  aggregateConditions: true,
  functions: new Set([...ERROR_FUNCTIONS, ...TRANSACTION_FUNCTIONS]),
  sortByUnselected: false,
  preciseTimestamp: false,
  defaultSort: '-timestamp',
};
