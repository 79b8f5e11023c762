/**
 * The random number a sampling decision compares with the sample rate (keep when `random < rate`).
 *
 * Relay derives it deterministically from an id (`pseudo_random_from_uuid` in
 * `relay-sampling/src/evaluation.rs`): the id's 128 bits, big-endian, seed a PCG32 generator
 * (`rand_pcg::Pcg32::new(high 64 bits, low 64 bits)`), whose first 64-bit output becomes a float
 * in [0, 1) the way `rand`'s `Uniform::new(0.0, 1.0)` samples one (the top 52 bits as the
 * mantissa). Seeded with the trace id, every item of a trace draws the same number.
 *
 * For trace and project rules Vigil first takes the DSC's `sample_rand`, the number the SDK
 * sampled the trace with: a trace the SDK kept at rate r (`sample_rand < r`) is then kept by a
 * server rate s ≥ r. Relay does not read `sample_rand`; without it the trace id decides as there.
 */
import type { DynamicSamplingContext } from './dsc.js';

const MASK64 = (1n << 64n) - 1n;
/** PCG's default 64-bit LCG multiplier. */
const MULTIPLIER = 6364136223846793005n;

/**
 * A PCG32 (XSH RR 64/32) generator as `rand_pcg::Pcg32::new(state, stream)` builds it; returns
 * its `next_u32`. Exported for the reference-vector test.
 */
export function pcg32(state: bigint, stream: bigint): () => number {
  const increment = ((stream << 1n) | 1n) & MASK64;
  let s = (state + increment) & MASK64;
  s = (s * MULTIPLIER + increment) & MASK64;
  return () => {
    const old = s;
    s = (s * MULTIPLIER + increment) & MASK64;
    const rot = Number(old >> 59n);
    const xsh = Number((((old >> 18n) ^ old) >> 27n) & 0xffff_ffffn);
    return ((xsh >>> rot) | (xsh << (32 - rot))) >>> 0;
  };
}

/**
 * Relay's `pseudo_random_from_uuid`: a number in [0, 1) determined by a 32-hex id (a trace or
 * event id; hyphens are ignored). The same id always gives the same number.
 */
export function pseudoRandomFromId(id: string): number {
  const seed = BigInt(`0x${id.replace(/-/g, '')}`);
  const next = pcg32(seed >> 64n, seed & MASK64);
  // `RngCore::next_u64` of a 32-bit generator: the first output is the low half.
  const low = BigInt(next());
  const high = BigInt(next());
  const u64 = (high << 32n) | low;
  return Number(u64 >> 12n) / 2 ** 52;
}

/**
 * The random number of a trace: the DSC's `sample_rand` when it has a valid one, else Relay's
 * number of the trace id.
 */
export function traceRandom(dsc: DynamicSamplingContext): number {
  return dsc.sampleRand ?? pseudoRandomFromId(dsc.traceId);
}
