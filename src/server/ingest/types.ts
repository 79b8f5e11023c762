/**
 * The contract between the ingest edge and the rest of the server: what the edge needs
 * (key lookup, a queue) and what it hands on (an accepted envelope with its request meta).
 * Shapes follow Relay's `RequestMeta` (`relay-server/src/extractors/request_meta.rs`,
 * reference/relay-protocol.md §2.2) and DESIGN.md "The path of an event", step 1.
 */
import type { Envelope } from '../../protocol/envelope.js';
import type { OutcomeScoping } from '../../protocol/outcome.js';
import type { SizeLimits } from './limits.js';
import type { RateLimitHeaders } from './errors.js';
import type { ProjectConfig } from '../../processing/project-config/index.js';

/** A DSN public key as the edge needs it, resolved by {@link IngestDeps.lookupKey}. */
export interface ProjectKeyInfo {
  /** Metadata-store id of the key (outcomes are scoped by it). */
  keyId: number;
  /** The 32-hex public key. */
  publicKey: string;
  /** The project the key belongs to; requests for another project id get 403. */
  projectId: number;
  /** The project's organization. */
  organizationId: number;
  /** False for a disabled key: its requests get 403 and their items `invalid` / `project_id` outcomes. */
  isActive: boolean;
  /** The project's config (quotas, filters, scrubbing), cached with the key. */
  config: ProjectConfig;
}

/**
 * Browser client hints (`Sec-CH-UA*` request headers), used for UA contexts in processing
 * (reference/relay-protocol.md §8.6). Keys keep Relay's `ClientHints` field names.
 */
export interface ClientHints {
  /** `Sec-CH-UA`, e.g. `"Chromium";v="109", "Google Chrome";v="109"`. */
  sec_ch_ua?: string;
  /** `Sec-CH-UA-Model`. */
  sec_ch_ua_model?: string;
  /** `Sec-CH-UA-Platform`, e.g. `"macOS"`. */
  sec_ch_ua_platform?: string;
  /** `Sec-CH-UA-Platform-Version`. */
  sec_ch_ua_platform_version?: string;
}

/** What the edge learned about the HTTP request that carried an envelope. */
export interface RequestMeta {
  /** When the request arrived, Unix time in seconds (fractional). */
  receivedAt: number;
  /** First `X-Forwarded-For` entry, else the socket peer address (IPv4-mapped IPv6 unwrapped). */
  clientIp: string;
  /** `User-Agent` header. */
  userAgent?: string;
  /** SDK identifier: `sentry_client` from the auth payload, else the `User-Agent`. */
  client?: string;
  /** `Origin` header, else `Referer`; only `http(s)` URLs, normalised by the URL parser. */
  origin?: string;
  /** The forwarding chain: `X-Forwarded-For` plus the peer address (Relay's `forwarded_for`). */
  forwardedFor?: string;
  /** Client hints from `Sec-CH-UA*` headers; absent when the request had none. */
  clientHints?: ClientHints;
}

/** An envelope that passed the edge: authenticated, parsed, size-checked, ready to process. */
export interface AcceptedEnvelope {
  /** The parsed envelope; `headers.event_id` is set (32 lowercase hex) whenever it carries an event. */
  envelope: Envelope;
  /** Project the key belongs to (equal to the URL's project id). */
  projectId: number;
  /** Organization of the project. */
  organizationId: number;
  /** Metadata-store id of the DSN key used. */
  keyId: number;
  /** The DSN public key used. */
  publicKey: string;
  /** Request metadata. */
  meta: RequestMeta;
  /** Decompressed request payload size in bytes (queue accounting). */
  sizeBytes: number;
  /** The project's config as the edge saw it (the key's {@link ProjectKeyInfo.config}). */
  config: ProjectConfig;
}

/**
 * The item header Relay sets on a crash attachment kept over an attachment quota: the quota's
 * reason code, or `true` without one; the attachment's event is still made from it, its bytes
 * are not stored. Only Vigil sets it: the edge strips it from incoming items.
 */
export const RATE_LIMITED_HEADER = 'rate_limited';

/** Collaborators of {@link ingestRoutes}. */
export interface IngestDeps {
  /**
   * Resolves a public key; `undefined` when unknown (→ 403 once the request's envelope is built,
   * see project-access.ts). Expected to be cached by the caller;
   * may hit the database on a miss. A rejection answers 503 (the edge cannot decide).
   */
  lookupKey(publicKey: string): Promise<ProjectKeyInfo | undefined>;
  /** Hands an accepted envelope on; `false` means the queue is full or closed (→ 503). */
  enqueue(envelope: AcceptedEnvelope): boolean;
  /**
   * The edge's rate-limit check (cached limits and reject-all quotas, nothing counted): removes
   * limited items from `accepted.envelope` (recording their outcomes) and returns the headers to
   * send, or `undefined` when no limit applied. Optional; without it nothing is limited here.
   */
  checkRateLimits?(accepted: AcceptedEnvelope): RateLimitHeaders | undefined;
  /**
   * Records `invalid` outcomes (reason e.g. `too_large:event`, `project_id`, `cors`) under
   * `scoping` for every item of an envelope the edge parsed but refused, so what was received is
   * accounted for. Optional.
   */
  rejectEnvelope?(scoping: OutcomeScoping, envelope: Envelope, reason: string): void;
  /**
   * False while the queue is full: requests then get 503 before their body is read, so an
   * overloaded server spends no CPU decoding envelopes it would refuse anyway. Optional;
   * without it only `enqueue` decides.
   */
  hasCapacity?(): boolean;
  /** Overrides of Relay's default limits (reference/relay-protocol.md §5.1). */
  limits?: Partial<SizeLimits>;
  /** Clock for `receivedAt`, Unix seconds (fractional); default `Date.now() / 1000`. */
  now?: () => number;
}
