/**
 * The pipelines of `profile` (transaction-bound) and `profile_chunk` (continuous / UI profiling)
 * items, validated as Relay's `relay-profiling` does (reference/relay-protocol.md §14.5) with its
 * discard reasons (`relay-profiling/src/outcomes.rs`):
 *
 * - every payload must be a JSON object with a UUID id (`event_id`/`profile_id`, or `chunk_id` and
 *   `profiler_id` for chunks) and a `platform` string, else `profiling_invalid_json`;
 * - transaction profiles in the sample format (`version: "1"`, `sample/v1.rs`) need `device`,
 *   `os`, `timestamp` and `profile.{samples,stacks,frames}` (`profiling_invalid_json`), the cocoa
 *   device fields (`profiling_invalid_profile_metadata`), a transaction (`transaction` or the first
 *   of `transactions`; `profiling_no_transaction_associated`) with an id and a trace id
 *   (`profiling_invalid_transaction_metadata`), and the envelope must carry that transaction
 *   (Relay drops a profile whose transaction is missing: `profiling_no_transaction_associated`);
 *   legacy Android profiles (no version) are kept with their metadata; other versions are
 *   `profiling_platform_not_supported`;
 * - samples: a thread with a single sample is dropped, none left is `profiling_not_enough_samples`,
 *   a sample naming a missing stack `profiling_malformed_samples`, a stack naming a missing frame
 *   `profiling_malformed_stacks`, and a profile longer than 30 s (chunks: 66 s)
 *   `profiling_duration_is_too_long`;
 * - chunks must be `version: "2"` (`sample/v2.rs`) or legacy Android, else
 *   `profiling_platform_not_supported`.
 *
 * Accepted payloads are stored unchanged. Categories: a profile counts once in `profile` and
 * `profile_indexed`; a chunk in `profile_chunk_ui` when its platform is a UI platform (cocoa,
 * android, javascript: `ProfileType::from_platform`), else `profile_chunk`. Pure: no I/O.
 */
import type { DataCategory } from '../../../protocol/data-category.js';
import { isJsonObject, type JsonObject, parseJsonText } from '../../../protocol/json.js';
import type { ProfileFields } from '../../../protocol/profile-columns.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { parseEventId } from '../../normalize/index.js';

/** Longest transaction profile, nanoseconds (`MAX_PROFILE_DURATION`, 30 s). */
export const MAX_PROFILE_DURATION_NS = 30_000_000_000;
/** Longest profile chunk, seconds (`MAX_PROFILE_CHUNK_DURATION`, 66 s). */
export const MAX_PROFILE_CHUNK_DURATION_S = 66;

/** Platforms whose profiles are UI profiles (Relay's `ProfileType::Ui`). */
const UI_PLATFORMS = new Set(['cocoa', 'android', 'javascript']);

/** A stored profile or chunk: its metadata and its raw payload. */
export interface ProcessedProfile extends ProfileFields {
  /** Unix seconds. */
  start: number;
  /** Unix seconds. */
  end: number;
  /** Unix seconds. */
  receivedAt: number;
  /** The data category the item is counted in (see the module comment). */
  category: DataCategory;
  /** The payload as received. */
  data: Buffer;
}

/** What a profile pipeline needs to know about its envelope. */
export interface ProfileItemContext {
  projectId: number;
  /** Unix seconds. */
  receivedAt: number;
  /** Whether the envelope carries a `transaction` item (transaction profiles need one). */
  hasTransaction: boolean;
}

/** The data category of a chunk of `platform`: `profile_chunk_ui` for UI platforms, else `profile_chunk`. */
export function profileChunkCategory(platform: string | undefined): 'profile_chunk' | 'profile_chunk_ui' {
  return platform !== undefined && UI_PLATFORMS.has(platform) ? 'profile_chunk_ui' : 'profile_chunk';
}

const invalidJson = (): StepResult<never> => drop('invalid', 'profiling_invalid_json');

/** Runs the `profile` pipeline (see the module comment). */
export function processProfileItem(payload: Buffer, ctx: ProfileItemContext): StepResult<ProcessedProfile> {
  const profile = parseObject(payload);
  if (profile === undefined) return invalidJson();
  const profileId = parseEventId(profile.event_id ?? profile.profile_id);
  const platform = profile.platform;
  if (profileId === undefined || typeof platform !== 'string') return invalidJson();
  const version = profile.version;
  let summary: StepResult<ProfileSummary>;
  if (version === '1') summary = sampleProfileSummary(profile, platform);
  else if ((version === undefined || version === null) && platform === 'android')
    summary = androidProfileSummary(profile);
  else return drop('invalid', 'profiling_platform_not_supported');
  if (summary.kind === 'drop') return summary;
  if (!ctx.hasTransaction) return drop('invalid', 'profiling_no_transaction_associated');
  const { start, durationNs, transaction } = summary.value;
  const startS = start ?? ctx.receivedAt;
  return ok({
    projectId: ctx.projectId,
    kind: 'profile',
    profileId,
    profilerId: '',
    transactionId: transaction.id,
    transactionName: transaction.name,
    traceId: transaction.traceId,
    release: text(profile.release),
    environment: text(profile.environment),
    platform,
    start: startS,
    end: startS + durationNs / 1e9,
    durationMs: durationNs / 1e6,
    receivedAt: ctx.receivedAt,
    category: 'profile',
    data: payload,
  });
}

/** Runs the `profile_chunk` pipeline; `headerPlatform` is the item header's `platform`. */
export function processProfileChunkItem(
  payload: Buffer,
  ctx: Omit<ProfileItemContext, 'hasTransaction'>,
): StepResult<ProcessedProfile> {
  const chunk = parseObject(payload);
  if (chunk === undefined) return invalidJson();
  const chunkId = parseEventId(chunk.chunk_id);
  const profilerId = parseEventId(chunk.profiler_id);
  const platform = chunk.platform;
  if (chunkId === undefined || profilerId === undefined || typeof platform !== 'string') return invalidJson();
  let start: number;
  let end: number;
  if (chunk.version === '2') {
    const samples = checkSamples(chunk.profile, (sample) => numeric(sample.timestamp));
    if (samples.kind === 'drop') return samples;
    [start, end] = samples.value;
    if (end - start > MAX_PROFILE_CHUNK_DURATION_S) return drop('invalid', 'profiling_duration_is_too_long');
  } else if (platform === 'android' && (chunk.version === undefined || chunk.sampled_profile !== undefined)) {
    // Legacy Android chunks carry a base64 trace Vigil does not decode; their metadata is kept.
    start = numeric(chunk.timestamp) ?? ctx.receivedAt;
    end = start + (numeric(chunk.duration_ns) ?? 0) / 1e9;
  } else {
    return drop('invalid', 'profiling_platform_not_supported');
  }
  return ok({
    projectId: ctx.projectId,
    kind: 'profile_chunk',
    profileId: chunkId,
    profilerId,
    transactionId: '',
    transactionName: '',
    traceId: '',
    release: text(chunk.release),
    environment: text(chunk.environment),
    platform,
    start,
    end,
    durationMs: (end - start) * 1000,
    receivedAt: ctx.receivedAt,
    category: profileChunkCategory(platform),
    data: payload,
  });
}

interface ProfileSummary {
  /** Unix seconds; undefined when the profile does not say. */
  start: number | undefined;
  durationNs: number;
  transaction: { id: string; name: string; traceId: string };
}

/** Sample format v1 (`sample/v1.rs` `parse_profile`). */
function sampleProfileSummary(profile: JsonObject, platform: string): StepResult<ProfileSummary> {
  const { device, os, timestamp } = profile;
  if (!isJsonObject(device) || typeof device.architecture !== 'string') return invalidJson();
  if (!isJsonObject(os) || typeof os.name !== 'string' || typeof os.version !== 'string')
    return invalidJson();
  const start = typeof timestamp === 'string' ? Date.parse(timestamp) / 1000 : NaN;
  if (Number.isNaN(start)) return invalidJson();
  if (
    platform === 'cocoa' &&
    (os.build_number === undefined ||
      device.is_emulator === undefined ||
      device.locale === undefined ||
      device.manufacturer === undefined ||
      device.model === undefined)
  ) {
    return drop('invalid', 'profiling_invalid_profile_metadata');
  }
  const first = Array.isArray(profile.transactions) ? profile.transactions[0] : undefined;
  const transaction = isJsonObject(profile.transaction) ? profile.transaction : first;
  if (!isJsonObject(transaction)) return drop('invalid', 'profiling_no_transaction_associated');
  const id = parseEventId(transaction.id);
  const traceId = parseEventId(transaction.trace_id);
  if (id === undefined || traceId === undefined)
    return drop('invalid', 'profiling_invalid_transaction_metadata');
  const relativeStart = numeric(transaction.relative_start_ns) ?? 0;
  const relativeEnd = numeric(transaction.relative_end_ns) ?? 0;
  const samples = checkSamples(
    profile.profile,
    (sample) => numeric(sample.elapsed_since_start_ns),
    // Older SDKs send samples outside the transaction; Relay keeps those inside it.
    relativeEnd > 0 ? (elapsed) => elapsed >= relativeStart && elapsed <= relativeEnd : undefined,
  );
  if (samples.kind === 'drop') return samples;
  const last = samples.value[1];
  if (last > MAX_PROFILE_DURATION_NS) return drop('invalid', 'profiling_duration_is_too_long');
  return ok({
    start,
    durationNs: relativeEnd > 0 ? relativeEnd - relativeStart : last,
    transaction: { id, name: text(transaction.name), traceId },
  });
}

/** Legacy Android profiles: their metadata only (the trace itself is a binary blob). */
function androidProfileSummary(profile: JsonObject): StepResult<ProfileSummary> {
  const first = Array.isArray(profile.transactions) ? profile.transactions[0] : undefined;
  const id = parseEventId(isJsonObject(first) ? first.id : profile.transaction_id);
  const traceId = parseEventId(isJsonObject(first) ? first.trace_id : profile.trace_id);
  if (id === undefined) return drop('invalid', 'profiling_no_transaction_associated');
  const start = typeof profile.timestamp === 'string' ? Date.parse(profile.timestamp) / 1000 : NaN;
  return ok({
    start: Number.isNaN(start) ? undefined : start,
    durationNs: numeric(profile.duration_ns) ?? 0,
    transaction: {
      id,
      name: text(isJsonObject(first) ? first.name : profile.transaction_name),
      traceId: traceId ?? '',
    },
  });
}

/**
 * Relay's sample checks on `profile.{samples,stacks,frames}` (see the module comment); returns
 * the first and last sample time (by `time`) of the samples kept.
 */
function checkSamples(
  data: unknown,
  time: (sample: JsonObject) => number | undefined,
  keep?: (time: number) => boolean,
): StepResult<[number, number]> {
  if (!isJsonObject(data)) return invalidJson();
  const { samples, stacks, frames } = data;
  if (!Array.isArray(samples) || !Array.isArray(stacks) || !Array.isArray(frames)) return invalidJson();
  const parsed: Array<{ stack: number; thread: string; time: number }> = [];
  for (const sample of samples) {
    if (!isJsonObject(sample)) return invalidJson();
    const stack = numeric(sample.stack_id);
    const at = time(sample);
    const thread = sample.thread_id;
    if (stack === undefined || at === undefined || (typeof thread !== 'string' && typeof thread !== 'number'))
      return invalidJson();
    if (keep === undefined || keep(at)) parsed.push({ stack, thread: String(thread), time: at });
  }
  const perThread = new Map<string, number>();
  for (const s of parsed) perThread.set(s.thread, (perThread.get(s.thread) ?? 0) + 1);
  const kept = parsed.filter((s) => (perThread.get(s.thread) ?? 0) > 1);
  if (kept.length === 0) return drop('invalid', 'profiling_not_enough_samples');
  if (kept.some((s) => !Array.isArray(stacks[s.stack])))
    return drop('invalid', 'profiling_malformed_samples');
  const frameCount = frames.length;
  const badStack = stacks.some(
    (stack) =>
      !Array.isArray(stack) ||
      stack.some((f) => typeof f !== 'number' || !Number.isInteger(f) || f < 0 || f >= frameCount),
  );
  if (badStack) return drop('invalid', 'profiling_malformed_stacks');
  let first = Infinity;
  let last = -Infinity;
  for (const s of kept) {
    first = Math.min(first, s.time);
    last = Math.max(last, s.time);
  }
  return ok([first, last]);
}

function parseObject(payload: Buffer): JsonObject | undefined {
  try {
    const value: unknown = parseJsonText(payload.toString('utf8'));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A number, or a decimal string of one (Relay's `deserialize_number_from_string`). */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
