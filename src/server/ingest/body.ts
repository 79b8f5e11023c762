/**
 * Reading a request body: `Content-Encoding` decoding with the route's byte limit enforced while
 * streaming, so a decompression bomb costs at most `limit` bytes of memory and stops as soon as
 * the limit is crossed (reference/relay-protocol.md §4, §5.2; Relay's
 * `relay-server/src/middlewares/decompression.rs` + axum `DefaultBodyLimit`).
 */
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { ZstdFrameGuard } from './zstd-guard.js';

/** A decoding step named by `Content-Encoding`. `deflate` is zlib-wrapped, with a raw-deflate fallback. */
export type ContentCoding = 'gzip' | 'deflate' | 'br' | 'zstd';

/** Result of {@link parseContentEncoding}: codings in the order they were applied by the sender. */
export type ContentEncodingResult = { ok: true; codings: ContentCoding[] } | { ok: false; encoding: string };

/**
 * Parses a `Content-Encoding` header value (comma-separated, case-insensitive). `identity` and
 * empty entries are skipped; a whole value that is empty or `UTF-8` is ignored, as Relay does for
 * sentry-ruby 5.x and sentry-android 2.0.0 (`should_ignore_encoding` in decompression.rs).
 * `x-gzip` means `gzip`. Returns `{ ok: false, encoding }` naming the first unknown coding.
 */
export function parseContentEncoding(value: string | undefined): ContentEncodingResult {
  const codings: ContentCoding[] = [];
  if (value === undefined) return { ok: true, codings };
  const whole = value.trim().toLowerCase();
  if (whole === '' || whole === 'utf-8') return { ok: true, codings };
  for (const raw of whole.split(',')) {
    const name = raw.trim();
    if (name === '' || name === 'identity') continue;
    if (name === 'gzip' || name === 'x-gzip') codings.push('gzip');
    else if (name === 'deflate' || name === 'br' || name === 'zstd') codings.push(name);
    else return { ok: false, encoding: name };
  }
  return { ok: true, codings };
}

/** Why reading a body failed. */
export type BodyError =
  /** More than `limit` bytes arrived, or would after decompression (HTTP 413). */
  | { kind: 'overflow' }
  /** A coding's data was corrupt; `coding` names it, `message` is the decoder's error (HTTP 400). */
  | { kind: 'corrupt'; coding: ContentCoding; message: string }
  /** The connection failed or was aborted before the body ended (HTTP 400). */
  | { kind: 'io'; message: string };

/** Result of {@link readBody}. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; error: BodyError };

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** Codings from {@link parseContentEncoding}, in the order the sender applied them. */
  codings: ContentCoding[];
  /** Maximum bytes, checked both on the wire and after every decoding step. */
  limit: number;
}

/** One decoding stage: takes input chunks, emits output through `onData`. */
interface Stage {
  write(chunk: Buffer): void;
  end(): void;
  destroy(): void;
}

interface StageSink {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(error: BodyError): void;
}

/**
 * Reads `source` to the end, undoing `codings`, and resolves with the decoded bytes. Never
 * rejects: overflow, corrupt data and I/O failures resolve to a typed {@link BodyError}.
 *
 * Memory is bounded by `limit`: raw and decoded bytes are counted as they stream and reading
 * stops at the first byte past the limit. On failure the remaining request bytes are drained
 * and discarded (the source is never destroyed, so the caller can still answer 413/400 on the
 * same connection).
 */
export function readBody(source: Readable, options: ReadBodyOptions): Promise<BodyResult> {
  const { limit } = options;
  return new Promise<BodyResult>((resolve) => {
    let finished = false;
    let rawBytes = 0;
    let outBytes = 0;
    const out: Buffer[] = [];
    const stages: Stage[] = [];

    const finish = (result: BodyResult): void => {
      if (finished) return;
      finished = true;
      source.removeListener('data', onRaw);
      source.removeListener('end', onRawEnd);
      source.removeListener('error', onRawError);
      source.removeListener('close', onRawClose);
      for (const stage of stages) stage.destroy();
      if (!result.ok) {
        // Swallow late errors and let the rest of the request drain instead of piling up.
        source.on('error', () => undefined);
        source.resume();
      }
      resolve(result);
    };

    const sink: StageSink = {
      onData(chunk) {
        if (finished) return;
        outBytes += chunk.length;
        if (outBytes > limit) return finish({ ok: false, error: { kind: 'overflow' } });
        out.push(chunk);
      },
      onEnd() {
        finish({ ok: true, body: out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, outBytes) });
      },
      onError(error) {
        finish({ ok: false, error });
      },
    };

    // Build the chain back to front: the sender applied codings[0] first, so it is undone last.
    let next: StageSink = sink;
    for (const coding of options.codings) {
      const stage = createStage(coding, next, limit, () => finished);
      stages.unshift(stage);
      next = stageAsSink(stage, next);
    }
    const first = next;

    function onRaw(chunk: Buffer | string): void {
      if (finished) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      rawBytes += bytes.length;
      if (rawBytes > limit) return finish({ ok: false, error: { kind: 'overflow' } });
      first.onData(bytes);
    }
    function onRawEnd(): void {
      if (finished) return;
      // An empty body is empty in every coding (a decoder would call it truncated).
      if (rawBytes === 0) return finish({ ok: true, body: Buffer.alloc(0) });
      first.onEnd();
    }
    function onRawError(error: Error): void {
      finish({ ok: false, error: { kind: 'io', message: error.message } });
    }
    function onRawClose(): void {
      if (!source.readableEnded)
        finish({ ok: false, error: { kind: 'io', message: 'request body ended early' } });
    }

    source.on('data', onRaw);
    source.on('end', onRawEnd);
    source.on('error', onRawError);
    source.on('close', onRawClose);
  });
}

/** Adapts a stage so the stage after it can feed it like a sink. */
function stageAsSink(stage: Stage, downstream: StageSink): StageSink {
  return {
    onData: (chunk) => stage.write(chunk),
    onEnd: () => stage.end(),
    onError: (error) => downstream.onError(error),
  };
}

function createStage(coding: ContentCoding, next: StageSink, limit: number, stopped: () => boolean): Stage {
  return coding === 'zstd' ? zstdStage(next, limit, stopped) : zlibStage(coding, next, stopped);
}

/** gzip (multi-member), zlib-wrapped deflate (raw deflate when the zlib header is absent) and brotli. */
function zlibStage(coding: Exclude<ContentCoding, 'zstd'>, next: StageSink, stopped: () => boolean): Stage {
  let stream: zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress | undefined;
  let head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;

  const attach = (created: NonNullable<typeof stream>): void => {
    stream = created;
    created.on('data', (chunk: Buffer) => {
      if (!stopped()) next.onData(chunk);
    });
    created.on('end', () => {
      if (!stopped()) next.onEnd();
    });
    created.on('error', (error: Error) => {
      if (!stopped()) next.onError({ kind: 'corrupt', coding, message: error.message });
    });
  };

  // `deflate` is ambiguous in the wild: RFC 9110 says zlib-wrapped (what Relay decodes), some
  // clients send raw deflate. Sniff the 2-byte zlib header before choosing the decoder.
  const start = (): void => {
    const bytes = Buffer.concat(head, headBytes);
    head = [];
    if (coding === 'gzip') attach(zlib.createGunzip());
    else if (coding === 'br') attach(zlib.createBrotliDecompress());
    else attach(isZlibHeader(bytes) ? zlib.createInflate() : zlib.createInflateRaw());
    if (bytes.length > 0) stream?.write(bytes);
    if (ended) stream?.end();
  };

  return {
    write(chunk) {
      if (stream) {
        stream.write(chunk);
        return;
      }
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= 2 || coding !== 'deflate') start();
    },
    end() {
      ended = true;
      if (stream) stream.end();
      else start();
    },
    destroy() {
      stream?.destroy();
    },
  };
}

/** True when `bytes` start with a valid zlib (RFC 1950) header: CM = 8 and FCHECK holds. */
function isZlibHeader(bytes: Buffer): boolean {
  if (bytes.length < 2) return false;
  const cmf = bytes[0] ?? 0;
  const flg = bytes[1] ?? 0;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0;
}

/** Thrown out of fzstd's `ondata` callback to abandon decoding once the output is over the limit. */
class StopDecoding extends Error {}

/** zstd through fzstd's streaming `Decompress`, with every frame header vetted first. */
function zstdStage(next: StageSink, limit: number, stopped: () => boolean): Stage {
  const guard = new ZstdFrameGuard(limit);
  const decoder = new Decompress((data) => {
    // fzstd may reuse the block buffer for the next block, so keep a copy.
    if (data.length > 0) next.onData(Buffer.from(data));
    if (stopped()) throw new StopDecoding();
  });
  let dead = false;

  const push = (chunk: Uint8Array, final: boolean): boolean => {
    try {
      decoder.push(chunk, final);
      return true;
    } catch (error) {
      dead = true;
      if (!(error instanceof StopDecoding) && !stopped()) {
        next.onError({
          kind: 'corrupt',
          coding: 'zstd',
          message: error instanceof Error ? error.message : 'invalid data',
        });
      }
      return false;
    }
  };

  return {
    write(chunk) {
      if (dead) return;
      const problem = guard.check(chunk);
      if (problem) {
        dead = true;
        next.onError(
          problem.kind === 'content_too_large'
            ? { kind: 'overflow' }
            : { kind: 'corrupt', coding: 'zstd', message: problem.message },
        );
        return;
      }
      push(chunk, false);
    },
    end() {
      if (dead) return;
      if (push(new Uint8Array(0), true) && !stopped()) next.onEnd();
    },
    destroy() {
      dead = true;
    },
  };
}
