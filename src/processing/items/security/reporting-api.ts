/**
 * Splitting a body posted to the security endpoint into what each part becomes
 * (reference/relay-protocol.md §1.4): browsers using the Reporting API (`report-to`, content type
 * `application/reports+json`) batch reports of several types in one JSON list, while legacy
 * `report-uri` bodies hold one report object. Network Error Logging reports
 * (`"type": "network-error"`) become logs; every other report is one security report (an event).
 * Pure: no I/O.
 */
import { isJsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';

/** The parts of a security endpoint body. */
export interface SplitReports {
  /** Security report payloads, one `raw_security` item each (the body itself unless a list). */
  security: Buffer[];
  /** Network Error Logging reports found in a Reporting API list. */
  nel: JsonValue[];
}

/** Whether a Reporting API report is a Network Error Logging report. */
export function isNelReport(report: JsonValue): boolean {
  return isJsonObject(report) && report.type === 'network-error';
}

/**
 * Splits `body` (see the module comment). A body that is not JSON, or not a list, is one
 * security report as is (its processing then decides whether it is valid).
 */
export function splitSecurityBody(body: Buffer): SplitReports {
  let parsed: unknown;
  try {
    parsed = parseJsonText(body.toString('utf8'));
  } catch {
    return { security: [body], nel: [] };
  }
  if (!Array.isArray(parsed)) return { security: [body], nel: [] };
  const split: SplitReports = { security: [], nel: [] };
  for (const report of parsed as JsonValue[]) {
    if (isNelReport(report)) split.nel.push(report);
    else split.security.push(Buffer.from(JSON.stringify(report)));
  }
  return split;
}
