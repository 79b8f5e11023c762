/**
 * Request metadata captured at the edge: client address, user agent, SDK client, origin and
 * client hints (Relay's `PartialMeta` extraction in `relay-server/src/extractors/request_meta.rs`
 * and `ForwardedFor` in `relay-server/src/extractors/forwarded_for.rs`;
 * reference/relay-protocol.md §2.2).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ClientHints, RequestMeta } from './types.js';

/** Inputs of {@link buildRequestMeta}. */
export interface RequestMetaInput {
  headers: IncomingHttpHeaders;
  /** Socket peer address, if known. */
  peerAddress: string | undefined;
  /** `sentry_client` from the auth payload, if any. */
  sentryClient: string | undefined;
  /** Arrival time, Unix seconds (fractional). */
  receivedAt: number;
}

/** Returns the first value of a header (Node joins most repeated headers; arrays only for a few). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Builds {@link RequestMeta}: `clientIp` is the first `X-Forwarded-For` entry, else the peer
 * (`::ffff:1.2.3.4` becomes `1.2.3.4`); `forwardedFor` is `X-Forwarded-For, peer`; `client` is
 * `sentry_client`, else `User-Agent`; `origin` is `Origin`, else `Referer`, kept only when it
 * parses as an `http(s)` URL.
 */
export function buildRequestMeta(input: RequestMetaInput): RequestMeta {
  const { headers } = input;
  const peer = input.peerAddress === undefined ? undefined : unmapIpv4(input.peerAddress);
  const xff = headerValue(headers, 'x-forwarded-for')?.trim();
  const forwardedFor = [xff, peer]
    .filter((part): part is string => part !== undefined && part !== '')
    .join(', ');
  const firstForwarded = xff
    ?.split(',')
    .map((entry) => entry.trim())
    .find((entry) => entry !== '');

  const meta: RequestMeta = {
    receivedAt: input.receivedAt,
    clientIp: firstForwarded !== undefined ? unmapIpv4(firstForwarded) : (peer ?? ''),
  };
  const userAgent = headerValue(headers, 'user-agent');
  if (userAgent !== undefined && userAgent !== '') meta.userAgent = userAgent;
  const client = input.sentryClient ?? meta.userAgent;
  if (client !== undefined) meta.client = client;
  const origin = httpUrl(headerValue(headers, 'origin')) ?? httpUrl(headerValue(headers, 'referer'));
  if (origin !== undefined) meta.origin = origin;
  if (forwardedFor !== '') meta.forwardedFor = forwardedFor;
  const hints = clientHints(headers);
  if (hints) meta.clientHints = hints;
  return meta;
}

function clientHints(headers: IncomingHttpHeaders): ClientHints | undefined {
  const hints: ClientHints = {};
  const pairs: Array<[keyof ClientHints, string]> = [
    ['sec_ch_ua', 'sec-ch-ua'],
    ['sec_ch_ua_model', 'sec-ch-ua-model'],
    ['sec_ch_ua_platform', 'sec-ch-ua-platform'],
    ['sec_ch_ua_platform_version', 'sec-ch-ua-platform-version'],
  ];
  let any = false;
  for (const [field, header] of pairs) {
    const value = headerValue(headers, header);
    if (value !== undefined && value !== '') {
      hints[field] = value;
      any = true;
    }
  }
  return any ? hints : undefined;
}

function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function unmapIpv4(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}
