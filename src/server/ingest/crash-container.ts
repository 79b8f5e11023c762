/**
 * Compression containers of crash uploads, detected by magic bytes as Relay's minidump endpoint
 * does (`decode_minidump` in `relay-server/src/endpoints/minidump.rs`, reference/relay-protocol.md
 * §1.4): gzip `1F 8B`, xz `FD 37 7A 58 5A 00`, bzip2 `42 5A 68`, zstd `28 B5 2F FD`. Anything else
 * is returned unchanged. Decoding stops as soon as the output passes the limit, so a
 * decompression bomb costs at most `limit` bytes.
 */
import { Readable } from 'node:stream';
import Bunzip from 'seek-bzip';
import xz from 'xz-decompress';
import { readBody } from './body.js';

/** The container formats recognised by magic bytes. */
export type CrashContainer = 'gzip' | 'xz' | 'bzip2' | 'zstd';

/** Result of {@link decodeCrashContainer}. */
export type CrashContainerResult =
  | { ok: true; bytes: Buffer; container: CrashContainer | undefined }
  /** `overflow`: the decoded data is larger than the limit; `corrupt`: the container did not decode. */
  | { ok: false; kind: 'overflow' | 'corrupt'; container: CrashContainer; message: string };

const MAGIC: Array<[CrashContainer, Buffer]> = [
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['bzip2', Buffer.from([0x42, 0x5a, 0x68])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];

/** The container `bytes` start with, if any. */
export function detectCrashContainer(bytes: Buffer): CrashContainer | undefined {
  return MAGIC.find(([, magic]) => bytes.subarray(0, magic.length).equals(magic))?.[0];
}

/** Thrown out of a decoder's output callback once the limit is passed. */
class Overflow extends Error {}

/**
 * Unwraps `bytes` when they start with a container's magic, keeping at most `limit` decoded
 * bytes; returns them unchanged otherwise. Never rejects.
 */
export async function decodeCrashContainer(bytes: Buffer, limit: number): Promise<CrashContainerResult> {
  const container = detectCrashContainer(bytes);
  if (container === undefined) return { ok: true, bytes, container };
  try {
    const decoded = await decode(container, bytes, limit);
    if (decoded === undefined) return { ok: false, kind: 'overflow', container, message: 'too large' };
    return { ok: true, bytes: decoded, container };
  } catch (error) {
    if (error instanceof Overflow) return { ok: false, kind: 'overflow', container, message: 'too large' };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'corrupt', container, message };
  }
}

/** The decoded bytes, or undefined on overflow; throws on corrupt data. */
async function decode(container: CrashContainer, bytes: Buffer, limit: number): Promise<Buffer | undefined> {
  switch (container) {
    case 'gzip':
    case 'zstd': {
      // The request-body decoders already stream with a byte cap.
      const read = await readBody(Readable.from([bytes]), { codings: [container], limit });
      if (read.ok) return read.body;
      if (read.error.kind === 'overflow') return undefined;
      throw new Error(read.error.message);
    }
    case 'bzip2':
      return decodeBzip2(bytes, limit);
    case 'xz':
      return decodeXz(bytes, limit);
  }
}

function decodeBzip2(bytes: Buffer, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let chunk = Buffer.allocUnsafe(64 * 1024);
  let used = 0;
  let total = 0;
  Bunzip.decode(
    bytes,
    {
      writeByte(byte) {
        if (++total > limit) throw new Overflow();
        if (used === chunk.length) {
          chunks.push(chunk);
          chunk = Buffer.allocUnsafe(chunk.length);
          used = 0;
        }
        chunk[used++] = byte;
      },
    },
    true,
  );
  chunks.push(chunk.subarray(0, used));
  return Buffer.concat(chunks, total);
}

async function decodeXz(bytes: Buffer, limit: number): Promise<Buffer> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
      controller.close();
    },
  });
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = new xz.XzReadableStream(source).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) throw new Overflow();
      chunks.push(Buffer.from(value));
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, total);
}
