/**
 * Inputs and outputs of event normalization (reference/relay-protocol.md §8).
 */
import type { SentryEvent } from '../../protocol/event.js';

/**
 * Client hints from the HTTP request (`Sec-CH-UA*` headers, quoted or not). Relay's field
 * names (`sec_ch_ua`, …) are accepted as aliases; the short names win when both are set.
 */
export interface ClientHints {
  /** `Sec-CH-UA`, e.g. `"Not_A Brand";v="99", "Google Chrome";v="109"`. */
  ua?: string;
  /** `Sec-CH-UA-Platform`, e.g. `"macOS"`. */
  platform?: string;
  /** `Sec-CH-UA-Platform-Version`, e.g. `"13.1.0"`. */
  platformVersion?: string;
  /** `Sec-CH-UA-Model`, e.g. `"Pixel 7"`. */
  model?: string;
  /** Alias of `ua` (Relay's `ClientHints` spelling). */
  sec_ch_ua?: string;
  /** Alias of `platform`. */
  sec_ch_ua_platform?: string;
  /** Alias of `platformVersion`. */
  sec_ch_ua_platform_version?: string;
  /** Alias of `model`. */
  sec_ch_ua_model?: string;
}

/** The item an event payload came in; decides the type and the validation applied. */
export type NormalizeItemType = 'event' | 'transaction' | 'feedback' | 'security';

/**
 * What normalization needs to know about the request that carried the event.
 * Times are unix seconds (floats).
 */
export interface NormalizeContext {
  /** Server receive time, unix seconds (float). Becomes `received`. */
  receivedAt: number;
  /** Envelope `sent_at` header (RFC 3339) for clock-drift correction (§8.3). */
  sentAt?: string;
  /** Envelope header `event_id`; wins over the payload's. */
  envelopeEventId?: string;
  /**
   * Client IP: first `X-Forwarded-For` entry, else the socket peer (§8.4). Pass `undefined`
   * when the project scrubs IP addresses, as Relay stops inferring IPs then.
   */
  clientIp?: string;
  /** HTTP `User-Agent` of the request; used for contexts when the event carries none. */
  userAgent?: string;
  /** HTTP client hints of the request; take precedence over user agents (§8.6). */
  clientHints?: ClientHints;
  /** Largest accepted distance into the future, seconds. Default 60. */
  maxSecsInFuture?: number;
  /** Largest accepted age, seconds. Default 90 days (7 776 000). */
  maxSecsInPast?: number;
  /** The envelope item type the payload came in. */
  itemType: NormalizeItemType;
  /** The project the event was sent to; set as `project`, overriding the payload (Relay). */
  projectId?: number;
  /** Numeric id of the DSN key it was sent with; set as `key_id` (a string), overriding the payload. */
  keyId?: number;
}

/**
 * Result of `normalizeEvent`: the normalized event, or Relay's discard reason
 * (`invalid_json` for a non-object payload, `invalid_transaction` for §8.3 violations) with
 * Relay's human-readable `detail` (e.g. "trace context is missing trace_id") when there is one.
 */
export type NormalizeResult =
  { ok: true; event: SentryEvent } | { ok: false; reason: string; detail?: string };
