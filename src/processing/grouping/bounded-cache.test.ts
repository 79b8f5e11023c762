import { describe, expect, it } from 'vitest';
import { BoundedCache, BoundedTupleCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  it('remembers values and empties itself when full', () => {
    const cache = new BoundedCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('c'), cache.size]).toEqual([1, 3, 3]);
    // Replacing an existing key never clears.
    cache.set('a', 10);
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([10, 2, 3]);
    expect(cache.set('d', 4)).toBe(4);
    expect([cache.get('a'), cache.get('d'), cache.size]).toEqual([undefined, 4, 1]);
  });
});

describe('BoundedTupleCache', () => {
  it('keys by every part, telling undefined, empty and joined-looking parts apart', () => {
    const cache = new BoundedTupleCache<string>(2, 100);
    const keys: [string | undefined, string | undefined][] = [
      ['ab', 'c'],
      ['a', 'bc'],
      [undefined, 'x'],
      ['', 'x'],
      ['undefined', 'x'],
    ];
    keys.forEach((key, i) => cache.get(key, () => `v${i}`));
    expect(keys.map((key) => cache.get(key, () => 'new'))).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(cache.size).toBe(5);
  });

  it('never holds more than its bound', () => {
    const cache = new BoundedTupleCache<number>(2, 10);
    let created = 0;
    for (let i = 0; i < 25; i++) cache.get([String(i % 3), String(i)], () => ++created);
    expect(created).toBe(25);
    expect(cache.size).toBeLessThanOrEqual(10);
    // The most recent entry survived the last reset and is served from the cache.
    expect(cache.get(['0', '24'], () => -1)).toBe(25);
  });
});
