import { describe, expect, it } from 'vitest';
import { MemoryWatch, availableMemoryBytes, memoryCeiling } from './memory-watch.js';

describe('memory ceiling', () => {
  it('is the lower of the absolute bytes and the fraction of the available memory', () => {
    expect(memoryCeiling({ maxMemoryPercent: 0.95 }, 1000)).toBe(950);
    expect(memoryCeiling({ maxMemoryPercent: 0.95, maxMemoryBytes: 500 }, 1000)).toBe(500);
    expect(memoryCeiling({ maxMemoryPercent: 0.5, maxMemoryBytes: 900 }, 1000)).toBe(500);
    expect(availableMemoryBytes()).toBeGreaterThan(0);
  });

  it('samples the resident set at most every refreshMs and compares it with the ceiling', () => {
    let rss = 100;
    let now = 0;
    let reads = 0;
    const watch = new MemoryWatch(150, { rss: () => (reads++, rss), now: () => now, refreshMs: 100 });
    expect(watch.overLimit).toBe(false);
    rss = 200;
    now = 50;
    expect(watch.overLimit).toBe(false); // the 100 ms old reading still counts
    now = 100;
    expect(watch.overLimit).toBe(true);
    expect(watch.usedBytes).toBe(200);
    expect(reads).toBe(2);
  });

  it('reads the real process by default', () => {
    expect(new MemoryWatch(1).overLimit).toBe(true);
    expect(new MemoryWatch(Number.MAX_SAFE_INTEGER).overLimit).toBe(false);
  });
});
