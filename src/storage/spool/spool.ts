/**
 * A durable on-disk queue of accepted data for when the stores are unavailable
 * (DESIGN.md "Surviving overload and faults"; Relay's envelope spooler plays the same role):
 * records are appended to segment files under one directory and fsynced before `append`
 * resolves, read back oldest first by `drain`, and a segment is deleted once every record in it
 * was handled. A checkpoint file per segment remembers how far handling got, so a crash in the
 * middle of a segment repeats at most one batch. A torn record at the end of a segment (power
 * loss mid-write) is detected by its length and CRC-32 and dropped, with the records before it kept.
 *
 * Frame: `VSP1` | u32 meta length | u32 payload length | u32 CRC-32 of meta+payload | meta
 * (UTF-8 JSON) | payload (bytes), integers big-endian.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  fsyncSync,
  truncateSync,
} from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/** One spooled record: JSON metadata and opaque bytes (e.g. a serialized envelope). */
export interface SpoolRecord {
  meta: Record<string, unknown>;
  payload: Buffer;
}

/** Options of {@link DiskSpool}. */
export interface SpoolOptions {
  /** Directory of the segment files (created if missing), e.g. `<dataDir>/spool`. */
  dir: string;
  /** A segment is closed and a new one started past this many bytes. Default 16 MiB. */
  segmentBytes?: number;
  /** `append` refuses records beyond this many bytes on disk. Default 1 GiB. */
  maxBytes?: number;
}

const MAGIC = Buffer.from('VSP1');
const HEADER_BYTES = 16;
const SEGMENT = /^segment-(\d{12})\.log$/;

function segmentName(seq: number): string {
  return `segment-${String(seq).padStart(12, '0')}.log`;
}

function encode(record: SpoolRecord): Buffer {
  const meta = Buffer.from(JSON.stringify(record.meta), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(meta.length, 4);
  header.writeUInt32BE(record.payload.length, 8);
  header.writeUInt32BE(crc32(record.payload, crc32(meta)), 12);
  return Buffer.concat([header, meta, record.payload]);
}

/** The bytes `records` take on disk (frame headers, metadata and payloads). */
export function frameBytes(records: readonly SpoolRecord[]): number {
  let total = 0;
  for (const record of records) {
    total += HEADER_BYTES + Buffer.byteLength(JSON.stringify(record.meta), 'utf8') + record.payload.length;
  }
  return total;
}

/** Decodes the frames of a segment from `offset`; `end` is where the last whole frame ends. */
function decode(
  bytes: Buffer,
  offset: number,
): { records: Array<SpoolRecord & { end: number }>; end: number } {
  const records: Array<SpoolRecord & { end: number }> = [];
  let at = offset;
  while (at + HEADER_BYTES <= bytes.length && bytes.subarray(at, at + 4).equals(MAGIC)) {
    const metaLength = bytes.readUInt32BE(at + 4);
    const payloadLength = bytes.readUInt32BE(at + 8);
    const end = at + HEADER_BYTES + metaLength + payloadLength;
    if (end > bytes.length) break;
    const meta = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + metaLength);
    const payload = bytes.subarray(at + HEADER_BYTES + metaLength, end);
    if (crc32(payload, crc32(meta)) !== bytes.readUInt32BE(at + 12)) break;
    records.push({
      meta: JSON.parse(meta.toString('utf8')) as Record<string, unknown>,
      payload: Buffer.from(payload),
      end,
    });
    at = end;
  }
  return { records, end: at };
}

/** The spool; one instance per directory and process. Methods are synchronous on purpose: each
 * append is one write and one fsync, and callers (the edge, the replay loop) must not interleave. */
export class DiskSpool {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly limit: number;
  private current: { seq: number; fd: number; bytes: number } | undefined;
  private totalBytes = 0;

  /** Opens (creating) the directory, measures what is spooled and cuts torn tails. */
  constructor(options: SpoolOptions) {
    this.dir = options.dir;
    this.segmentBytes = options.segmentBytes ?? 16 * 2 ** 20;
    this.limit = options.maxBytes ?? 2 ** 30;
    mkdirSync(this.dir, { recursive: true });
    for (const seq of this.segments()) {
      const file = path.join(this.dir, segmentName(seq));
      const bytes = readFileSync(file);
      const { end } = decode(bytes, 0);
      if (end < bytes.length) truncateSync(file, end);
      this.totalBytes += end - this.checkpoint(seq);
    }
  }

  /** Bytes spooled and not yet drained. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** True when nothing is waiting. */
  get empty(): boolean {
    return this.totalBytes === 0;
  }

  /** The bound on {@link bytes} that `append` keeps (the `maxBytes` option). */
  get maxBytes(): number {
    return this.limit;
  }

  /**
   * Appends records and fsyncs them. Returns false (appending nothing) when they would take the
   * spool past `maxBytes`, unless `force` (shutdown: what the process still holds goes to disk
   * rather than being lost); throws on I/O errors (disk full), also appending nothing usable.
   */
  append(records: readonly SpoolRecord[], options: { force?: boolean } = {}): boolean {
    const frames = Buffer.concat(records.map(encode));
    if (!options.force && this.totalBytes + frames.length > this.limit) return false;
    if (!this.current || this.current.bytes >= this.segmentBytes) this.rotate();
    const current = this.current!;
    writeSync(current.fd, frames, 0, frames.length, current.bytes);
    fsyncSync(current.fd);
    current.bytes += frames.length;
    this.totalBytes += frames.length;
    return true;
  }

  /**
   * Hands every spooled record to `handle`, oldest first, in batches of up to `batchSize`
   * records and `batchBytes` payload bytes (a batch holds at least one record). Progress is
   * checkpointed after each handled batch and a segment is deleted when done. If `handle`
   * rejects, draining stops there (the batch stays spooled) and the error is rethrown. Records
   * appended while draining are drained too.
   */
  async drain(
    handle: (records: SpoolRecord[]) => Promise<void>,
    batchSize = 500,
    batchBytes = Infinity,
  ): Promise<void> {
    for (;;) {
      const seqs = this.segments();
      if (seqs.length === 0) return;
      const seq = seqs[0]!;
      if (this.current?.seq === seq) {
        if (this.current.bytes === this.checkpoint(seq)) return;
        this.close(); // Never read a segment that is still being written; the next append starts a new one.
      }
      const file = path.join(this.dir, segmentName(seq));
      const { records } = decode(readFileSync(file), this.checkpoint(seq));
      for (let i = 0; i < records.length;) {
        let next = i + 1;
        let bytes = records[i]!.payload.length;
        while (next < records.length && next - i < batchSize) {
          bytes += records[next]!.payload.length;
          if (bytes > batchBytes) break;
          next++;
        }
        const batch = records.slice(i, next);
        const before = i === 0 ? this.checkpoint(seq) : records[i - 1]!.end;
        await handle(batch.map(({ meta, payload }) => ({ meta, payload })));
        const end = batch.at(-1)!.end;
        this.writeCheckpoint(seq, end);
        this.totalBytes -= end - before;
        i = next;
      }
      rmSync(file, { force: true });
      rmSync(this.checkpointFile(seq), { force: true });
    }
  }

  /** Closes the open segment (records stay on disk for the next start). */
  close(): void {
    if (this.current) closeSync(this.current.fd);
    this.current = undefined;
  }

  private rotate(): void {
    this.close();
    const seq = (this.segments().at(-1) ?? 0) + 1;
    const fd = openSync(path.join(this.dir, segmentName(seq)), 'a+');
    this.current = { seq, fd, bytes: statSync(path.join(this.dir, segmentName(seq))).size };
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private checkpointFile(seq: number): string {
    return path.join(this.dir, `${segmentName(seq)}.done`);
  }

  private checkpoint(seq: number): number {
    try {
      return Number(readFileSync(this.checkpointFile(seq), 'utf8')) || 0;
    } catch {
      return 0;
    }
  }

  /** Atomically records that everything before `offset` in segment `seq` was handled. */
  private writeCheckpoint(seq: number, offset: number): void {
    const tmp = `${this.checkpointFile(seq)}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, String(offset));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.checkpointFile(seq));
  }
}
