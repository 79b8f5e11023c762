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
import { asArray, asObject, asString, type JsonObject, type JsonValue } from '../../protocol/json.js';
import type { Getter } from './condition.js';
import { eventGetter } from './event-getter.js';
import { getHeader } from '../normalize/request.js';
import { lenientString } from './fields.js';

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
    userAgent: () => ({ raw: getHeader(request()?.headers, 'User-Agent') }),
    header: (name) => getHeader(request()?.headers, name),
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
    userAgent: () => ({ raw: getHeader(request()?.headers, 'User-Agent') }),
    header: (name) => getHeader(request()?.headers, name),
  };
}

/**
 * Session attributes as filters read them (`attrs` of `session` and `sessions` items). Relay
 * filters sessions before normalizing them, so an `ip_address` of `{{auto}}` is not resolved to
 * the client IP here: leave it out (an unresolved placeholder never looks local).
 */
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

/** The suffix that selects an attribute's value in a getter path (`log.attributes.<key>.value`). */
const VALUE_SUFFIX = '.value';

/** Which attribute-based item: decides the getter namespace and the transaction field. */
export type AttributeItemKind = 'log' | 'trace_metric' | 'span';

/**
 * The filterable view of a log, trace metric or v2 span, over its attributes. `fields` feeds
 * the getter for generic filters: `log.body` (Sentry's `log-message` filter),
 * `trace_metric.name` (Sentry's `trace-metric-name` filter), `span.name` / `span.status` /
 * `span.kind`, and `<kind>.<field>` for any other scalar given; `<kind>.attributes.<key>.value`
 * reads an attribute's value (Relay's `Getter` for `OurLog`, `TraceMetric` and `SpanV2`: a path
 * without the `.value` suffix reads nothing).
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
        if (field.startsWith('attributes.')) {
          if (!field.endsWith(VALUE_SUFFIX)) return undefined;
          return lookup(field.slice('attributes.'.length, -VALUE_SUFFIX.length));
        }
        return Object.prototype.hasOwnProperty.call(fields, field) ? fields[field] : undefined;
      },
    },
  };
}
