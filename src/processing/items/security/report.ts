/**
 * One security report (a `raw_security` item, reference/relay-protocol.md §1.4, §3.4) → the event
 * it becomes, as Relay's `event_from_security_report`
 * (`relay-server/src/services/processor/event.rs`) builds it before the normal error pipeline
 * (normalize, scrub, group, extract) runs over it:
 *
 * 1. the report type from its keys: `csp-report` or a Reporting API `"type": "csp-violation"` →
 *    `csp`; `known-pins` → `hpkp`; `expect-staple-report` → `expectstaple`; `expect-ct-report` →
 *    `expectct`; another Reporting API `type` → dropped as `filtered` / `invalid-csp` (Relay's
 *    `UnsupportedSecurityType`); none of these → `invalid` / `security_report_type`; not a JSON
 *    object → `invalid` / `invalid_json`;
 * 2. the report's fields (src/processing/items/security/csp.ts, certificate.ts); a malformed
 *    report → `invalid` / `security_report`;
 * 3. `release` / `environment` from the `sentry_release` / `sentry_environment` query parameters
 *    (item headers), the request's `Origin` as a request header, and the event `type`.
 *
 * The newest Relay no longer recognises HPKP, Expect-CT and Expect-Staple (browsers stopped
 * sending them; its classifier answers `security_report_type`). Vigil keeps the behaviour of the
 * Relay versions that did, so existing reporters and Sentry's issue types still work. Pure: no I/O.
 */
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import {
  certificateEventFields,
  CERTIFICATE_REPORT_KEYS,
  type CertificateReportType,
} from './certificate.js';
import { cspEventFields } from './csp.js';

/** The event types security reports become. */
export type SecurityReportType = 'csp' | CertificateReportType;

/** Request facts the event takes from the report's item headers and HTTP request. */
export interface SecurityReportContext {
  /** `sentry_release` of the report URL. */
  release?: string;
  /** `sentry_environment` of the report URL. */
  environment?: string;
  /** The request's `Origin` (else `Referer`) origin, added as an `Origin` request header. */
  origin?: string;
}

/** A report converted into an event payload (still to be normalized like any event). */
export interface SecurityEvent {
  type: SecurityReportType;
  event: JsonObject;
}

const isPresent = (value: JsonValue | undefined): boolean => value !== undefined && value !== null;

/**
 * Relay's `SecurityReportType::from_json` (plus the retired certificate types): the report type,
 * `unsupported` for other Reporting API report types, `undefined` when nothing matches, or
 * `invalid_json` when `type` is not a string.
 */
export function classifySecurityReport(
  body: JsonObject,
): SecurityReportType | 'unsupported' | 'invalid_json' | undefined {
  const type = body.type;
  if (type !== undefined && type !== null && typeof type !== 'string') return 'invalid_json';
  if (isPresent(body['csp-report']) || type === 'csp-violation') return 'csp';
  if (isPresent(body['known-pins'])) return 'hpkp';
  if (isPresent(body[CERTIFICATE_REPORT_KEYS.expectstaple])) return 'expectstaple';
  if (isPresent(body[CERTIFICATE_REPORT_KEYS.expectct])) return 'expectct';
  if (typeof type === 'string') return 'unsupported';
  return undefined;
}

/** The CSP fields of a legacy body (`csp-report`), else of a Reporting API body (`body`). */
function cspFields(body: JsonObject) {
  const legacy = body['csp-report'];
  const fromLegacy = isJsonObject(legacy) ? cspEventFields(legacy) : undefined;
  if (fromLegacy !== undefined) return fromLegacy;
  return isJsonObject(body.body) ? cspEventFields(body.body) : undefined;
}

/** Parses one report payload; `undefined` when it is not a JSON object. */
function parseReport(payload: Buffer): JsonObject | undefined {
  try {
    const value: unknown = parseJsonText(payload.toString('utf8'));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Converts one security report payload into its event (see the module comment). Returns the
 * drop with Relay's outcome and reason when the report is not accepted; never throws.
 */
export function securityReportToEvent(
  payload: Buffer,
  ctx: SecurityReportContext = {},
): StepResult<SecurityEvent> {
  const body = parseReport(payload);
  if (body === undefined) return drop('invalid', 'invalid_json');
  const type = classifySecurityReport(body);
  if (type === 'invalid_json') return drop('invalid', 'invalid_json');
  if (type === undefined) return drop('invalid', 'security_report_type');
  if (type === 'unsupported') return drop('filtered', 'invalid-csp');

  const event: JsonObject = { type };
  if (type === 'csp') {
    const fields = cspFields(body);
    if (fields === undefined) return drop('invalid', 'security_report');
    Object.assign(event, fields);
  } else {
    const fields = certificateEventFields(type, body);
    if (fields === undefined) return drop('invalid', 'security_report');
    const { report, ...rest } = fields;
    Object.assign(event, rest, { [type]: report });
  }
  if (ctx.release !== undefined) event.release = ctx.release;
  if (ctx.environment !== undefined) event.environment = ctx.environment;
  if (ctx.origin !== undefined) {
    const request = isJsonObject(event.request) ? event.request : (event.request = {});
    const headers = Array.isArray(request.headers) ? request.headers : (request.headers = []);
    headers.push(['Origin', ctx.origin]);
  }
  return ok({ type, event });
}
