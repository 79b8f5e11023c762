/**
 * Builds minimal minidumps by hand for tests: the `MINIDUMP_HEADER`, a stream directory, an
 * exception stream and a system-info stream (Microsoft's minidump layout, little-endian), which is
 * all Vigil reads without symbols. No crash reporter is needed to produce one.
 */

/** Options of {@link buildMinidump}. */
export interface MinidumpOptions {
  /** `PlatformId` of the system info: 2 Windows, 0x8201 Linux, 0x8101 macOS. Default Linux. */
  platformId?: number;
  /** Exception code (a signal number on Linux, an NTSTATUS on Windows). Default 11 (SIGSEGV). */
  code?: number;
  /** Faulting address. Default 0xdeadbeef. */
  address?: bigint;
  /** First exception parameter (access violations: 0 read, 1 write, 8 execute). Default 0. */
  firstParameter?: bigint;
  /** Header time stamp, Unix seconds. Default now. */
  timestamp?: number;
  /** Add a Breakpad info stream (the reporter is then `minidump.breakpad`). Default true. */
  breakpad?: boolean;
}

const EXCEPTION_STREAM_SIZE = 168;
const SYSTEM_INFO_SIZE = 56;
const BREAKPAD_INFO_SIZE = 12;

/** A minimal minidump with the given crash. */
export function buildMinidump(options: MinidumpOptions = {}): Buffer {
  const streams: Array<{ type: number; data: Buffer }> = [];
  const exception = Buffer.alloc(EXCEPTION_STREAM_SIZE);
  exception.writeUInt32LE(1, 0); // thread id
  exception.writeUInt32LE(options.code ?? 11, 8);
  exception.writeBigUInt64LE(options.address ?? 0xdeadbeefn, 24);
  exception.writeUInt32LE(1, 32); // number of parameters
  exception.writeBigUInt64LE(options.firstParameter ?? 0n, 40);
  streams.push({ type: 6, data: exception });
  const systemInfo = Buffer.alloc(SYSTEM_INFO_SIZE);
  systemInfo.writeUInt16LE(9, 0); // AMD64
  systemInfo.writeUInt32LE(options.platformId ?? 0x8201, 20);
  streams.push({ type: 7, data: systemInfo });
  if (options.breakpad ?? true) streams.push({ type: 0x47670001, data: Buffer.alloc(BREAKPAD_INFO_SIZE) });

  const header = Buffer.alloc(32);
  header.write('MDMP', 0, 'latin1');
  header.writeUInt32LE(0xa793, 4);
  header.writeUInt32LE(streams.length, 8);
  header.writeUInt32LE(32, 12);
  header.writeUInt32LE(options.timestamp ?? Math.floor(Date.now() / 1000), 20);
  const directory = Buffer.alloc(streams.length * 12);
  let rva = 32 + directory.length;
  streams.forEach((stream, i) => {
    directory.writeUInt32LE(stream.type, i * 12);
    directory.writeUInt32LE(stream.data.length, i * 12 + 4);
    directory.writeUInt32LE(rva, i * 12 + 8);
    rva += stream.data.length;
  });
  return Buffer.concat([header, directory, ...streams.map((s) => s.data)]);
}
