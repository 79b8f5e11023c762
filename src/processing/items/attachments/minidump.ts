/**
 * What Vigil reads from a minidump without symbols: the header's timestamp, which crash reporter
 * wrote it (Relay's `process_minidump` in `relay-server/src/utils/native.rs`: a Crashpad info
 * stream means `minidump.crashpad`, a Breakpad info stream `minidump.breakpad`), and the crash
 * reason of the exception stream named for the dump's operating system, which is what Sentry shows
 * as the exception type of a minidump event after stack walking (`crash_reason` in
 * `src/sentry/lang/native/processing.py`; the names follow rust-minidump's `CrashReason`).
 * Frames need symbols and are out of scope. Layout: Microsoft's `MINIDUMP_HEADER`,
 * `MINIDUMP_DIRECTORY`, `MINIDUMP_EXCEPTION_STREAM` and `MINIDUMP_SYSTEM_INFO`.
 */

/** Stream types of `MINIDUMP_STREAM_TYPE` and the Breakpad/Crashpad extensions used here. */
const STREAM_EXCEPTION = 6;
const STREAM_SYSTEM_INFO = 7;
const STREAM_BREAKPAD_INFO = 0x47670001;
const STREAM_CRASHPAD_INFO = 0x43500001;

/** What {@link readMinidumpInfo} found; every field is optional because dumps may be truncated. */
export interface MinidumpInfo {
  /** `minidump.crashpad`, `minidump.breakpad` or `minidump.unknown`. */
  sdkName: string;
  /** `TimeDateStamp` of the header, Unix seconds; absent when 0. */
  timestamp?: number;
  /** Operating system of the system-info stream, e.g. `Windows`, `Linux`, `macOS`. */
  os?: string;
  /** The crash reason, e.g. `SIGSEGV`, `EXCEPTION_ACCESS_VIOLATION_WRITE`, `EXC_BAD_ACCESS`. */
  crashReason?: string;
  /** The faulting address of the exception record, as `0x` hex. */
  crashAddress?: string;
}

/** True when `bytes` start with the minidump signature, little-endian `MDMP` or byte-swapped `PMDM`. */
export function hasMinidumpSignature(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(4, bytes.length)).toString('latin1');
  return head === 'MDMP' || head === 'PMDM';
}

/**
 * Reads the header and the streams named in the module comment. Returns undefined when `bytes`
 * is not a minidump (no signature, or a header or directory past the end); never throws.
 */
export function readMinidumpInfo(bytes: Buffer): MinidumpInfo | undefined {
  if (!hasMinidumpSignature(bytes) || bytes.length < 32) return undefined;
  const le = bytes.toString('latin1', 0, 4) === 'MDMP';
  const u32 = (at: number): number | undefined =>
    at + 4 <= bytes.length ? (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at)) : undefined;
  const u64 = (at: number): bigint | undefined =>
    at + 8 <= bytes.length ? (le ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at)) : undefined;

  const streamCount = u32(8) ?? 0;
  const directory = u32(12) ?? 0;
  const timestamp = u32(20) ?? 0;
  const streams = new Map<number, number>();
  for (let i = 0; i < Math.min(streamCount, 4096); i++) {
    const entry = directory + i * 12;
    const type = u32(entry);
    const rva = u32(entry + 8);
    if (type === undefined || rva === undefined) break;
    if (!streams.has(type)) streams.set(type, rva);
  }

  const info: MinidumpInfo = {
    sdkName: streams.has(STREAM_CRASHPAD_INFO)
      ? 'minidump.crashpad'
      : streams.has(STREAM_BREAKPAD_INFO)
        ? 'minidump.breakpad'
        : 'minidump.unknown',
    ...(timestamp > 0 ? { timestamp } : {}),
  };
  const systemInfo = streams.get(STREAM_SYSTEM_INFO);
  const platformId = systemInfo === undefined ? undefined : u32(systemInfo + 20);
  const os = platformId === undefined ? undefined : osName(platformId);
  if (os !== undefined) info.os = os;

  const exception = streams.get(STREAM_EXCEPTION);
  if (exception !== undefined) {
    // MINIDUMP_EXCEPTION_STREAM: ThreadId, alignment, then MINIDUMP_EXCEPTION.
    const record = exception + 8;
    const code = u32(record);
    const address = u64(record + 16);
    const firstParameter = u64(record + 32);
    if (code !== undefined) {
      info.crashReason = crashReason(os, code, firstParameter);
      if (address !== undefined) info.crashAddress = `0x${address.toString(16)}`;
    }
  }
  return info;
}

/** `PlatformId` of `MINIDUMP_SYSTEM_INFO` (Breakpad's `MDOSPlatform`) as an OS name. */
function osName(platformId: number): string | undefined {
  switch (platformId) {
    case 0:
    case 1:
    case 2:
      return 'Windows';
    case 0x8101:
      return 'macOS';
    case 0x8102:
      return 'iOS';
    case 0x8201:
      return 'Linux';
    case 0x8202:
      return 'Solaris';
    case 0x8203:
      return 'Android';
    case 0x8206:
      return 'Fuchsia';
    default:
      return undefined;
  }
}

const WINDOWS_CODES: Record<number, string> = {
  0x80000003: 'EXCEPTION_BREAKPOINT',
  0x80000004: 'EXCEPTION_SINGLE_STEP',
  0xc0000005: 'EXCEPTION_ACCESS_VIOLATION',
  0xc0000006: 'EXCEPTION_IN_PAGE_ERROR',
  0xc000001d: 'EXCEPTION_ILLEGAL_INSTRUCTION',
  0xc0000094: 'EXCEPTION_INT_DIVIDE_BY_ZERO',
  0xc0000095: 'EXCEPTION_INT_OVERFLOW',
  0xc0000096: 'EXCEPTION_PRIV_INSTRUCTION',
  0xc00000fd: 'EXCEPTION_STACK_OVERFLOW',
  0xc0000374: 'STATUS_HEAP_CORRUPTION',
  0xc0000409: 'EXCEPTION_STACK_BUFFER_OVERRUN',
  0xe06d7363: 'Unhandled C++ Exception',
};

const POSIX_SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};

const MAC_EXCEPTIONS: Record<number, string> = {
  1: 'EXC_BAD_ACCESS',
  2: 'EXC_BAD_INSTRUCTION',
  3: 'EXC_ARITHMETIC',
  4: 'EXC_EMULATION',
  5: 'EXC_SOFTWARE',
  6: 'EXC_BREAKPOINT',
  7: 'EXC_SYSCALL',
  8: 'EXC_MACH_SYSCALL',
  9: 'EXC_RPC_ALERT',
  10: 'EXC_CRASH',
  11: 'EXC_RESOURCE',
  12: 'EXC_GUARD',
};

/**
 * The crash reason of an exception code: Windows NTSTATUS codes (access violations split by the
 * first parameter: 0 read, 1 write, 8 execute), POSIX signals on Linux and Android, Mach
 * exceptions on macOS and iOS; unknown codes as `0x` hex, as rust-minidump prints them.
 */
function crashReason(os: string | undefined, code: number, firstParameter: bigint | undefined): string {
  const hex = `0x${code.toString(16).padStart(8, '0')}`;
  switch (os) {
    case 'Windows': {
      const name = WINDOWS_CODES[code];
      if (name === 'EXCEPTION_ACCESS_VIOLATION') {
        const kind = firstParameter === 1n ? '_WRITE' : firstParameter === 8n ? '_EXEC' : '_READ';
        return `${name}${kind}`;
      }
      return name ?? hex;
    }
    case 'macOS':
    case 'iOS':
      return MAC_EXCEPTIONS[code] ?? hex;
    case 'Linux':
    case 'Android':
    case 'Solaris':
    case 'Fuchsia':
      return POSIX_SIGNALS[code] ?? hex;
    default:
      return hex;
  }
}
