/**
 * User agent and client hints → `contexts.browser`, `contexts.device` and `contexts.os`
 * (JavaScript) / `contexts.client_os` (other platforms).
 *
 * Follows `relay-event-normalization/src/normalize/user_agent.rs` (client hints first, never
 * overwrite existing contexts, `>=` prefix for frozen Windows 10 / macOS 10.15.7 versions,
 * `major.minor.patch` versions). Relay parses with the uap-core regexes; Vigil uses
 * `ua-parser-js` v1 and maps its family names to uap's where they differ.
 * reference/relay-protocol.md §8.6.
 */
import UAParser from 'ua-parser-js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { getHeader } from './request.js';
import type { ClientHints } from './types.js';

/** Parsed user agent: only the parts contexts need. */
interface ParsedAgent {
  browser?: { name: string; version?: string };
  os?: { name: string; version?: string };
  device?: { family: string; model: string; brand?: string };
}

const BROWSER_NAMES: Readonly<Record<string, string>> = {
  'Mobile Chrome': 'Chrome Mobile',
  'Mobile Firefox': 'Firefox Mobile',
  'Samsung Browser': 'Samsung Internet',
  'Chrome WebView': 'Chrome Mobile WebView',
};

const OS_NAMES: Readonly<Record<string, string>> = {
  'Mac OS': 'Mac OS X',
  'Chromium OS': 'Chrome OS',
};

const DEVICE_MODELS: Readonly<Record<string, string>> = {
  Macintosh: 'Mac',
};

/** At most `major.minor.patch`, like uap's version triple. */
function shortVersion(version: string | undefined): string | undefined {
  if (version === undefined || version === '') return undefined;
  return version.split('.').slice(0, 3).join('.');
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, ParsedAgent>();
const parser = new UAParser();

/** Parses a user agent with `ua-parser-js`, memoized (user agents repeat heavily). */
export function parseUserAgent(userAgent: string): ParsedAgent {
  const cached = cache.get(userAgent);
  if (cached) return cached;

  const result = parser.setUA(userAgent).getResult();
  const parsed: ParsedAgent = {};
  if (result.browser.name) {
    let name = BROWSER_NAMES[result.browser.name] ?? result.browser.name;
    if (name === 'Chrome' && result.os.name === 'Android' && / Mobile/.test(userAgent))
      name = 'Chrome Mobile';
    // uap names the iOS builds after their UA tokens; ua-parser-js reports plain Chrome / Firefox.
    else if (name === 'Chrome' && /\bCriOS\//.test(userAgent)) name = 'Chrome Mobile iOS';
    else if (name === 'Firefox' && /\bFxiOS\//.test(userAgent)) name = 'Firefox iOS';
    parsed.browser = { name, version: shortVersion(result.browser.version) };
  }
  if (result.os.name) {
    const name = OS_NAMES[result.os.name] ?? result.os.name;
    let version = shortVersion(result.os.version);
    if ((name === 'Windows' && version === '10') || (name === 'Mac OS X' && version === '10.15.7')) {
      version = `>=${version}`;
    }
    parsed.os = { name, version };
  }
  if (result.device.model) {
    const model = DEVICE_MODELS[result.device.model] ?? result.device.model;
    parsed.device = { family: model, model, brand: result.device.vendor };
  }

  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(userAgent, parsed);
  return parsed;
}

/**
 * Parses `Sec-CH-UA` (`"Not_A Brand";v="99", "Google Chrome";v="109"`): the first brand that is
 * not a placeholder or engine (`Brand`, `Chromium`, `Gecko`, `WebKit`) is the browser.
 */
export function browserFromClientHints(secChUa: string): { name: string; version: string } | undefined {
  for (const item of secChUa.split(',')) {
    if (/Brand|Chromium|Gecko|WebKit/.test(item)) continue;
    const m = /"([^"]*)";v="([^"]*)"/.exec(item);
    if (!m) return undefined;
    const name = m[1] ?? '';
    const version = m[2] ?? '';
    if (name.trim() === '' || version.trim() === '') return undefined;
    return { name, version };
  }
  return undefined;
}

function unquote(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().replace(/"/g, '');
  return text;
}

function setContext(
  contexts: JsonObject,
  key: string,
  type: string,
  fields: Record<string, string | undefined>,
): void {
  const context: JsonObject = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) context[name] = value;
  context.type = type;
  contexts[key] = context;
}

/** Resolves Relay-spelled aliases into the short client hint names. */
export function resolveHints(hints: ClientHints | undefined): ClientHints {
  if (!hints) return {};
  return {
    ua: hints.ua ?? hints.sec_ch_ua,
    platform: hints.platform ?? hints.sec_ch_ua_platform,
    platformVersion: hints.platformVersion ?? hints.sec_ch_ua_platform_version,
    model: hints.model ?? hints.sec_ch_ua_model,
  };
}

/** Where the user agent information comes from. */
export interface UserAgentSources {
  /** The request's HTTP `User-Agent`, used when the event has no `User-Agent` header. */
  fallbackUserAgent?: string;
  /** The request's HTTP client hints, used when the event has no `Sec-CH-UA*` headers. */
  fallbackClientHints?: ClientHints;
}

/**
 * Fills `contexts.browser`, `contexts.device` and `contexts.os` / `contexts.client_os` in place
 * from the event's `User-Agent` / `Sec-CH-UA*` request headers (or the HTTP request's, as a
 * fallback). Client hints win over the user agent; existing contexts are never overwritten.
 */
export function normalizeUserAgent(event: JsonObject, sources: UserAgentSources): void {
  const request = event.request;
  const headers: JsonValue | undefined = isJsonObject(request) ? request.headers : undefined;
  const userAgent = getHeader(headers, 'User-Agent') ?? sources.fallbackUserAgent;
  const headerHints: ClientHints = {
    ua: getHeader(headers, 'Sec-CH-UA'),
    platform: getHeader(headers, 'Sec-CH-UA-Platform'),
    platformVersion: getHeader(headers, 'Sec-CH-UA-Platform-Version'),
    model: getHeader(headers, 'Sec-CH-UA-Model'),
  };
  const hasHeaderHints = Object.values(headerHints).some((v) => v !== undefined);
  const hints = hasHeaderHints ? headerHints : resolveHints(sources.fallbackClientHints);
  if (userAgent === undefined && Object.values(hints).every((v) => v === undefined)) return;

  let contexts = event.contexts;
  if (!isJsonObject(contexts)) {
    contexts = {};
    event.contexts = contexts;
  }
  let parsed: ParsedAgent | undefined;
  const agent = (): ParsedAgent => (parsed ??= userAgent === undefined ? {} : parseUserAgent(userAgent));

  if (contexts.browser === undefined) {
    const fromHints = hints.ua === undefined ? undefined : browserFromClientHints(hints.ua);
    const browser = fromHints ?? agent().browser;
    if (browser) setContext(contexts, 'browser', 'browser', { name: browser.name, version: browser.version });
  }

  if (contexts.device === undefined) {
    const model = unquote(hints.model);
    if (model) setContext(contexts, 'device', 'device', { model });
    else {
      const device = agent().device;
      if (device) {
        setContext(contexts, 'device', 'device', {
          family: device.family,
          model: device.model,
          brand: device.brand,
        });
      }
    }
  }

  const osKey = event.platform === 'javascript' ? 'os' : 'client_os';
  if (contexts[osKey] === undefined) {
    const platform = unquote(hints.platform);
    if (platform) {
      setContext(contexts, osKey, 'os', { name: platform, version: unquote(hints.platformVersion) });
    } else {
      const os = agent().os;
      if (os) setContext(contexts, osKey, 'os', { name: os.name, version: os.version });
    }
  }

  if (Object.keys(contexts).length === 0) delete event.contexts;
}

/**
 * For security reports: copies the HTTP request's `User-Agent` and client hints into
 * `request.headers` when the report does not carry them (Relay `populate_event_headers`).
 */
export function populateSecurityReportHeaders(
  event: JsonObject,
  userAgent: string | undefined,
  clientHints: ClientHints | undefined,
): void {
  const hints = resolveHints(clientHints);
  const entries: [string, string | undefined][] = [
    ['User-Agent', userAgent],
    ['SEC-CH-UA-Platform', hints.platform],
    ['SEC-CH-UA-Platform-Version', hints.platformVersion],
    ['SEC-CH-UA', hints.ua],
    ['SEC-CH-UA-Model', hints.model],
  ];
  if (entries.every(([, v]) => v === undefined)) return;
  let request = event.request;
  if (!isJsonObject(request)) {
    request = {};
    event.request = request;
  }
  let headers = request.headers;
  if (!Array.isArray(headers)) {
    headers = [];
    request.headers = headers;
  }
  for (const [name, value] of entries) {
    if (value !== undefined && getHeader(headers, name) === undefined) headers.push([name, value]);
  }
}
