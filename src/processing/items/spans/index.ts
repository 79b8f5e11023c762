/**
 * Transactions and spans (reference/relay-protocol.md §3.4, §8.3, §14.3): `transaction` items,
 * span v2 containers, legacy standalone spans and OTLP traces become rows of the `spans` table
 * (src/protocol/span-columns.ts). Pure: no I/O.
 */
export {
  processTransactionItem,
  type TransactionItemContext,
  type TransactionResult,
} from './transaction.js';
export {
  SPAN_V2_CONTENT_TYPE,
  isSpanV2Container,
  processSpanItem,
  spanV2Draft,
  type ProcessedSpans,
} from './span-item.js';
export { legacySpanDraft, measurementAttributes, type SpanError } from './legacy.js';
export {
  DEFAULT_MAX_SPAN_SIZE,
  buildSpanRecord,
  completeSpanTree,
  correctSpanTimes,
  spanSize,
  type SpanDraft,
  type SpanItemContext,
  type SpanRecord,
} from './span-record.js';
export { otlpTracesToEntries, type OtlpTracesResult } from './otlp.js';
export { jsonToAttribute, setJsonAttributes, setStringAttribute } from './attributes.js';
