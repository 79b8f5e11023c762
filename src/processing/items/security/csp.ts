/**
 * Content Security Policy reports → the fields of a `csp` event, as Relay's `Csp::apply_to_event`
 * (`relay-event-schema/src/protocol/security_report.rs`) builds them from either a legacy
 * `report-uri` body (`{"csp-report": {...}}`, kebab-case keys) or a Reporting API `csp-violation`
 * report (`{"type": "csp-violation", "body": {...}}`, camelCase keys):
 *
 * - the effective directive: `effective-directive` (first word) when it is a known directive,
 *   else the first word of `violated-directive`; neither known → the report is invalid;
 * - message (`logentry.formatted`, the issue title): `Blocked 'script' from 'cdn.example.com'`,
 *   `Blocked inline 'style'`, `Blocked unsafe eval() 'script'`, …;
 * - culprit: the violated directive with its sources normalized against the document
 *   (`style-src cdn.example.com 'self'`);
 * - tags `effective-directive`, `blocked-uri` (Stripe query strings cut off) and `blocked-host`;
 * - `request.url` = the document URI, `Referer` header from `referrer`;
 * - the `csp` interface (snake_case fields plus unknown ones).
 */
import type { JsonObject } from '../../../protocol/json.js';
import { definedFields, FieldReader } from './fields.js';

/** CSP directives Relay knows (`CspDirective`). */
const DIRECTIVES: ReadonlySet<string> = new Set([
  'base-uri',
  'child-src',
  'connect-src',
  'default-src',
  'fenced-frame-src',
  'font-src',
  'form-action',
  'frame-ancestors',
  'frame-src',
  'img-src',
  'manifest-src',
  'media-src',
  'object-src',
  'plugin-types',
  'prefetch-src',
  'referrer',
  'script-src',
  'script-src-attr',
  'script-src-elem',
  'style-src',
  'style-src-elem',
  'style-src-attr',
  'upgrade-insecure-requests',
  'worker-src',
  'sandbox',
  'navigate-to',
  'report-uri',
  'report-to',
  'block-all-mixed-content',
  'require-sri-for',
  'require-trusted-types-for',
  'trusted-types',
]);

/** The raw report fields, after alias resolution. */
interface CspRaw {
  effectiveDirective?: string;
  blockedUri: string;
  documentUri?: string;
  originalPolicy?: string;
  referrer?: string;
  statusCode?: number;
  violatedDirective: string;
  sourceFile?: string;
  lineNumber?: number;
  columnNumber?: number;
  scriptSample?: string;
  disposition?: string;
  other: JsonObject;
}

/** What a CSP report contributes to its event. */
export interface CspEventFields {
  logentry: { formatted: string };
  culprit: string;
  tags: Array<[string, string]>;
  request: JsonObject;
  csp: JsonObject;
}

function readCspRaw(reader: FieldReader): CspRaw {
  const numeric = { numericStrings: true };
  return {
    effectiveDirective: reader.string('effective_directive', 'effective-directive', 'effectiveDirective'),
    blockedUri: reader.string('blocked_uri', 'blockedURL', 'blocked-uri') ?? 'self',
    documentUri: reader.string('document_uri', 'documentURL', 'document-uri'),
    originalPolicy: reader.string('original_policy', 'originalPolicy', 'original-policy'),
    referrer: reader.string('referrer'),
    statusCode: reader.integer(['status_code', 'statusCode', 'status-code'], numeric),
    violatedDirective: reader.string('violated_directive', 'violatedDirective', 'violated-directive') ?? '',
    sourceFile: reader.string('source_file', 'sourceFile', 'source-file'),
    lineNumber: reader.integer(['line_number', 'lineNumber', 'line-number'], numeric),
    columnNumber: reader.integer(['column_number', 'columnNumber', 'column-number'], numeric),
    scriptSample: reader.string('script_sample', 'scriptSample', 'script-sample', 'sample'),
    disposition: reader.string('disposition'),
    other: reader.rest(),
  };
}

const firstWord = (text: string): string => text.split(' ', 1)[0] as string;

/** Relay's `CspRaw::effective_directive`; `undefined` when no known directive is named. */
function effectiveDirective(raw: CspRaw): string | undefined {
  if (raw.effectiveDirective !== undefined && DIRECTIVES.has(firstWord(raw.effectiveDirective))) {
    return firstWord(raw.effectiveDirective);
  }
  const violated = firstWord(raw.violatedDirective);
  return DIRECTIVES.has(violated) ? violated : undefined;
}

const isLocal = (uri: string): boolean => uri === '' || uri === 'self' || uri === "'self'";

/** Schemes Python's `urlunsplit` writes with `//` (Relay's `schema_uses_host`). */
const SCHEMES_WITH_HOST: ReadonlySet<string> = new Set([
  'ftp',
  'http',
  'gopher',
  'nntp',
  'telnet',
  'imap',
  'wais',
  'file',
  'mms',
  'https',
  'shttp',
  'snews',
  'prospero',
  'rtsp',
  'rtspu',
  'rsync',
  'svn',
  'svn+ssh',
  'sftp',
  'nfs',
  'git',
  'git+ssh',
  'ws',
  'wss',
]);

/** Python's `urlunsplit((scheme, host, '', '', ''))` with its quirks (Relay's `unsplit_uri`). */
function unsplitUri(scheme: string, host: string): string {
  if (host !== '' || SCHEMES_WITH_HOST.has(scheme)) return `${scheme}://${host}`;
  return scheme === '' ? '' : `${scheme}:`;
}

/** A URL as the WHATWG parser (which the Rust `url` crate follows) reads it; `undefined` if invalid. */
function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Relay's `normalize_uri`: `'self'` for local URIs, a bare host (with a non-default port) for
 * http(s), `scheme://host` or `scheme:` otherwise; a bare word is taken as a scheme.
 */
export function normalizeReportUri(value: string): string {
  if (isLocal(value)) return "'self'";
  if (!value.includes(':')) return unsplitUri(value, '');
  const url = parseUrl(value);
  if (url === undefined) return value;
  const scheme = url.protocol.slice(0, -1);
  const normalized =
    scheme === 'http' || scheme === 'https' ? url.hostname : unsplitUri(scheme, url.hostname);
  return url.port === '' ? normalized : `${normalized}:${url.port}`;
}

/** The noun of a directive in messages about local (inline) violations. */
const LOCAL_MESSAGES: Readonly<Record<string, string>> = {
  'child-src': "Blocked inline 'child'",
  'connect-src': "Blocked inline 'connect'",
  'font-src': "Blocked inline 'font'",
  'img-src': "Blocked inline 'image'",
  'manifest-src': "Blocked inline 'manifest'",
  'media-src': "Blocked inline 'media'",
  'object-src': "Blocked inline 'object'",
  'script-src-attr': "Blocked unsafe 'script' element",
  'script-src-elem': 'Blocked inline script attribute',
  'style-src': "Blocked inline 'style'",
  'style-src-elem': "Blocked 'style' or 'link' element",
  'style-src-attr': 'Blocked style attribute',
  'script-src': "Blocked unsafe (eval() or inline) 'script'",
};

/** Message templates for blocked remote URIs; `{}` is the normalized URI. */
const REMOTE_MESSAGES: Readonly<Record<string, string>> = {
  'child-src': "Blocked 'child' from '{}'",
  'connect-src': "Blocked 'connect' from '{}'",
  'font-src': "Blocked 'font' from '{}'",
  'form-action': "Blocked 'form' action to '{}'",
  'img-src': "Blocked 'image' from '{}'",
  'manifest-src': "Blocked 'manifest' from '{}'",
  'media-src': "Blocked 'media' from '{}'",
  'object-src': "Blocked 'object' from '{}'",
  'script-src': "Blocked 'script' from '{}'",
  'script-src-attr': "Blocked inline script attribute from '{}'",
  'script-src-elem': "Blocked 'script' from '{}'",
  'style-src': "Blocked 'style' from '{}'",
  'style-src-elem': "Blocked 'style' from '{}'",
  'style-src-attr': "Blocked style attribute from '{}'",
};

/** Relay's `CspRaw::get_message`. */
function cspMessage(raw: CspRaw, directive: string): string {
  if (directive === 'script-src') {
    // CSP Level 3 names the blocked script resource with the exact markers `inline` and `eval`.
    if (raw.blockedUri === 'inline') return "Blocked unsafe inline 'script'";
    if (raw.blockedUri === 'eval') return "Blocked unsafe eval() 'script'";
  }
  if (isLocal(raw.blockedUri)) return LOCAL_MESSAGES[directive] ?? `Blocked inline '${directive}'`;
  const uri = normalizeReportUri(raw.blockedUri);
  return (REMOTE_MESSAGES[directive] ?? `Blocked '${directive}' from '{}'`).replace('{}', uri);
}

const SCHEME_VALUES = ['data:', 'mediastream:', 'blob:', 'filesystem:', 'http:', 'https:', 'file:'];

/** Relay's `CspRaw::normalize_value`: one source of the violated directive, relative to the document. */
function normalizeSource(raw: CspRaw, value: string, documentUri: string): string {
  if (value === "'none'" || value === "'self'" || value === "'unsafe-inline'" || value === "'unsafe-eval'") {
    return value;
  }
  if (SCHEME_VALUES.some((prefix) => value.startsWith(prefix))) {
    return documentUri === normalizeReportUri(value) ? "'self'" : value;
  }
  if (value === documentUri) return "'self'";
  const original = raw.documentUri ?? '';
  const colon = original.indexOf(':');
  const scheme = colon === -1 ? undefined : original.slice(0, colon);
  return scheme === undefined || scheme === 'http' || scheme === 'https' ? value : unsplitUri(scheme, value);
}

/** Relay's `CspRaw::get_culprit`: the violated directive with normalized sources. */
function cspCulprit(raw: CspRaw): string {
  if (raw.violatedDirective === '') return '';
  const [name = '', ...sources] = raw.violatedDirective.split(/[\t\n\f\r ]+/u).filter((bit) => bit !== '');
  const documentUri = normalizeReportUri(raw.documentUri ?? '');
  return [name, ...sources.map((source) => normalizeSource(raw, source, documentUri))].join(' ');
}

/** The `blocked-uri` tag: Stripe API URLs lose their query and fragment (they carry card data). */
function sanitizedBlockedUri(uri: string): string {
  if (!uri.startsWith('https://api.stripe.com/')) return uri;
  const cut = uri.search(/[#?]/u);
  return cut === -1 ? uri : uri.slice(0, cut);
}

function cspTags(raw: CspRaw, directive: string): Array<[string, string]> {
  const tags: Array<[string, string]> = [
    ['effective-directive', directive],
    ['blocked-uri', sanitizedBlockedUri(raw.blockedUri)],
  ];
  const url = parseUrl(raw.blockedUri);
  if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') {
    tags.push(['blocked-host', url.hostname]);
  }
  return tags;
}

/**
 * The event fields of a CSP report body (`report` is the object holding the report fields:
 * the value of `csp-report`, or the Reporting API `body`). Returns `undefined` when the report
 * is invalid (a field of the wrong type, no known directive): Relay's `security_report` reason.
 */
export function cspEventFields(report: JsonObject): CspEventFields | undefined {
  const reader = new FieldReader(report);
  const raw = readCspRaw(reader);
  if (reader.error !== undefined) return undefined;
  const directive = effectiveDirective(raw);
  if (directive === undefined) return undefined;
  const request: JsonObject = definedFields({ url: raw.documentUri });
  if (raw.referrer) request.headers = [['Referer', raw.referrer]];
  return {
    logentry: { formatted: cspMessage(raw, directive) },
    culprit: cspCulprit(raw),
    tags: cspTags(raw, directive),
    request,
    csp: {
      ...definedFields({
        effective_directive: directive,
        blocked_uri: raw.blockedUri,
        document_uri: raw.documentUri,
        original_policy: raw.originalPolicy,
        referrer: raw.referrer,
        status_code: raw.statusCode,
        violated_directive: raw.violatedDirective,
        source_file: raw.sourceFile,
        line_number: raw.lineNumber,
        column_number: raw.columnNumber,
        script_sample: raw.scriptSample,
        disposition: raw.disposition,
      }),
      ...raw.other,
    },
  };
}
