/**
 * What the inbound filters can see of an item, per item type.
 *
 * Follows `relay-filter/src/interface.rs` (`Filterable`, implemented for `Event`, `Replay`,
 * `Span`, `SpanV2`, `SessionUpdate`, `SessionAggregates`, `OurLog`, `TraceMetric`): every
 * accessor is optional and a filter whose input is missing simply does not match. Relay runs the
 * same `should_filter` over all of these items, so what differs per item type is only what its
 * adapter exposes (everything else is absent):
 *
 * - events ({@link eventFilterable}): `csp` (type `csp` only), `exception.values`, `logentry`,
 *   `user.ip_address`, `release`, `transaction` (type `transaction` only), `request.url`, request
 *   headers (incl. `User-Agent`), and the `event.*` getter for generic filters;
 * - replays ({@link replayFilterable}): `user.ip_address`, `release`, `request.url`, request
 *   headers;
 * - standalone spans ({@link spanFilterable}): `data` fields `client.address`,
 *   `sentry.release`, `sentry.segment.name` (as the transaction), `url.full`,
 *   `user_agent.original`;
 * - sessions ({@link sessionFilterable}): `attrs.ip_address`, `attrs.release`,
 *   `attrs.user_agent`;
 * - logs, trace metrics, v2 spans ({@link attributesFilterable}): `sentry.release`, the browser
 *   from `browser.name`/`browser.version` (else `user_agent.original`), `sentry.segment.name`
 *   for spans, and the `log.*` / `trace_metric.*` getter.
 *
 * So the client-IP filter (which reads the envelope's client address, not the item) applies to
 * every item type; release, legacy-browser and web-crawler filters apply wherever the item has a
 * release or user agent; error-message, browser-extension and CSP filters only to events.
 */
import {
  asArray,
  asObject,
  asString,
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from '../../protocol/json.js';
import type { Getter, GetterValue } from './condition.js';

/** A browser already identified (family as uap-core names it, major version). */
export interface ParsedBrowser {
  family: string;
  major?: string;
}

/** The user agent of an item: the raw header value and/or an already-parsed browser. */
export interface FilterUserAgent {
  raw?: string;
  parsed?: ParsedBrowser;
}

/** An item as the filters see it (Relay's `Filterable` + `Getter`). */
export interface Filterable {
  /** The CSP report (`csp` object), only for events of type `csp`. */
  csp?(): JsonObject | undefined;
  /** `exception.values`, only for events. */
  exceptions?(): readonly JsonValue[] | undefined;
  /** The user IP carried by the item (for the localhost filter, not the client IP). */
  ipAddr?(): string | undefined;
  /** `logentry`, only for events. */
  logentry?(): JsonObject | undefined;
  release?(): string | undefined;
  /** The transaction name: transactions (`type: transaction`) and spans (segment name). */
  transaction?(): string | undefined;
  /** The raw URL the request came from (the localhost filter parses it). */
  url?(): string | undefined;
  userAgent?(): FilterUserAgent;
  /** A request header carried by the item (case-insensitive), not the HTTP request's. */
  header?(name: string): string | undefined;
  /** Field access for generic filters; items without one match no generic filter. */
  getter?: Getter;
}

/** Reads a header from a pair list (`[[name, value]]`) or an object, case-insensitively. */
export function findHeader(headers: JsonValue | undefined, name: string): string | undefined {
  const wanted = name.toLowerCase();
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && pair[0].toLowerCase() === wanted) {
        return typeof pair[1] === 'string' ? pair[1] : undefined;
      }
    }
    return undefined;
  }
  if (isJsonObject(headers)) {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
    }
  }
  return undefined;
}

/** Releases may arrive as numbers (Relay's `LenientString`). */
function lenientString(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function scalar(value: JsonValue | undefined): GetterValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/** `undefined` for empty strings (Relay's `or_none`). */
function nonEmpty(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function tagValue(tags: JsonValue | undefined, key: string): string | undefined {
  if (Array.isArray(tags)) {
    for (const pair of tags) {
      if (Array.isArray(pair) && pair[0] === key) return asString(pair[1]);
    }
    return undefined;
  }
  return isJsonObject(tags) ? asString(tags[key]) : undefined;
}

/** Context fields generic filters may read (`Getter for Event`, "partial implementation"). */
const CONTEXT_FIELDS: ReadonlySet<string> = new Set([
  'app.in_foreground',
  'device.arch',
  'device.battery_level',
  'device.brand',
  'device.charging',
  'device.family',
  'device.model',
  'device.locale',
  'device.online',
  'device.orientation',
  'device.name',
  'device.screen_density',
  'device.screen_dpi',
  'device.screen_width_pixels',
  'device.screen_height_pixels',
  'device.simulator',
  'device.uuid',
  'os.build',
  'os.kernel_version',
  'os.name',
  'os.version',
  'browser.name',
  'browser.version',
  'profile.profile_id',
  'trace.status',
  'trace.op',
  'response.status_code',
  'unreal.crash_type',
]);

/**
 * Splits a release `package@version+build` the way Sentry's release parser does for the
 * `release.*` getter paths (approximation: no validation of the version syntax).
 */
function releaseParts(release: string): { package?: string; versionShort: string; build?: string } {
  const at = release.indexOf('@');
  const pkg = at > 0 ? release.slice(0, at) : undefined;
  const version = at > 0 ? release.slice(at + 1) : release;
  const plus = version.indexOf('+');
  return plus === -1
    ? { package: pkg, versionShort: version }
    : { package: pkg, versionShort: version.slice(0, plus), build: version.slice(plus + 1) };
}

function timestampSeconds(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}

function exceptionGetter(exception: JsonObject): Getter {
  return {
    getValue(path) {
      if (path === 'ty') return asString(exception.type);
      if (path === 'value') return asString(exception.value);
      return undefined;
    },
  };
}

/** Walks `extra` by dotted path (Relay's `Event::extra_at`), scalars only. */
function extraAt(extra: JsonValue | undefined, path: string): GetterValue | undefined {
  let current: JsonValue | undefined = extra;
  for (const part of path.split('.')) {
    if (!isJsonObject(current)) return undefined;
    current = current[part];
  }
  return scalar(current);
}

/**
 * The `event.*` getter of Relay's `impl Getter for Event`: simple fields, `user.*`,
 * `request.*`, `sdk.*`, a fixed set of `contexts.*`, `duration` (transactions, ms),
 * `release.{package,build,version.short}`, `measurements.<name>.value`, `breakdowns.<b>.<m>`,
 * `extra.<path>`, `tags.<key>`, `request.headers.<name>`, `logentry.formatted`; and the
 * `event.exception.values` collection (elements expose `ty` and `value`).
 */
export function eventGetter(event: JsonObject): Getter {
  return {
    getValue(path) {
      if (!path.startsWith('event.')) return undefined;
      const field = path.slice('event.'.length);
      const user = asObject(event.user);
      const request = asObject(event.request);
      const sdk = asObject(event.sdk);
      switch (field) {
        case 'level':
        case 'dist':
        case 'environment':
        case 'transaction':
        case 'logger':
          return asString(event[field]);
        case 'release':
          return lenientString(event.release);
        case 'platform':
          return asString(event.platform) ?? 'other';
        case 'user.email':
        case 'user.segment':
          return nonEmpty(user?.[field.slice(5)]);
        case 'user.id':
          return lenientId(user?.id);
        case 'user.ip_address':
        case 'user.name':
          return asString(user?.[field.slice(5)]);
        case 'user.geo.city':
        case 'user.geo.country_code':
        case 'user.geo.region':
        case 'user.geo.subdivision':
          return asString(asObject(user?.geo)?.[field.slice(9)]);
        case 'request.method':
        case 'request.url':
          return asString(request?.[field.slice(8)]);
        case 'transaction.source':
          return asString(asObject(event.transaction_info)?.source);
        case 'sdk.name':
        case 'sdk.version':
          return asString(sdk?.[field.slice(4)]);
        case 'logentry.formatted':
          return asString(asObject(event.logentry)?.formatted);
        case 'duration': {
          if (event.type !== 'transaction') return undefined;
          const start = timestampSeconds(event.start_timestamp);
          const end = timestampSeconds(event.timestamp);
          if (start === undefined || end === undefined || start > end) return undefined;
          return Math.round((end - start) * 1000);
        }
      }
      if (field.startsWith('contexts.')) {
        const rest = field.slice('contexts.'.length);
        if (!CONTEXT_FIELDS.has(rest)) return undefined;
        const dot = rest.indexOf('.');
        const context = asObject(asObject(event.contexts)?.[rest.slice(0, dot)]);
        return scalar(context?.[rest.slice(dot + 1)]);
      }
      if (field.startsWith('release.')) {
        const release = lenientString(event.release);
        if (release === undefined) return undefined;
        const parts = releaseParts(release);
        const rest = field.slice('release.'.length);
        if (rest === 'build') return parts.build;
        if (rest === 'package') return parts.package;
        if (rest === 'version.short') return parts.versionShort;
        return undefined;
      }
      if (field.startsWith('measurements.') && field.endsWith('.value')) {
        const name = field.slice('measurements.'.length, -'.value'.length);
        return scalar(asObject(asObject(event.measurements)?.[name])?.value);
      }
      if (field.startsWith('breakdowns.')) {
        const rest = field.slice('breakdowns.'.length);
        const dot = rest.indexOf('.');
        if (dot === -1) return undefined;
        const breakdown = asObject(asObject(event.breakdowns)?.[rest.slice(0, dot)]);
        return scalar(asObject(breakdown?.[rest.slice(dot + 1)])?.value);
      }
      if (field.startsWith('extra.')) return extraAt(event.extra, field.slice('extra.'.length));
      if (field.startsWith('tags.')) return tagValue(event.tags, field.slice('tags.'.length));
      if (field.startsWith('request.headers.')) {
        return findHeader(request?.headers, field.slice('request.headers.'.length));
      }
      return undefined;
    },
    getIter(path) {
      if (path !== 'event.exception.values') return undefined;
      const values = asArray(asObject(event.exception)?.values);
      return values?.filter(isJsonObject).map(exceptionGetter);
    },
  };
}

/** `user.id` is lenient in Relay (numbers become strings). */
function lenientId(value: JsonValue | undefined): string | undefined {
  const text = lenientString(value);
  return text === '' ? undefined : text;
}

/**
 * The filterable view of a (normalized) event: errors, default/message events, transactions
 * (`type: "transaction"`) and security reports (`type: "csp"` with a `csp` object).
 */
export function eventFilterable(event: JsonObject): Filterable {
  const request = (): JsonObject | undefined => asObject(event.request);
  return {
    csp: () => (event.type === 'csp' ? asObject(event.csp) : undefined),
    exceptions: () => asArray(asObject(event.exception)?.values),
    ipAddr: () => asString(asObject(event.user)?.ip_address),
    logentry: () => asObject(event.logentry),
    release: () => lenientString(event.release),
    transaction: () => (event.type === 'transaction' ? asString(event.transaction) : undefined),
    url: () => asString(request()?.url),
    userAgent: () => ({ raw: findHeader(request()?.headers, 'User-Agent') }),
    header: (name) => findHeader(request()?.headers, name),
    getter: eventGetter(event),
  };
}

/** The filterable view of a `replay_event` payload (`relay-filter` `impl Filterable for Replay`). */
export function replayFilterable(replay: JsonObject): Filterable {
  const request = (): JsonObject | undefined => asObject(replay.request);
  return {
    ipAddr: () => asString(asObject(replay.user)?.ip_address),
    release: () => lenientString(replay.release),
    url: () => asString(request()?.url),
    userAgent: () => ({ raw: findHeader(request()?.headers, 'User-Agent') }),
    header: (name) => findHeader(request()?.headers, name),
  };
}

/** Session attributes as filters read them (`attrs` of `session` and `sessions` items). */
export interface SessionFilterAttributes {
  release: string;
  ip_address?: string;
  user_agent?: string;
}

/** The filterable view of a session update or aggregate (`attrs`). */
export function sessionFilterable(attrs: SessionFilterAttributes): Filterable {
  return {
    ipAddr: () => attrs.ip_address,
    release: () => attrs.release,
    userAgent: () => ({ raw: attrs.user_agent }),
  };
}

/** The filterable view of a standalone (v1 JSON) span: fields under `data`. */
export function spanFilterable(span: JsonObject): Filterable {
  const data = (): JsonObject | undefined => asObject(span.data);
  return {
    ipAddr: () => asString(data()?.['client.address']),
    release: () => lenientString(data()?.['sentry.release']),
    transaction: () => asString(data()?.['sentry.segment.name']),
    url: () => asString(data()?.['url.full']),
    userAgent: () => ({ raw: asString(data()?.['user_agent.original']) }),
  };
}

/** Attribute lookup of an attribute-based item (logs, trace metrics, v2 spans). */
export type AttributeLookup = (key: string) => string | number | boolean | undefined;

/**
 * The user agent of an attribute-based item: `browser.name` + `browser.version` (already parsed
 * by the SDK or normalization) win; `user_agent.original` is the raw fallback.
 */
function attributesUserAgent(lookup: AttributeLookup): FilterUserAgent {
  const raw = lookup('user_agent.original');
  const family = lookup('browser.name');
  const version = lookup('browser.version');
  const ua: FilterUserAgent = {};
  if (typeof raw === 'string') ua.raw = raw;
  if (typeof family === 'string' && typeof version === 'string') {
    ua.parsed = { family, major: version.split('.', 1)[0] };
  }
  return ua;
}

/** Which attribute-based item: decides the getter namespace and the transaction field. */
export type AttributeItemKind = 'log' | 'trace_metric' | 'span';

/**
 * The filterable view of a log, trace metric or v2 span, over its attributes. `fields` feeds
 * the getter for generic filters: `log.body` (Sentry's `log-message` filter),
 * `trace_metric.name` (Sentry's `trace-metric-name` filter), and `<kind>.<field>` for any other
 * scalar given; `<kind>.attributes.<key>` reads attributes.
 */
export function attributesFilterable(
  kind: AttributeItemKind,
  lookup: AttributeLookup,
  fields: Readonly<Record<string, string | number | boolean | undefined>> = {},
): Filterable {
  const release = (): string | undefined => {
    const value = lookup('sentry.release');
    return typeof value === 'string' ? value : undefined;
  };
  const prefix = `${kind}.`;
  return {
    release,
    transaction:
      kind === 'span'
        ? () => {
            const value = lookup('sentry.segment.name');
            return typeof value === 'string' ? value : undefined;
          }
        : undefined,
    userAgent: () => attributesUserAgent(lookup),
    getter: {
      getValue(path) {
        if (!path.startsWith(prefix)) return undefined;
        const field = path.slice(prefix.length);
        if (field.startsWith('attributes.')) return lookup(field.slice('attributes.'.length));
        return Object.prototype.hasOwnProperty.call(fields, field) ? fields[field] : undefined;
      },
    },
  };
}
