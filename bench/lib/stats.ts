/** Small, dependency-free statistics for the benchmarks. Inputs are sample durations in ms. */

export interface Summary {
  median: number;
  p90: number;
  n: number;
}

/** Linear-interpolation percentile (the "type 7" definition used by R and NumPy), p in [0, 100]. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is not in [0, 100]`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Median and p90 rounded to 0.1 ms, with the sample count. */
export function summarize(samples: readonly number[]): Summary {
  return { median: round(median(samples)), p90: round(percentile(samples, 90)), n: samples.length };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
