/**
 * A small seeded pseudo-random generator (mulberry32) for the lab's made-up data and the tests that draw from it:
 * the same seed gives the same sequence, so a history or a failing random case can be replayed. Not for anything
 * secret.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
