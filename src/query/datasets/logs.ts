/**
 * The `logs` dataset (alias `ourlogs`; Sentry's `src/sentry/search/eap/ourlogs/attributes.py`):
 * rows of the `logs` table. `severity` (`severity_text`, `level`) and `severity_number`,
 * `message` (`log.body`), `payload_size` (bytes), the common trace-item fields and attributes
 * (./trace-items.ts). Aggregate filters do not apply (Sentry's logs config has no aggregate
 * conditions).
 */
import { field, numberField, searchConfigFor, sourceOf, textField } from './fields.js';
import { attributeFallback, TRACE_ITEM_FIELDS, TRACE_ITEM_FUNCTIONS, traceItemShape } from './trace-items.js';
import type { ColumnDef, Dataset } from './types.js';

const severity = textField('level', { lowercase: true });
const severityNumber = numberField('severity_number', 'integer');
const message = textField('body');

/** Named fields of the logs source. */
export const LOG_FIELDS: Readonly<Record<string, ColumnDef>> = {
  ...TRACE_ITEM_FIELDS,
  severity,
  severity_text: severity,
  'log.severity_text': severity,
  level: severity,
  severity_number: severityNumber,
  'log.severity_number': severityNumber,
  message,
  'log.body': message,
  payload_size: field(
    'payload_size_bytes',
    'size',
    { kind: 'number', expr: 'payload_size_bytes' },
    { unit: 'byte' },
  ),
};

/** Sentry's `logs` dataset. */
export const LOGS_DATASET: Dataset = {
  label: 'logs',
  sources: [sourceOf(traceItemShape('logs'), LOG_FIELDS, attributeFallback)],
  searchConfig: searchConfigFor(LOG_FIELDS),
  defaultNumericColumn: null,
  statusField: null,
  autoFields: false,
  aggregateConditions: false,
  functions: TRACE_ITEM_FUNCTIONS,
  sortByUnselected: true,
  preciseTimestamp: true,
  defaultSort: '-timestamp',
};
