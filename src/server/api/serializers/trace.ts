/**
 * A trace as Sentry's trace view reads it (`OrganizationTraceEndpoint`,
 * `src/sentry/api/endpoints/organization_trace.py`, and its `SerializedSpan` /
 * `SerializedIssue` shapes): the trace's spans nested by `parent_span_id` into a forest (a span
 * whose parent is not in the trace is a root), each span node with its `children` (by start
 * time) and the `errors` whose `contexts.trace.span_id` is that span; errors of the trace that
 * match no span are roots of their own (`event_type: "error"`).
 *
 * Times are unix seconds (`start_timestamp`, `end_timestamp`, an error's `timestamp`), durations
 * milliseconds (`duration`, `exclusive_time`). Every attribute of a span is returned in
 * `additional_attributes`, measurements (`measurements.<name>`) also in `measurements`.
 */
import { isJsonObject } from '../../../protocol/json.js';
import type { StoredErrorEvent } from '../../../storage/clickhouse/index.js';
import type { StoredSpan } from '../../../storage/clickhouse/spans.js';
import { attributeOf } from '../../../storage/clickhouse/trace-items.js';

/** An error of the trace, as placed in the tree. */
export interface SerializedTraceError {
  event_id: string;
  issue_id: number;
  project_id: number;
  project_slug: string | null;
  /** The span the error happened in (`contexts.trace.span_id`), `''` when unknown. */
  span: string;
  title: string;
  message: string;
  level: string;
  culprit: string;
  /** Unix seconds. */
  timestamp: number;
  start_timestamp: number;
  event_type: 'error';
}

/** One span of the tree. */
export interface SerializedTraceSpan {
  event_id: string;
  /** The id of the transaction event the span came in, or null. */
  transaction_id: string | null;
  project_id: number;
  project_slug: string | null;
  parent_span_id: string | null;
  start_timestamp: number;
  end_timestamp: number;
  duration: number;
  exclusive_time: number;
  transaction: string;
  is_transaction: boolean;
  op: string;
  name: string;
  description: string;
  status: string;
  kind: string;
  sdk_name: string;
  release: string;
  environment: string;
  measurements: Record<string, { value: number }>;
  additional_attributes: Record<string, unknown>;
  event_type: 'span';
  errors: SerializedTraceError[];
  occurrences: never[];
  children: SerializedTraceSpan[];
}

/** A root of the trace forest: a span, or an error that belongs to no span of the trace. */
export type SerializedTraceNode = SerializedTraceSpan | SerializedTraceError;

type ProjectSlugs = ReadonlyMap<number, string>;

function attributes(span: StoredSpan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names = [
    ...Object.keys(span.attributes_string),
    ...Object.keys(span.attributes_int),
    ...Object.keys(span.attributes_float),
    ...Object.keys(span.attributes_bool),
    ...Object.keys(span.attributes_array),
  ];
  for (const name of names) out[name] = attributeOf(span, name)?.value ?? null;
  return out;
}

function serializeSpan(span: StoredSpan, slugs: ProjectSlugs): SerializedTraceSpan {
  const measurements: Record<string, { value: number }> = {};
  for (const [key, value] of Object.entries(span.attributes_float)) {
    if (key.startsWith('measurements.')) measurements[key.slice('measurements.'.length)] = { value };
  }
  const start = span.timestamp / 1e6;
  return {
    event_id: span.span_id,
    transaction_id: span.event_id === '' ? null : span.event_id,
    project_id: span.project_id,
    project_slug: slugs.get(span.project_id) ?? null,
    parent_span_id: span.parent_span_id === '' ? null : span.parent_span_id,
    start_timestamp: start,
    end_timestamp: (span.timestamp + Math.round(span.duration_ms * 1000)) / 1e6,
    duration: span.duration_ms,
    exclusive_time: span.exclusive_time_ms,
    transaction: span.segment_name,
    is_transaction: span.is_segment,
    op: span.op,
    name: span.name,
    description: span.description !== '' ? span.description : span.name,
    status: span.status,
    kind: span.kind,
    sdk_name: span.sdk_name,
    release: span.release,
    environment: span.environment,
    measurements,
    additional_attributes: attributes(span),
    event_type: 'span',
    errors: [],
    occurrences: [],
    children: [],
  };
}

/** The span id an error event names in `contexts.trace.span_id`, `''` when none. */
function errorSpanId(event: StoredErrorEvent): string {
  const contexts = event.data.contexts;
  const trace = isJsonObject(contexts) ? contexts.trace : undefined;
  const spanId = isJsonObject(trace) ? trace.span_id : undefined;
  return typeof spanId === 'string' ? spanId : '';
}

function serializeError(event: StoredErrorEvent, slugs: ProjectSlugs): SerializedTraceError {
  const timestamp = event.timestamp.getTime() / 1000;
  return {
    event_id: event.event_id,
    issue_id: event.group_id,
    project_id: event.project_id,
    project_slug: slugs.get(event.project_id) ?? null,
    span: errorSpanId(event),
    title: event.title,
    message: event.message,
    level: event.level,
    culprit: event.culprit,
    timestamp,
    start_timestamp: timestamp,
    event_type: 'error',
  };
}

function startOf(node: SerializedTraceNode): number {
  return node.event_type === 'span' ? node.start_timestamp : node.timestamp;
}

/**
 * Builds the trace forest of `spans` and `errors` (see the module comment), roots and children
 * ordered by start time. `slugs` maps project ids to slugs. Never throws; a parent cycle (bad
 * data) leaves the spans of the cycle out.
 */
export function serializeTrace(
  spans: readonly StoredSpan[],
  errors: readonly StoredErrorEvent[],
  slugs: ProjectSlugs,
): SerializedTraceNode[] {
  const nodes = new Map<string, SerializedTraceSpan>();
  for (const span of spans) if (!nodes.has(span.span_id)) nodes.set(span.span_id, serializeSpan(span, slugs));
  const roots: SerializedTraceNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent_span_id === null ? undefined : nodes.get(node.parent_span_id);
    if (parent !== undefined && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  for (const event of errors) {
    const error = serializeError(event, slugs);
    const span = nodes.get(error.span);
    if (span !== undefined) span.errors.push(error);
    else roots.push(error);
  }
  const byStart = (a: SerializedTraceNode, b: SerializedTraceNode): number => startOf(a) - startOf(b);
  for (const node of nodes.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}
