/**
 * The dynamic sampling context (DSC): what the SDK that started a trace says about it, carried in
 * every envelope of the trace as the `trace` envelope header (reference/relay-protocol.md §3.2).
 * Follows Relay's `DynamicSamplingContext` (`relay-sampling/src/dsc.rs`): parsing, the `trace.*`
 * getter trace and project rules read, and the DSC Relay computes from a transaction when the
 * envelope has none (`relay-server/src/processing/utils/dsc.rs`, `dsc_from_event`).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { parseEventId, parseTraceId } from '../normalize/index.js';
import { lenientString } from '../filters/fields.js';
import type { Getter } from '../filters/condition.js';

/** A parsed DSC. Optional strings are absent rather than empty. */
export interface DynamicSamplingContext {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** The DSN public key of the project that started the trace (32 lowercase hex). */
  publicKey: string;
  release?: string;
  environment?: string;
  /** The root transaction's name (`transaction`, or its alias `segment_name`). */
  transaction?: string;
  /** The client's sample rate, ≥ 0 (sent as a string). */
  sampleRate?: number;
  /**
   * The random value in [0, 1) the SDK sampled the trace with (`sample_rand`, sentry-javascript 9+,
   * sentry-python 2.22+). Relay keeps it among the unknown keys; Vigil samples with it.
   */
  sampleRand?: number;
  /** The SDK's sampling decision for the trace (`sampled`: boolean or `"true"`/`"false"`). */
  sampled?: boolean;
  /** `user_id` or `user.id`; `''` when absent. */
  userId: string;
  /** `user_segment` or `user.segment` (older SDKs); `''` when absent. */
  userSegment: string;
  /** 32 lowercase hex characters. */
  replayId?: string;
}

const PUBLIC_KEY = /^[0-9a-fA-F]{32}$/;
/** What `serde_json::from_str::<f64>` accepts: a JSON number. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** `undefined` (absent), a string, or `null` for "not a string" (which fails the whole DSC). */
function optionalString(value: JsonValue | undefined): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : null;
}

function parseSampleRand(value: JsonValue | undefined): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && JSON_NUMBER.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(number) && number >= 0 && number < 1 ? number : undefined;
}

/** Relay's `TraceUserContext`: flat `user_id`/`user_segment` win unless both are empty. */
function parseUser(raw: JsonObject): { userId: string; userSegment: string } | undefined {
  const userId = optionalString(raw.user_id);
  const userSegment = optionalString(raw.user_segment);
  if (userId === null || userSegment === null) return undefined;
  if (userId || userSegment) return { userId: userId ?? '', userSegment: userSegment ?? '' };
  const nested = raw.user;
  if (nested === undefined || nested === null) return { userId: '', userSegment: '' };
  if (!isJsonObject(nested)) return undefined;
  const id = optionalString(nested.id);
  const segment = optionalString(nested.segment);
  if (id === null || segment === null) return undefined;
  return { userId: id ?? '', userSegment: segment ?? '' };
}

/**
 * Parses the `trace` envelope header. `undefined` when it is absent or fails Relay's schema (no
 * or bad `trace_id` / `public_key`, a non-string `release`, `environment` or `transaction`, a
 * `sample_rate` that is not a string holding a non-negative number, a bad `replay_id`): Relay
 * then treats the envelope as having no DSC. `sampled` that is neither a boolean nor
 * `"true"`/`"false"` and a `sample_rand` outside [0, 1) are ignored.
 */
export function parseDynamicSamplingContext(raw: unknown): DynamicSamplingContext | undefined {
  if (!isJsonObject(raw)) return undefined;
  const traceId = parseTraceId(raw.trace_id);
  const publicKey =
    typeof raw.public_key === 'string' && PUBLIC_KEY.test(raw.public_key) ? raw.public_key : '';
  if (traceId === undefined || publicKey === '') return undefined;
  const release = optionalString(raw.release);
  const environment = optionalString(raw.environment);
  const transaction = optionalString(raw.transaction ?? raw.segment_name);
  if (release === null || environment === null || transaction === null) return undefined;
  const user = parseUser(raw);
  if (!user) return undefined;

  const dsc: DynamicSamplingContext = { traceId, publicKey: publicKey.toLowerCase(), ...user };
  if (release !== undefined) dsc.release = release;
  if (environment !== undefined) dsc.environment = environment;
  if (transaction !== undefined) dsc.transaction = transaction;
  if (raw.sample_rate !== undefined && raw.sample_rate !== null) {
    const rate =
      typeof raw.sample_rate === 'string' && JSON_NUMBER.test(raw.sample_rate)
        ? Number(raw.sample_rate)
        : NaN;
    if (!Number.isFinite(rate) || rate < 0) return undefined;
    dsc.sampleRate = rate;
  }
  const sampleRand = parseSampleRand(raw.sample_rand);
  if (sampleRand !== undefined) dsc.sampleRand = sampleRand;
  if (raw.sampled === true || raw.sampled === 'true') dsc.sampled = true;
  else if (raw.sampled === false || raw.sampled === 'false') dsc.sampled = false;
  if (raw.replay_id !== undefined && raw.replay_id !== null) {
    const replayId = parseEventId(raw.replay_id);
    if (replayId === undefined) return undefined;
    dsc.replayId = replayId;
  }
  return dsc;
}

/**
 * The `trace.*` getter of Relay's `impl Getter for DynamicSamplingContext`: `trace.release`,
 * `trace.environment`, `trace.transaction`, `trace.user.id`, `trace.user.segment` (empty =
 * absent) and `trace.replay_id` (32 lowercase hex).
 */
export function dscGetter(dsc: DynamicSamplingContext): Getter {
  return {
    getValue(path) {
      switch (path) {
        case 'trace.release':
          return dsc.release;
        case 'trace.environment':
          return dsc.environment;
        case 'trace.transaction':
          return dsc.transaction;
        case 'trace.user.id':
          return dsc.userId || undefined;
        case 'trace.user.segment':
          return dsc.userSegment || undefined;
        case 'trace.replay_id':
          return dsc.replayId;
        default:
          return undefined;
      }
    },
  };
}

function nonEmptyString(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The DSC Relay computes from a (normalized) transaction event when the envelope's cannot be used
 * (`dsc_from_event`): the trace id of `contexts.trace`, the event's release, environment,
 * transaction name and user, and the given public key. `undefined` for events that are not
 * transactions or have no valid trace id.
 */
export function dscFromEvent(publicKey: string, event: JsonObject): DynamicSamplingContext | undefined {
  if (event.type !== 'transaction') return undefined;
  const contexts = isJsonObject(event.contexts) ? event.contexts : undefined;
  const trace = isJsonObject(contexts?.trace) ? contexts.trace : undefined;
  const traceId = parseTraceId(trace?.trace_id);
  if (traceId === undefined) return undefined;
  const user = isJsonObject(event.user) ? event.user : undefined;
  const dsc: DynamicSamplingContext = {
    traceId,
    publicKey,
    userId: lenientString(user?.id) ?? '',
    userSegment: nonEmptyString(user?.segment) ?? '',
  };
  const release = lenientString(event.release);
  const environment = nonEmptyString(event.environment);
  const transaction = nonEmptyString(event.transaction);
  if (release !== undefined) dsc.release = release;
  if (environment !== undefined) dsc.environment = environment;
  if (transaction !== undefined) dsc.transaction = transaction;
  return dsc;
}
