// Deterministic pseudo-random numbers (xorshift32), so generated inputs and failures reproduce.
// Plain JavaScript so that Node scripts (test/fixtures/*/generate.mjs) can share it with tests.
export function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}
