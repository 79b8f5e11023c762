/**
 * Inbound filters over one trace item (log, trace metric, v2 span), as Relay applies them per
 * item after normalization and before quotas and scrubbing (`relay-server/src/processing/{logs,
 * trace_metrics,spans}/filter.rs`): the project's `filterSettings` over the item's attributes
 * (`relay-filter`'s `Filterable` for `OurLog`, `TraceMetric`, `SpanV2`: release, user agent,
 * segment name for spans) and its generic-filter getter, with the envelope's client address for
 * the client-IP filter. A filtered item is `filtered` with the filter's stat key. Pure.
 */
import {
  KEEP,
  attributesFilterable,
  shouldFilterItem,
  type AttributeItemKind,
  type FilterSettings,
  type FilterVerdict,
} from '../../filters/index.js';
import type { AttributeValue } from './attributes.js';

/** An entry of a container dropped by an inbound filter: the filter's stat key. */
export interface FilteredEntry {
  filtered: string;
}

/** What the filters of a trace item need: the project's settings and the envelope's client. */
export interface TraceItemFilterContext {
  /** The project's inbound filters; without them nothing is filtered. */
  filterSettings?: FilterSettings;
  /** The client address of the envelope request, for the client-IP filter. */
  clientIp?: string;
}

/** A scalar attribute value as filters compare it; arrays and absent keys read as nothing. */
function scalar(value: AttributeValue | undefined): string | number | boolean | undefined {
  return value === undefined || value.type === 'array' ? undefined : value.value;
}

/**
 * Runs the inbound filters over a trace item of `kind` with its (already enriched) attribute
 * `values`; `fields` are the item's own fields its getter exposes (`body` for a log, `name` for a
 * trace metric, `name` / `status` / `kind` for a span). Never throws.
 */
export function filterTraceItem(
  kind: AttributeItemKind,
  values: ReadonlyMap<string, AttributeValue>,
  fields: Readonly<Record<string, string | undefined>>,
  ctx: TraceItemFilterContext,
): FilterVerdict {
  if (ctx.filterSettings === undefined) return KEEP;
  const item = attributesFilterable(kind, (key) => scalar(values.get(key)), fields);
  return shouldFilterItem(item, ctx.filterSettings, { clientIp: ctx.clientIp });
}
