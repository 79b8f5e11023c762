import { describe, expect, it } from 'vitest';
import { pcg32, pseudoRandomFromId, traceRandom } from './random.js';

describe('pcg32', () => {
  it('reproduces the PCG32 reference stream (pcg32-demo, rand_pcg’s test_lcg64xsh32_reference)', () => {
    const next = pcg32(42n, 54n);
    expect(Array.from({ length: 6 }, next)).toEqual([
      0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e,
    ]);
  });
});

describe('pseudoRandomFromId', () => {
  it('gives the same number in [0, 1) for the same id, hyphenated or not (test_repeatable_seed)', () => {
    const a = pseudoRandomFromId('4a106cf6-b151-44eb-9131-ae7db1a157a3');
    expect(pseudoRandomFromId('4a106cf6b15144eb9131ae7db1a157a3')).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(1);
    expect(pseudoRandomFromId('4a106cf6b15144eb9131ae7db1a157a4')).not.toBe(a);
  });

  it('is the first 64-bit PCG32 output of the id’s halves scaled by 2^-52 after dropping 12 bits', () => {
    // The id 0x2a…36 seeds Pcg32::new(42, 54): next_u64 = (0x7b47f409 << 32) | 0xa15c02b7.
    const id = 42n.toString(16).padStart(16, '0') + 54n.toString(16).padStart(16, '0');
    const u64 = (0x7b47f409n << 32n) | 0xa15c02b7n;
    expect(pseudoRandomFromId(id)).toBe(Number(u64 >> 12n) / 2 ** 52);
  });

  it('spreads uniformly enough over many trace ids', () => {
    let below = 0;
    for (let i = 0; i < 2000; i += 1) {
      const id = (BigInt(i) * 0x9e3779b97f4a7c15f39cc0605cedc835n).toString(16).padStart(32, '0').slice(-32);
      if (pseudoRandomFromId(id) < 0.25) below += 1;
    }
    expect(below).toBeGreaterThan(400);
    expect(below).toBeLessThan(600);
  });
});

describe('traceRandom', () => {
  it('prefers the DSC’s sample_rand and falls back to the trace id', () => {
    const base = { traceId: 'ab'.repeat(16), publicKey: 'c'.repeat(32), userId: '', userSegment: '' };
    expect(traceRandom({ ...base, sampleRand: 0.42 })).toBe(0.42);
    expect(traceRandom(base)).toBe(pseudoRandomFromId(base.traceId));
  });
});
