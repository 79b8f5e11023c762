/**
 * Fields every trace-item table has (`spans`, `logs`, `trace_metrics`; the common columns of
 * src/storage/clickhouse/trace-items.ts) and the attribute fallback of the EAP datasets: any
 * other key names an attribute (`tags[k,number|string|boolean]` explicitly), and Sentry's own
 * fields `origin`, `message.template`, `message.parameter.<n>`, … are `sentry.`-prefixed
 * attributes (`src/sentry/search/eap/*` `simple_sentry_field`).
 */
import { attributeColumn } from './attributes.js';
import { dateField, field, numberField, projectSlugField, textField, VALID_FIELD_NAME } from './fields.js';
import { decodePreciseNanos } from './decode.js';
import type { AttributeType, ColumnDef } from './types.js';

/** The `item_id` (32 hex) of logs and trace metrics. */
const itemId = textField('item_id', { lowercase: true });
const project = projectSlugField('project_id');
const projectId = numberField('project_id', 'integer');

/**
 * `observed_timestamp` as Sentry answers it: Relay's nanosecond attribute when present, else
 * the stored microseconds with three zeros.
 */
const OBSERVED =
  "if(mapContains(attributes_string, 'sentry.observed_timestamp_nanos'), attributes_string['sentry.observed_timestamp_nanos'], concat(toString(toUnixTimestamp64Micro(observed_timestamp)), '000'))";

/** Fields of every trace-item source; `id` is the item id (spans override it with the span id). */
export const TRACE_ITEM_FIELDS: Readonly<Record<string, ColumnDef>> = {
  id: itemId,
  'sentry.item_id': itemId,
  project,
  'project.name': project,
  'project.id': projectId,
  project_id: projectId,
  trace: textField('trace_id', { lowercase: true }),
  span_id: textField('span_id', { lowercase: true }),
  timestamp: dateField('timestamp'),
  timestamp_precise: field('toUnixTimestamp64Micro(timestamp)', 'number', null, {
    decode: decodePreciseNanos,
  }),
  observed_timestamp: field(OBSERVED, 'string', null),
  environment: textField('environment'),
  release: textField('release'),
  'sdk.name': textField('sdk_name'),
  'sdk.version': textField('sdk_version'),
};

/** Public names Sentry resolves to `sentry.`-prefixed attributes. */
const SENTRY_ATTRIBUTES: ReadonlySet<string> = new Set([
  'origin',
  'message.template',
  'trace.parent_span_id',
  'replay_id',
]);

const EXPLICIT_ATTRIBUTE = /^tags\[([^,\]]+)(?:,\s*(string|number|boolean))?\]$/;

/**
 * The stored attribute a key names and the type it asks for: `tags[name,type]` → `name`;
 * Sentry's own fields → `sentry.<key>`; any other valid key → itself, untyped. Null for keys
 * with characters Sentry rejects.
 */
export function attributeFor(key: string): { name: string; type?: AttributeType } | null {
  const m = EXPLICIT_ATTRIBUTE.exec(key);
  const name = m ? (m[1] ?? '') : key;
  if (!m && !VALID_FIELD_NAME.test(key)) return null;
  const stored =
    SENTRY_ATTRIBUTES.has(name) || name.startsWith('message.parameter.') ? `sentry.${name}` : name;
  const type = m?.[2] as AttributeType | undefined;
  return type === undefined ? { name: stored } : { name: stored, type };
}

/** The fallback of the EAP sources: an attribute field (see {@link attributeFor}). */
export function attributeFallback(key: string): ColumnDef | null {
  const attribute = attributeFor(key);
  return attribute === null ? null : attributeColumn(attribute.name, attribute.type);
}

/** The common scoping of a trace-item table. */
export function traceItemShape(table: string, where: string | null = null) {
  return {
    table,
    where,
    timeColumn: 'timestamp',
    projectColumn: 'project_id',
    environmentColumn: 'environment',
  };
}

/** Functions every trace-item dataset (logs, spans, trace metrics) has. */
export const TRACE_ITEM_FUNCTIONS: ReadonlySet<string> = new Set([
  'count',
  'count_unique',
  'sum',
  'avg',
  'min',
  'max',
  'p50',
  'p75',
  'p90',
  'p95',
  'p99',
  'p100',
  'epm',
  'eps',
]);
