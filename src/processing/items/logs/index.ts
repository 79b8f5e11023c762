/**
 * Logs (reference/relay-protocol.md §14.2): `log` container items become rows of the `logs`
 * table (src/protocol/trace-items.ts); OTLP/JSON logs are converted into the same entries.
 * Pure: no I/O.
 */
export {
  DEFAULT_MAX_LOG_SIZE,
  LOG_CONTAINER_CONTENT_TYPE,
  processLogItem,
  type LogItemContext,
  type LogRecord,
  type ProcessedLogs,
} from './process.js';
export {
  logContainerPayload,
  otlpLogsToEntries,
  otlpSeverityToLevel,
  type OtlpLogsError,
  type OtlpLogsResult,
} from './otlp.js';
