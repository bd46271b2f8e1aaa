/** Shared shapes of the benchmarks and the interleaved A/B sampler. */
import type Docker from 'dockerode';
import { checkInterrupted } from './cleanup';
import { round, summarize, type Summary } from './stats';

export interface BenchContext {
  docker: Docker;
  runId: string;
  image: string;
  log(line: string): void;
}

export interface Target {
  /** The comparison on ratio = ours.median / baseline.median. */
  op: '<' | '<=';
  ratio: number;
  text: string;
}

export interface BenchResult {
  name: string;
  unit: 'ms';
  ours: Summary;
  baseline: Summary;
  /** ours.median / baseline.median: below 1 means ours is faster. */
  ratio: number;
  target: Target;
  met: boolean;
  /** What the two sides are, in words (for the table and the JSON). */
  oursLabel: string;
  baselineLabel: string;
  /** Raw timed samples in run order, warm-ups excluded. */
  samples: { ours: number[]; baseline: number[] };
}

/** A sample runs one iteration and returns the duration of its timed part in ms. */
export type Sample = () => Promise<number>;

export interface InterleaveOptions {
  warmup: number;
  n: number;
  ours: Sample;
  baseline: Sample;
  /** Runs after every sample (untimed), e.g. a short settle pause. */
  between?: () => Promise<void>;
  log?: (line: string) => void;
  label?: string;
}

/**
 * Runs ours, baseline, ours, baseline… so that machine noise (other workloads, thermal, daemon
 * GC) falls on both sides alike. The first `warmup` pairs are discarded.
 */
export async function interleave(options: InterleaveOptions): Promise<{ ours: number[]; baseline: number[] }> {
  const ours: number[] = [];
  const baseline: number[] = [];
  const total = options.warmup + options.n;
  for (let i = 0; i < total; i++) {
    const warm = i < options.warmup;
    const order: Array<[Sample, number[]]> = [[options.ours, ours], [options.baseline, baseline]];
    for (const [sample, into] of order) {
      checkInterrupted();
      const ms = await sample();
      if (!warm) into.push(ms);
      await options.between?.();
    }
    if (options.log && (!warm && ((i - options.warmup + 1) % 10 === 0 || i === total - 1))) {
      options.log(`  ${options.label ?? ''} ${i - options.warmup + 1}/${options.n} pairs`);
    }
  }
  return { ours, baseline };
}

export function result(
  name: string,
  labels: { ours: string; baseline: string },
  samples: { ours: number[]; baseline: number[] },
  target: Target,
): BenchResult {
  const ours = summarize(samples.ours);
  const baseline = summarize(samples.baseline);
  const exact = ours.median / baseline.median;
  const met = target.op === '<' ? exact < target.ratio : exact <= target.ratio;
  return {
    name,
    unit: 'ms',
    ours,
    baseline,
    ratio: round(exact, 3),
    target,
    met,
    oursLabel: labels.ours,
    baselineLabel: labels.baseline,
    samples: { ours: samples.ours.map((v) => round(v, 2)), baseline: samples.baseline.map((v) => round(v, 2)) },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number, at least ${min} (got ${raw})`);
  return value;
}
