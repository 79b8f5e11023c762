/**
 * Network Error Logging reports become logs (reference/relay-protocol.md §1.4). Pure: no I/O.
 */
export {
  NEL_LOG_ORIGIN,
  nelMessage,
  nelPayloadToEntries,
  nelReportToLogEntry,
  serverAddress,
  type NelEntries,
} from './process.js';
