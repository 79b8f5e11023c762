/**
 * Building blocks shared by the trace-item pipelines (logs, trace metrics): item containers,
 * typed attributes, request enrichment, scrubbing and the common row columns. Named after
 * Relay's `relay-event-normalization/src/eap/` (the "event analytics platform" item model).
 * Pure: no I/O. reference/relay-protocol.md §3.7, §14.2, §14.4.
 */
export {
  containerPayload,
  declaredItemCount,
  parseItemContainer,
  type ContainerError,
  type ContainerHeaders,
  type ContainerMetadata,
  type ContainerResult,
  type IngestSettings,
  type ParsedContainer,
} from './container.js';
export {
  ATTRIBUTE_TYPES,
  attributeErrorsMeta,
  attributesSize,
  canonicalSize,
  parseAttributes,
  stringAttribute,
  toAttributeMaps,
  type ArrayElement,
  type AttributeError,
  type AttributeErrorKind,
  type AttributeValue,
  type ParsedAttributes,
} from './attributes.js';
export {
  BROWSER_NAME_ATTRIBUTE,
  BROWSER_VERSION_ATTRIBUTE,
  CLIENT_ADDRESS_ATTRIBUTE,
  OBSERVED_TIMESTAMP_ATTRIBUTE,
  USER_AGENT_ATTRIBUTE,
  enrichAttributes,
  observedTimestampNanos,
  type RequestInfo,
} from './enrich.js';
export { scrubTraceItem, type ScrubResult, type TraceItemType } from './scrub.js';
export {
  DEFAULT_TRACE_ITEM_RETENTION_DAYS,
  buildTraceItem,
  readTraceItemIds,
  tallyDrop,
  toMicros,
  type BuiltTraceItem,
  type DroppedEntries,
  type TraceItemContext,
  type TraceItemIds,
} from './trace-item.js';
export {
  isFilteredEntry,
  processContainerEntries,
  type ContainerEntrySpec,
  type ProcessedContainer,
} from './process-container.js';
export { filterTraceItem, type FilteredEntry, type TraceItemFilterContext } from './filter.js';
export {
  addOtlpAttributes,
  otlpAttribute,
  otlpBaseAttributes,
  otlpField,
  otlpList,
  otlpNanosToSeconds,
  readOtlpRecords,
  type OtlpDocumentError,
  type OtlpRecord,
} from './otlp.js';
