/** Small, dependency-free statistics for the benchmarks. Inputs are sample durations in ms. */

export interface Summary {
  median: number;
  p90: number;
  n: number;
  /** Only where asked for: p99 of latencies (n ≥ 100), p95 (the load benchmark's), p10 of throughputs (their slow end). */
  p99?: number;
  p95?: number;
  p10?: number;
}

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

/** Median and p90 rounded to 0.1 ms (or MiB/s), with the sample count, plus any of p10/p99 asked for. */
export function summarize(samples: readonly number[], extra: ReadonlyArray<10 | 95 | 99> = []): Summary {
  const summary: Summary = { median: round(median(samples)), p90: round(percentile(samples, 90)), n: samples.length };
  for (const p of extra) summary[`p${p}`] = round(percentile(samples, p));
  return summary;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
