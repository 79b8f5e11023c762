/**
 * Security reports (reference/relay-protocol.md §1.4): CSP (legacy and Reporting API), HPKP,
 * Expect-CT and Expect-Staple bodies become events of types `csp`, `hpkp`, `expectct` and
 * `expectstaple`, which then run through the error pipeline. Pure: no I/O.
 */
export {
  classifySecurityReport,
  securityReportToEvent,
  type SecurityEvent,
  type SecurityReportContext,
  type SecurityReportType,
} from './report.js';
export { cspEventFields, normalizeReportUri, type CspEventFields } from './csp.js';
export {
  certificateEventFields,
  type CertificateEventFields,
  type CertificateReportType,
} from './certificate.js';
export { isNelReport, splitSecurityBody, type SplitReports } from './reporting-api.js';
