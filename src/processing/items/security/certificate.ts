/**
 * Certificate reports → the fields of `hpkp`, `expectct` and `expectstaple` events, as Relay's
 * `Hpkp`, `ExpectCt` and `ExpectStaple::apply_to_event` built them
 * (`relay-event-schema/src/protocol/security_report.rs`, before these types were retired):
 *
 * - HPKP (RFC 7469 §3, the body itself): message `Public key pinning validation failed for
 *   '<hostname>'`, tags `hostname`, `port`, `include-subdomains`, no culprit;
 * - Expect-CT (`{"expect-ct-report": {...}}`): message `Expect-CT failed for '<hostname>'`, tags
 *   `hostname`, `port`, culprit = hostname;
 * - Expect-Staple (`{"expect-staple-report": {...}}`): message `Expect-Staple failed for
 *   '<hostname>'`, tags `hostname`, `port`, `response_status`, `cert_status`, culprit = hostname;
 * - `request.url` = the hostname; the interface keeps the report's fields in snake_case.
 *
 * `hostname` is required (and `known-pins` for HPKP); a field of the wrong type makes the report
 * invalid (Relay's `security_report` reason).
 */
import type { JsonObject } from '../../../protocol/json.js';
import { definedFields, FieldReader } from './fields.js';

/** The certificate report types. */
export type CertificateReportType = 'hpkp' | 'expectct' | 'expectstaple';

/** What a certificate report contributes to its event. */
export interface CertificateEventFields {
  logentry: { formatted: string };
  /** Absent for HPKP (Sentry then derives it from the request URL). */
  culprit?: string;
  tags: Array<[string, string]>;
  request: JsonObject;
  /** The interface, stored under the event key named like the type. */
  report: JsonObject;
}

const SCT_STATUS: ReadonlySet<string> = new Set(['unknown', 'valid', 'invalid']);
const SCT_SOURCE: ReadonlySet<string> = new Set(['tls-extension', 'ocsp', 'embedded']);
const STAPLE_RESPONSE_STATUS: ReadonlySet<string> = new Set([
  'MISSING',
  'PROVIDED',
  'ERROR_RESPONSE',
  'BAD_PRODUCED_AT',
  'NO_MATCHING_RESPONSE',
  'INVALID_DATE',
  'PARSE_RESPONSE_ERROR',
  'PARSE_RESPONSE_DATA_ERROR',
]);
const STAPLE_CERT_STATUS: ReadonlySet<string> = new Set(['GOOD', 'REVOKED', 'UNKNOWN']);

function hostTags(hostname: string, port: number | undefined): Array<[string, string]> {
  const tags: Array<[string, string]> = [['hostname', hostname]];
  if (port !== undefined) tags.push(['port', String(port)]);
  return tags;
}

function hpkp(reader: FieldReader): CertificateEventFields {
  const hostname = reader.requiredString('hostname');
  const port = reader.integer(['port']);
  const includeSubdomains = reader.bool('include-subdomains');
  const report: JsonObject = {
    ...definedFields({
      date_time: reader.dateTime('date-time'),
      hostname,
      port,
      effective_expiration_date: reader.dateTime('effective-expiration-date'),
      include_subdomains: includeSubdomains,
      noted_hostname: reader.string('noted-hostname'),
      served_certificate_chain: reader.strings('served-certificate-chain'),
      validated_certificate_chain: reader.strings('validated-certificate-chain'),
      known_pins: reader.requiredStrings('known-pins'),
    }),
    ...reader.rest(),
  };
  const tags = hostTags(hostname, port);
  if (includeSubdomains !== undefined) tags.push(['include-subdomains', String(includeSubdomains)]);
  return {
    logentry: { formatted: `Public key pinning validation failed for '${hostname}'` },
    tags,
    request: { url: hostname },
    report,
  };
}

function expectCt(reader: FieldReader): CertificateEventFields {
  const hostname = reader.requiredString('hostname');
  const port = reader.integer(['port'], { min: Number.MIN_SAFE_INTEGER });
  const report = definedFields({
    date_time: reader.dateTime('date-time'),
    hostname,
    port,
    scheme: reader.string('scheme'),
    effective_expiration_date: reader.dateTime('effective-expiration-date'),
    served_certificate_chain: reader.strings('served-certificate-chain') ?? [],
    validated_certificate_chain: reader.strings('validated-certificate-chain') ?? [],
    scts: reader.objects('scts', (sct) =>
      definedFields({
        version: sct.integer(['version'], { min: Number.MIN_SAFE_INTEGER }),
        status: sct.oneOf(['status'], SCT_STATUS),
        source: sct.oneOf(['source'], SCT_SOURCE),
        serialized_sct: sct.string('serialized_sct'),
      }),
    ),
    failure_mode: reader.string('failure-mode'),
    test_report: reader.bool('test-report'),
  });
  return {
    logentry: { formatted: `Expect-CT failed for '${hostname}'` },
    culprit: hostname,
    tags: hostTags(hostname, port),
    request: { url: hostname },
    report,
  };
}

function expectStaple(reader: FieldReader): CertificateEventFields {
  const hostname = reader.requiredString('hostname');
  const port = reader.integer(['port'], { min: Number.MIN_SAFE_INTEGER });
  const responseStatus = reader.oneOf(['response-status'], STAPLE_RESPONSE_STATUS);
  const certStatus = reader.oneOf(['cert-status'], STAPLE_CERT_STATUS);
  const report = definedFields({
    date_time: reader.dateTime('date-time'),
    hostname,
    port,
    effective_expiration_date: reader.dateTime('effective-expiration-date'),
    response_status: responseStatus,
    cert_status: certStatus,
    served_certificate_chain: reader.strings('served-certificate-chain'),
    validated_certificate_chain: reader.strings('validated-certificate-chain'),
    ocsp_response: reader.any('ocsp-response'),
  });
  const tags = hostTags(hostname, port);
  if (responseStatus !== undefined) tags.push(['response_status', responseStatus]);
  if (certStatus !== undefined) tags.push(['cert_status', certStatus]);
  return {
    logentry: { formatted: `Expect-Staple failed for '${hostname}'` },
    culprit: hostname,
    tags,
    request: { url: hostname },
    report,
  };
}

const READERS: Readonly<Record<CertificateReportType, (reader: FieldReader) => CertificateEventFields>> = {
  hpkp,
  expectct: expectCt,
  expectstaple: expectStaple,
};

/** The key of the wrapper object around Expect-CT / Expect-Staple reports (HPKP has none). */
export const CERTIFICATE_REPORT_KEYS = {
  expectct: 'expect-ct-report',
  expectstaple: 'expect-staple-report',
} as const;

/**
 * The event fields of a certificate report (`body` is the whole report JSON object). Returns
 * `undefined` when the report is invalid (missing hostname, wrong field types).
 */
export function certificateEventFields(
  type: CertificateReportType,
  body: JsonObject,
): CertificateEventFields | undefined {
  const source = type === 'hpkp' ? body : body[CERTIFICATE_REPORT_KEYS[type]];
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  const reader = new FieldReader(source);
  const fields = READERS[type](reader);
  return reader.error === undefined ? fields : undefined;
}
