/**
 * `request` interface normalization.
 *
 * Follows `relay-event-normalization/src/normalize/request.rs` (method, URL split, body
 * inference, `Cookie` header → `cookies`) and the `Headers` / `Cookies` / `Query` types of
 * `relay-event-schema/src/protocol/request.rs`, which store all three as `[key, value]` pair
 * lists. reference/relay-protocol.md §8 "Request".
 */
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../protocol/json.js';
import type { EventMeta } from './meta.js';

const METHOD = /^[A-Z\-_]{3,32}$/;
const ELLIPSIS = '\u2026';

/** Relay's `HeaderName::new`: upper-cases the first character and every character after `-`. */
export function normalizeHeaderName(name: string): string {
  let out = '';
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch;
    upper = ch === '-';
  }
  return out;
}

function lenient(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** `JsonLenientString`: primitives printed, containers serialized as JSON. */
function jsonLenient(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return lenient(value) ?? JSON.stringify(value);
}

/** Percent-decoding that keeps malformed escapes as they are. */
function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** Parses `application/x-www-form-urlencoded` text into pairs (`+` is a space). */
export function parseQuery(text: string): [string, string][] {
  const body = text.startsWith('?') ? text.slice(1) : text;
  const pairs: [string, string][] = [];
  for (const part of body.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(rawKey.replace(/\+/g, ' ')), percentDecode(rawValue.replace(/\+/g, ' '))]);
  }
  return pairs;
}

/**
 * Parses a `Cookie` header value (`a=b; c=d`) into pairs, percent-decoding names and values.
 * Returns `undefined` when any cookie lacks a name or `=`, as Relay's `Cookies::parse` does.
 */
export function parseCookies(text: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    const name = part.slice(0, eq).trim();
    if (name === '') return undefined;
    pairs.push([percentDecode(name), percentDecode(part.slice(eq + 1).trim())]);
  }
  return pairs;
}

/**
 * Converts an object / pair-list / string value into `[key, value]` pairs.
 * Objects are sorted by key (Relay's maps are ordered); pair lists keep their order.
 */
function toPairs(
  value: JsonValue | undefined,
  convert: (v: JsonValue | undefined) => string | undefined,
  normalizeKey: (k: string) => string = (k) => k,
): [string, string][] | undefined {
  if (Array.isArray(value)) {
    const pairs: [string, string][] = [];
    for (const entry of value) {
      if (!Array.isArray(entry) || entry.length !== 2) continue;
      const key = lenient(entry[0]);
      const val = convert(entry[1]);
      if (key !== undefined && val !== undefined) pairs.push([normalizeKey(key), val]);
    }
    return pairs;
  }
  if (isJsonObject(value)) {
    const pairs: [string, string][] = [];
    for (const key of Object.keys(value)) {
      const val = convert(value[key]);
      if (val !== undefined) pairs.push([normalizeKey(key), val]);
    }
    return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  return undefined;
}

/** Header values: arrays are joined with `,`, primitives printed. */
function headerValue(value: JsonValue | undefined): string | undefined {
  if (Array.isArray(value)) {
    const parts = value.map(lenient).filter((v): v is string => v !== undefined);
    return parts.join(',');
  }
  return lenient(value);
}

/** Returns the value of the first header named `name` (case-insensitive) in a pair list. */
export function getHeader(headers: JsonValue | undefined, name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  const wanted = name.toLowerCase();
  for (const pair of headers) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && pair[0].toLowerCase() === wanted) {
      return typeof pair[1] === 'string' ? pair[1] : undefined;
    }
  }
  return undefined;
}

function removeHeader(headers: JsonValue[], name: string): void {
  for (let i = headers.length - 1; i >= 0; i--) {
    const pair = headers[i];
    if (Array.isArray(pair) && pair[0] === name) headers.splice(i, 1);
  }
}

function normalizeUrl(request: JsonObject): void {
  let url = request.url;
  if (typeof url !== 'string') return;
  if (url.endsWith(ELLIPSIS)) url = `${url.slice(0, -ELLIPSIS.length)}...`;

  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }

  if (parsed) {
    if (request.query_string === undefined || request.query_string === null) {
      const query: [string, string][] = [];
      parsed.searchParams.forEach((value, key) => query.push([key, value]));
      if (query.length > 0) request.query_string = query;
    }
    if ((request.fragment === undefined || request.fragment === null) && parsed.hash.length > 1) {
      request.fragment = percentDecode(parsed.hash.slice(1));
    }
    parsed.search = '';
    parsed.hash = '';
    request.url = parsed.href;
    return;
  }

  const hashIndex = url.indexOf('#');
  if (hashIndex !== -1) {
    const fragment = url.slice(hashIndex + 1);
    if (fragment !== '' && (request.fragment === undefined || request.fragment === null))
      request.fragment = fragment;
    url = url.slice(0, hashIndex);
  }
  const queryIndex = url.indexOf('?');
  if (queryIndex !== -1) {
    const query = url.slice(queryIndex + 1);
    if (query !== '' && (request.query_string === undefined || request.query_string === null)) {
      const pairs = parseQuery(query);
      if (pairs.length > 0) request.query_string = pairs;
    }
    url = url.slice(0, queryIndex);
  }
  request.url = url;
}

/** Decodes an urlencoded body, rejecting the false positives Relay rejects. */
function urlencodedBody(raw: string): JsonObject | undefined {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(raw)) return undefined;
  if (raw.startsWith('<?xml') || raw.startsWith('{') || raw.startsWith('[')) return undefined;
  const object: JsonObject = {};
  for (const [key, value] of parseQuery(raw)) object[key] = value;
  const values = Object.values(object);
  const valid = values.length > 1 || (values.length === 1 && values[0] !== '' && values[0] !== '=');
  return valid ? object : undefined;
}

function normalizeData(request: JsonObject): void {
  const data = request.data;
  delete request.inferred_content_type;
  if (typeof data === 'string') {
    try {
      request.data = parseJsonText(data) as JsonValue;
      request.inferred_content_type = 'application/json';
      return;
    } catch {
      const form = urlencodedBody(data);
      if (form) {
        request.data = form;
        request.inferred_content_type = 'application/x-www-form-urlencoded';
        return;
      }
    }
  }
  const contentType = getHeader(request.headers, 'Content-Type');
  if (contentType !== undefined) request.inferred_content_type = contentType.split(';')[0] ?? contentType;
}

/**
 * Normalizes `event.request` in place:
 * - `method` upper-cased; values not matching `^[A-Z\-_]{3,32}$` are removed (`invalid_data`);
 * - `url` split into `url`, `query_string` and `fragment` (existing fields win), with a trailing
 *   `…` turned into `...`;
 * - `headers` (object → sorted), `query_string` and `cookies` become `[key, value]` pair lists,
 *   header names normalized (`content-type` → `Content-Type`);
 * - a string body that parses as JSON or form data is decoded (`inferred_content_type`);
 * - the `Cookie` header becomes `cookies` (and is removed when `cookies` exist).
 */
export function normalizeRequest(event: JsonObject, meta: EventMeta): void {
  const request = event.request;
  if (request === undefined) return;
  if (!isJsonObject(request)) {
    delete event.request;
    if (request !== null) meta.addInvalid(['request'], 'expected a request', request);
    return;
  }

  const method = request.method;
  if (method !== undefined && method !== null) {
    const upper = typeof method === 'string' ? method.toUpperCase() : undefined;
    if (upper !== undefined && METHOD.test(upper)) request.method = upper;
    else {
      delete request.method;
      meta.addError(['request', 'method'], 'invalid_data', { original: method });
    }
  } else if (method === null) delete request.method;

  if (request.headers !== undefined) {
    const headers = toPairs(request.headers, headerValue, normalizeHeaderName);
    if (headers === undefined) {
      if (request.headers !== null)
        meta.addInvalid(['request', 'headers'], 'expected headers', request.headers);
      delete request.headers;
    } else request.headers = headers;
  }

  if (typeof request.query_string === 'string') {
    const pairs = parseQuery(request.query_string);
    if (pairs.length > 0) request.query_string = pairs;
    else delete request.query_string;
  } else if (request.query_string !== undefined) {
    const pairs = toPairs(request.query_string, jsonLenient);
    if (pairs === undefined) {
      if (request.query_string !== null) {
        meta.addInvalid(['request', 'query_string'], 'expected a query string or map', request.query_string);
      }
      delete request.query_string;
    } else request.query_string = pairs;
  }

  if (typeof request.cookies === 'string') {
    const pairs = request.cookies
      .split(';')
      .map((part) => parseCookies(part))
      .flatMap((pairs) => pairs ?? []);
    request.cookies = pairs;
  } else if (request.cookies !== undefined) {
    const pairs = toPairs(request.cookies, lenient);
    if (pairs === undefined) {
      if (request.cookies !== null)
        meta.addInvalid(['request', 'cookies'], 'expected cookies', request.cookies);
      delete request.cookies;
    } else request.cookies = pairs;
  }

  if (request.env !== undefined && !isJsonObject(request.env)) {
    if (request.env !== null) meta.addInvalid(['request', 'env'], 'expected an object', request.env);
    delete request.env;
  }
  if (request.fragment !== undefined && typeof request.fragment !== 'string') {
    if (request.fragment !== null)
      meta.addInvalid(['request', 'fragment'], 'expected a string', request.fragment);
    delete request.fragment;
  }
  if (request.url !== undefined && typeof request.url !== 'string') {
    if (request.url !== null) meta.addInvalid(['request', 'url'], 'expected a string', request.url);
    delete request.url;
  }

  normalizeUrl(request);
  normalizeData(request);

  const headers = request.headers;
  if (Array.isArray(headers)) {
    if (request.cookies !== undefined) removeHeader(headers, 'Cookie');
    else {
      const cookieHeader = getHeader(headers, 'Cookie');
      const parsed = cookieHeader === undefined ? undefined : parseCookies(cookieHeader);
      if (parsed) {
        request.cookies = parsed;
        removeHeader(headers, 'Cookie');
      }
    }
  }
}
