/**
 * A tiny seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on every machine,
 * which is what makes `npm run produce -- --seed N` reproducible. Not for cryptography.
 */
export type Prng = () => number;

/** Returns a generator of floats in [0, 1) determined by the 32-bit `seed`. */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randomInt(rnd: Prng, n: number): number {
  return Math.floor(rnd() * n);
}
