/**
 * A deterministic stand-in for crypto.randomInt, so statistical tests give the same verdict on every run.
 * sfc32 for the bits; exact uniformity on [0, max) by rejecting the top partial block of 2^32.
 */
export function seededRandomInt(seed: number): (max: number) => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  return (max: number) => {
    const limit = Math.floor(2 ** 32 / max) * max;
    for (;;) {
      const r = next();
      if (r < limit) return r % max;
    }
  };
}

/** Chi-square statistic of observed against expected counts (same keys). */
export function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((sum, o, i) => {
    const e = expected[i] ?? 0;
    return sum + ((o - e) * (o - e)) / e;
  }, 0);
}

/** Upper critical value of chi-square with `df` degrees of freedom at p = 1e-4 (Wilson–Hilferty). */
export function chiSquareCritical(df: number): number {
  const z = 3.719;
  const k = 2 / (9 * df);
  return df * (1 - k + z * Math.sqrt(k)) ** 3;
}
