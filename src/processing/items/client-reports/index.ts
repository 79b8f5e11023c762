/**
 * Client reports (reference/relay-protocol.md §7.3): `client_report` items become outcomes
 * (`client_discard` and the Relay-to-Relay lists). Pure: no I/O.
 */
export {
  clientReportOutcomes,
  DEFAULT_CLIENT_REPORT_RETENTION_DAYS,
  MAX_CLIENT_REPORT_REASON_BYTES,
  parseClientReport,
  type ClientReport,
  type ClientReportContext,
  type ClientReportField,
  type DiscardedEvent,
} from './process.js';
