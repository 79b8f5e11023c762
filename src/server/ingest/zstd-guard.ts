/**
 * A streaming scanner of Zstandard frame boundaries that vets every frame header before the
 * frame reaches the decoder.
 *
 * Why: fzstd allocates the frame's whole window (or, for single-segment frames, the declared
 * content size) up front, so a 20-byte frame header claiming a 2 GB window would allocate 2 GB
 * before a single byte is inflated. Relay's decoder (the `zstd` crate) refuses windows above
 * 2^27 bytes by default (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`); this guard enforces the same bound and
 * rejects frames whose declared content size already exceeds the route's body limit.
 *
 * Frame layout per RFC 8878 §3.1: magic `28 B5 2F FD`, frame header (descriptor, optional
 * window descriptor, dictionary id, content size), blocks (3-byte header each; raw and
 * compressed blocks carry `size` bytes, RLE blocks one byte), optional 4-byte checksum.
 * Skippable frames: magic `5? 2A 4D 18`, 4-byte little-endian size, payload.
 */

/** Largest window a frame may declare, in bytes (2^27, the zstd decoder's default limit). */
export const MAX_ZSTD_WINDOW_BYTES = 2 ** 27;

/** Why the guard stopped a stream: a malformed header, or a declared size beyond the limits. */
export type ZstdGuardError =
  | { kind: 'invalid_frame'; message: string }
  | { kind: 'window_too_large'; message: string }
  | { kind: 'content_too_large'; message: string };

type State =
  | { at: 'magic' }
  | { at: 'header'; need: number }
  | { at: 'block_header' }
  | { at: 'skippable_size' }
  | { at: 'skip'; remaining: number; then: State };

const MAGIC: State = { at: 'magic' };

/**
 * Feed every compressed chunk to {@link ZstdFrameGuard.check} before handing it to the decoder;
 * the first error is sticky. `maxContentBytes` is the route's decompressed-size limit (bytes):
 * a frame declaring more content than that is rejected before decoding.
 */
export class ZstdFrameGuard {
  private state: State = MAGIC;
  private pending: Buffer = Buffer.alloc(0);
  private checksum = false;
  private error: ZstdGuardError | undefined;

  constructor(private readonly maxContentBytes: number) {}

  /** Scans `chunk`; returns an error once a frame header is invalid or over the limits. */
  check(chunk: Uint8Array): ZstdGuardError | undefined {
    if (this.error) return this.error;
    let data: Buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      const consumed = this.step(data);
      if (this.error) return this.error;
      if (consumed === 0) {
        // Not enough bytes for the current header: keep them (at most 18) for the next chunk.
        this.pending = Buffer.from(data);
        return undefined;
      }
      data = data.subarray(consumed);
    }
    return undefined;
  }

  /** Advances over one structural element; returns bytes consumed (0 = need more input or failed). */
  private step(data: Buffer): number {
    const state = this.state;
    switch (state.at) {
      case 'magic': {
        if (data.length < 4) return 0;
        const magic = data.readUInt32LE(0);
        if (magic === 0xfd2fb528) {
          if (data.length < 5) return 0;
          this.state = { at: 'header', need: frameHeaderSize(data[4] ?? 0) };
          return this.header(data);
        }
        if (magic >>> 4 === 0x184d2a5) {
          this.state = { at: 'skippable_size' };
          return 4;
        }
        return this.fail('invalid_frame', 'invalid zstd frame magic');
      }
      case 'header':
        return this.header(data);
      case 'skippable_size': {
        if (data.length < 4) return 0;
        this.state = skip(data.readUInt32LE(0), MAGIC);
        return 4;
      }
      case 'block_header': {
        if (data.length < 3) return 0;
        const header = (data[0] ?? 0) | ((data[1] ?? 0) << 8) | ((data[2] ?? 0) << 16);
        const last = (header & 1) === 1;
        const type = (header >> 1) & 3;
        if (type === 3) return this.fail('invalid_frame', 'reserved zstd block type');
        const payload = type === 1 ? 1 : header >>> 3;
        const afterBlock: State = last ? skip(this.checksum ? 4 : 0, MAGIC) : { at: 'block_header' };
        this.state = skip(payload, afterBlock);
        return 3;
      }
      case 'skip': {
        const take = Math.min(state.remaining, data.length);
        this.state = take === state.remaining ? state.then : { ...state, remaining: state.remaining - take };
        return take;
      }
    }
  }

  /** Validates a complete frame header (magic included) once `need` bytes are available. */
  private header(data: Buffer): number {
    if (this.state.at !== 'header') return 0;
    const need = this.state.need;
    if (data.length < need) return 0;
    const descriptor = data[4] ?? 0;
    if ((descriptor & 0x08) !== 0) return this.fail('invalid_frame', 'reserved bit set in zstd frame header');
    const singleSegment = (descriptor >> 5) & 1;
    const fcsBytes = contentSizeBytes(descriptor);
    this.checksum = ((descriptor >> 2) & 1) === 1;
    let offset = 5;
    let window = 0;
    if (!singleSegment) {
      const wd = data[offset] ?? 0;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
      offset += 1;
    }
    offset += DICT_ID_BYTES[descriptor & 3] ?? 0;
    if (fcsBytes > 0) {
      const contentSize = readUIntLE(data, offset, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
      if (singleSegment) window = contentSize;
      if (contentSize > this.maxContentBytes) {
        return this.fail('content_too_large', 'zstd frame declares more content than the size limit');
      }
    }
    if (window > MAX_ZSTD_WINDOW_BYTES)
      return this.fail('window_too_large', 'zstd frame window size too large');
    this.state = { at: 'block_header' };
    return need;
  }

  private fail(kind: ZstdGuardError['kind'], message: string): number {
    this.error = { kind, message };
    return 0;
  }
}

const DICT_ID_BYTES = [0, 1, 2, 4];

/** A state that skips `bytes` bytes and then continues with `then` (or goes there at once). */
function skip(bytes: number, then: State): State {
  return bytes > 0 ? { at: 'skip', remaining: bytes, then } : then;
}

/** Bytes of the frame content size field implied by the frame header descriptor. */
function contentSizeBytes(descriptor: number): number {
  const fcsFlag = descriptor >> 6;
  return fcsFlag === 0 ? (descriptor >> 5) & 1 : 2 ** fcsFlag;
}

/** Bytes of magic + frame header implied by the frame header descriptor byte. */
function frameHeaderSize(descriptor: number): number {
  const singleSegment = (descriptor >> 5) & 1;
  return (
    4 + 1 + (singleSegment ? 0 : 1) + (DICT_ID_BYTES[descriptor & 3] ?? 0) + contentSizeBytes(descriptor)
  );
}

function readUIntLE(data: Buffer, offset: number, bytes: number): number {
  let value = 0;
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + (data[offset + i] ?? 0);
  return value;
}
