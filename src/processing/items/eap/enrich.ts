/**
 * What Relay adds to a trace item's attributes from the request that carried it
 * (`relay-event-normalization/src/eap/mod.rs`: `normalize_received`, `normalize_user_agent`,
 * `normalize_client_address`, `normalize_inject_client_address`), gated by the container's
 * version and ingest settings as `ourlog/container.rs` documents:
 *
 * | container version | client IP                                         | user agent               |
 * |-------------------|---------------------------------------------------|--------------------------|
 * | none              | `client.address: "{{auto}}"` only                 | always                   |
 * | 2 and later       | `{{auto}}`, or injected when `infer_ip: "auto"`   | `infer_user_agent: auto` |
 *
 * Existing attributes always win. reference/relay-protocol.md §14.2.
 */
import type { ClientHints } from '../../normalize/index.js';
import { parseUserAgent } from '../../normalize/index.js';
import { AUTO_IP, isValidIp } from '../../normalize/ip.js';
import { browserFromClientHints, resolveHints } from '../../normalize/user-agent.js';
import type { AttributeValue } from './attributes.js';
import type { ContainerMetadata } from './container.js';

/** Attribute Relay stamps with the receive time, in nanoseconds since the epoch, as a string. */
export const OBSERVED_TIMESTAMP_ATTRIBUTE = 'sentry.observed_timestamp_nanos';
/** Attribute holding the end user's IP address. */
export const CLIENT_ADDRESS_ATTRIBUTE = 'client.address';
/** An explicitly sent user agent, preferred over the request's. */
export const USER_AGENT_ATTRIBUTE = 'user_agent.original';
/** Browser attributes derived from the user agent. */
export const BROWSER_NAME_ATTRIBUTE = 'browser.name';
/** See {@link BROWSER_NAME_ATTRIBUTE}. */
export const BROWSER_VERSION_ATTRIBUTE = 'browser.version';

/** What the enrichment knows about the request. */
export interface RequestInfo {
  /** When the request arrived, unix seconds (fractional). */
  receivedAt: number;
  /** The client's IP address (already resolved from `X-Forwarded-For`). */
  clientIp?: string;
  /** The request's `User-Agent` header. */
  userAgent?: string;
  /** The request's `Sec-CH-UA*` client hints. */
  clientHints?: ClientHints;
}

/** `sentry.observed_timestamp_nanos` for a receive time in unix seconds (microsecond precision). */
export function observedTimestampNanos(receivedAt: number): string {
  return `${Math.round(receivedAt * 1e6)}000`;
}

function browserOf(userAgent: string | undefined, hints: ClientHints | undefined): AttributeValue[] {
  const fromHints = resolveHints(hints).ua;
  const browser =
    (fromHints === undefined ? undefined : browserFromClientHints(fromHints)) ??
    (userAgent === undefined ? undefined : parseUserAgent(userAgent).browser);
  if (browser === undefined) return [];
  const values: AttributeValue[] = [{ type: 'string', value: browser.name }];
  if (browser.version !== undefined) values.push({ type: 'string', value: browser.version });
  return values;
}

/**
 * Adds the request-derived attributes to `attributes` in place (see the module comment):
 * the observed timestamp, `browser.name`/`browser.version` and `client.address`. A
 * `client.address` of `{{auto}}` becomes the client IP, or is removed when there is no valid one.
 */
export function enrichAttributes(
  attributes: Map<string, AttributeValue>,
  metadata: ContainerMetadata,
  request: RequestInfo,
): void {
  if (!attributes.has(OBSERVED_TIMESTAMP_ATTRIBUTE)) {
    attributes.set(OBSERVED_TIMESTAMP_ATTRIBUTE, {
      type: 'string',
      value: observedTimestampNanos(request.receivedAt),
    });
  }

  const versioned = metadata.version !== undefined && metadata.version >= 2;
  const settings = versioned ? metadata.ingest_settings : undefined;
  const inferUserAgent = !versioned || settings?.infer_user_agent === 'auto';
  if (
    inferUserAgent &&
    !attributes.has(BROWSER_NAME_ATTRIBUTE) &&
    !attributes.has(BROWSER_VERSION_ATTRIBUTE)
  ) {
    const sent = attributes.get(USER_AGENT_ATTRIBUTE);
    const userAgent = sent?.type === 'string' ? sent.value : request.userAgent;
    const [name, version] = browserOf(userAgent, request.clientHints);
    if (name) attributes.set(BROWSER_NAME_ATTRIBUTE, name);
    if (version) attributes.set(BROWSER_VERSION_ATTRIBUTE, version);
  }

  const clientIp =
    request.clientIp !== undefined && isValidIp(request.clientIp) ? request.clientIp : undefined;
  const address = attributes.get(CLIENT_ADDRESS_ATTRIBUTE);
  if (address?.type === 'string' && address.value === AUTO_IP) {
    if (clientIp === undefined) attributes.delete(CLIENT_ADDRESS_ATTRIBUTE);
    else attributes.set(CLIENT_ADDRESS_ATTRIBUTE, { type: 'string', value: clientIp });
  } else if (settings?.infer_ip === 'auto' && address === undefined && clientIp !== undefined) {
    attributes.set(CLIENT_ADDRESS_ATTRIBUTE, { type: 'string', value: clientIp });
  }
}
