/**
 * The `spans` dataset (Sentry's EAP spans, `src/sentry/search/eap/spans/attributes.py`): every
 * row of the `spans` table. `id` and `span_id` are the span id, `span.op`, `span.name`,
 * `span.description`, `span.status`, `span.kind`, `span.duration` and `span.self_time`
 * (milliseconds), `parent_span`, `transaction` / `segment.name` (the segment's name),
 * `transaction.span_id` / `segment.id`, `is_transaction`, `transaction.event_id`,
 * `precise.start_ts` / `precise.finish_ts` (unix seconds); free text searches the span name;
 * other keys are attributes (./trace-items.ts).
 */
import { booleanField, field, numberField, searchConfigFor, sourceOf, textField } from './fields.js';
import { attributeFallback, TRACE_ITEM_FIELDS, TRACE_ITEM_FUNCTIONS, traceItemShape } from './trace-items.js';
import type { ColumnDef, Dataset } from './types.js';

const spanId = textField('span_id', { lowercase: true });
const name = textField('name');
const duration = numberField('duration_ms', 'duration', 'millisecond');
const segmentName = textField('segment_name');
const segmentId = textField('segment_id', { lowercase: true });
const START_MICROS = 'toUnixTimestamp64Micro(timestamp)';

/** Named fields of the spans source. */
export const SPAN_FIELDS: Readonly<Record<string, ColumnDef>> = {
  ...TRACE_ITEM_FIELDS,
  id: spanId,
  span_id: spanId,
  'span.op': textField('op'),
  'span.name': name,
  'span.description': field("if(description != '', description, name)", 'string', {
    kind: 'text',
    expr: 'description',
  }),
  'span.status': textField('status', { lowercase: true }),
  'span.kind': textField('kind', { lowercase: true }),
  'span.duration': duration,
  'span.self_time': numberField('exclusive_time_ms', 'duration', 'millisecond'),
  parent_span: textField('parent_span_id', { lowercase: true }),
  transaction: segmentName,
  'segment.name': segmentName,
  'transaction.span_id': segmentId,
  'segment.id': segmentId,
  is_transaction: booleanField('is_segment'),
  'transaction.event_id': textField('event_id', { lowercase: true }),
  'precise.start_ts': field(`${START_MICROS} / 1e6`, 'number', null),
  'precise.finish_ts': field(`(${START_MICROS} + duration_ms * 1000) / 1e6`, 'number', null),
  message: name,
};

/** Sentry's `spans` dataset. */
export const SPANS_DATASET: Dataset = {
  label: 'spans',
  sources: [sourceOf(traceItemShape('spans'), SPAN_FIELDS, attributeFallback)],
  searchConfig: searchConfigFor(SPAN_FIELDS, { percentageKeys: ['failure_rate'] }),
  defaultNumericColumn: 'span.duration',
  statusField: 'span.status',
  autoFields: true,
  aggregateConditions: true,
  functions: new Set([...TRACE_ITEM_FUNCTIONS, 'failure_count', 'failure_rate']),
  sortByUnselected: true,
  preciseTimestamp: true,
  defaultSort: '-timestamp',
};
