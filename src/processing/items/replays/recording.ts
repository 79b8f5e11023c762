/**
 * Replay recordings (reference/relay-protocol.md §11.2): the payload of a `replay_recording`
 * item (and the `replay_recording` entry of a `replay_video` item) is a JSON header line
 * `{"segment_id":N}`, a newline, then the rrweb events of the segment as a JSON array, zlib- or
 * gzip-compressed or plain.
 *
 * Follows `relay-replays/src/recording/mod.rs` (inflation bounded by
 * `max_replay_uncompressed_size`, parse failures → `invalid_replay_recording`) and Sentry's
 * recording consumer (`src/sentry/replays/usecases/ingest/__init__.py`: `parse_headers` wants an
 * integer `segment_id`, `decompress_segment` accepts zlib or a body starting with `[`).
 * Pure: no I/O (zlib runs in memory).
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { isJsonObject, type JsonValue } from '../../../protocol/json.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { MAX_SEGMENT_ID, REPLAY_DROP_REASONS } from './replay-event.js';

/** `max_replay_uncompressed_size`: the largest inflated recording, 100 MiB. */
export const MAX_REPLAY_UNCOMPRESSED_SIZE = 100 * 1024 * 1024;

/** A parsed recording segment. */
export interface ParsedRecording {
  /** From the header line. */
  segmentId: number;
  /** The rrweb events as JSON text (the inflated body, as sent). */
  rrweb: string;
  /** The parsed rrweb events. */
  events: JsonValue[];
  /** Size of the body as received (compressed), bytes. */
  compressedSize: number;
}

/** Options of {@link parseRecording}. */
export interface ParseRecordingOptions {
  /** Largest inflated body, bytes; default {@link MAX_REPLAY_UNCOMPRESSED_SIZE}. */
  maxUncompressedSize?: number;
}

/**
 * Splits, inflates and parses a recording payload. Returns `drop('invalid',
 * 'invalid_replay_recording')` when the header line is missing or has no integer `segment_id`,
 * the body is neither zlib, gzip nor a JSON array, inflates past the limit, or is not a JSON
 * array. Never throws.
 */
export function parseRecording(
  payload: Uint8Array,
  options: ParseRecordingOptions = {},
): StepResult<ParsedRecording> {
  const invalid = drop<ParsedRecording>('invalid', REPLAY_DROP_REASONS.invalidRecording);
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const newline = buffer.indexOf(0x0a);
  if (newline < 0) return invalid;
  const segmentId = headerSegmentId(buffer.subarray(0, newline).toString('utf8'));
  if (segmentId === undefined) return invalid;
  const body = buffer.subarray(newline + 1);
  const inflated = inflate(body, options.maxUncompressedSize ?? MAX_REPLAY_UNCOMPRESSED_SIZE);
  if (inflated === undefined) return invalid;
  const rrweb = inflated.toString('utf8');
  let events: unknown;
  try {
    events = JSON.parse(rrweb);
  } catch {
    return invalid;
  }
  if (!Array.isArray(events)) return invalid;
  return ok({ segmentId, rrweb, events: events as JsonValue[], compressedSize: body.length });
}

/** The integer `segment_id` of the header line, else undefined. */
function headerSegmentId(line: string): number | undefined {
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isJsonObject(header)) return undefined;
  const id = header.segment_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 && id <= MAX_SEGMENT_ID
    ? id
    : undefined;
}

/** The body inflated (zlib or gzip) or as is (a plain JSON array); undefined when invalid or too large. */
function inflate(body: Buffer, maxBytes: number): Buffer | undefined {
  if (body.length === 0) return undefined;
  const first = body[0]!;
  const second = body[1];
  try {
    if (first === 0x1f && second === 0x8b) return gunzipSync(body, { maxOutputLength: maxBytes });
    // A zlib stream starts with CMF 0x?8 (deflate) and a header checksum divisible by 31.
    if ((first & 0x0f) === 8 && second !== undefined && ((first << 8) | second) % 31 === 0)
      return inflateSync(body, { maxOutputLength: maxBytes });
  } catch {
    // Corrupt stream, or larger than maxBytes (RangeError): invalid either way.
    return undefined;
  }
  const start = body.findIndex((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
  if (start < 0 || body[start] !== 0x5b /* [ */) return undefined;
  return body.length <= maxBytes ? body : undefined;
}
