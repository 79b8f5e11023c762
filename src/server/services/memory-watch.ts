/**
 * The memory ceiling of the process (issue 4, "memory stays bounded"), after Relay's health
 * settings `health.max_memory_bytes` / `health.max_memory_percent` (relay-config `Health`,
 * default 95 %) and its memory stat refreshed at most every 100 ms
 * (`health.memory_stat_refresh_frequency_ms`). Relay compares the system's used memory with the
 * total; Vigil is one process, so it compares its own resident set (which includes embedded chDB
 * and the processing threads) with the ceiling. Above it the edge answers 503 before reading a
 * body and the readiness check fails, until processing brings the process back under it.
 */
import os from 'node:os';

/** The configured ceiling: an absolute byte count and/or a fraction of the machine's memory. */
export interface MemoryLimits {
  /** Absolute ceiling in bytes; unset = only `maxMemoryPercent` applies. */
  maxMemoryBytes?: number;
  /** Ceiling as a fraction (0–1] of the memory available to the process. */
  maxMemoryPercent: number;
}

/**
 * The memory available to the process in bytes: the cgroup limit when there is one
 * (`process.constrainedMemory()`; containers), else the machine's total memory.
 */
export function availableMemoryBytes(): number {
  const total = os.totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** The ceiling in bytes: the lower of `maxMemoryBytes` and `maxMemoryPercent` of `available`. */
export function memoryCeiling(limits: MemoryLimits, available = availableMemoryBytes()): number {
  const byPercent = Math.floor(available * limits.maxMemoryPercent);
  return limits.maxMemoryBytes === undefined ? byPercent : Math.min(limits.maxMemoryBytes, byPercent);
}

/** Options of {@link MemoryWatch}, mostly for tests. */
export interface MemoryWatchOptions {
  /** A reading is reused for this long (ms); default 100 (Relay's refresh frequency). */
  refreshMs?: number;
  /** Resident set size in bytes; default `process.memoryUsage.rss`. */
  rss?: () => number;
  /** Clock in ms; default `Date.now`. */
  now?: () => number;
}

/** Compares the process's memory with a ceiling, sampling lazily (cheap enough per request). */
export class MemoryWatch {
  private readonly refreshMs: number;
  private readonly rss: () => number;
  private readonly now: () => number;
  private sampledAt = -Infinity;
  private sample = 0;

  /** @param ceilingBytes above this resident set size the process counts as over its limit */
  constructor(
    readonly ceilingBytes: number,
    options: MemoryWatchOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 100;
    this.rss = options.rss ?? (() => process.memoryUsage.rss());
    this.now = options.now ?? Date.now;
  }

  /** The resident set size in bytes, at most `refreshMs` old. */
  get usedBytes(): number {
    const now = this.now();
    if (now - this.sampledAt >= this.refreshMs) {
      this.sample = this.rss();
      this.sampledAt = now;
    }
    return this.sample;
  }

  /** True while the process uses more memory than the ceiling. */
  get overLimit(): boolean {
    return this.usedBytes > this.ceilingBytes;
  }
}
