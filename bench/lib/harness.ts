/** Shared shapes of the benchmarks and the interleaved A/B sampler. */
import type Docker from 'dockerode';
import { checkInterrupted } from './cleanup';
import { median, round, summarize, type Summary } from './stats';

/** Local image the benchmarks run (never pulled); SANDBOXES_BENCH_IMAGE overrides it. */
export const DEFAULT_IMAGE = 'sandboxes-test/base:bookworm-2';

export interface BenchContext {
  docker: Docker;
  runId: string;
  image: string;
  log(line: string): void;
}

/** `KiB`: a size (the package), lower is better. */
export type Unit = 'ms' | 'MiB/s' | 'KiB';

/**
 * What a result must achieve. Most targets are on the ratio ours.median / baseline.median (the
 * machine cancels out); a few are absolute, set by their issue, and compare ours.median itself
 * (in the result's unit) while the ratio is still reported beside it.
 */
export type Target = { op: '<' | '<=' | '>='; ratio: number; text: string } | { op: '<' | '<=' | '>='; on: 'ours.median'; value: number; text: string };

export interface BenchResult {
  name: string;
  /** `ms` and `KiB`: lower is better; `MiB/s` (throughput): higher is better. */
  unit: Unit;
  ours: Summary;
  baseline: Summary;
  /** ours.median / baseline.median: for ms below 1 means ours is faster; for MiB/s it is the share of the baseline's throughput kept. */
  ratio: number;
  /** null: reported for comparison, no target set (met is null too). */
  target: Target | null;
  met: boolean | null;
  /** What the two sides are, in words (for the table and the JSON). */
  oursLabel: string;
  baselineLabel: string;
  /** Raw timed samples in run order, warm-ups excluded. */
  samples: { ours: number[]; baseline: number[] };
  /** Benchmark-specific details (connection counts, aggregate rates, a floor measured alongside…). */
  extra?: Record<string, unknown>;
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
  const { ours, baseline } = await interleaveMany({ ...options, sides: { ours: options.ours, baseline: options.baseline } });
  return { ours, baseline };
}

/** `interleave` for more than two sides: A, B, C, A, B, C… in the order of `sides`. */
export async function interleaveMany<K extends string>(options: Omit<InterleaveOptions, 'ours' | 'baseline'> & { sides: Record<K, Sample> }): Promise<Record<K, number[]>> {
  const names = Object.keys(options.sides) as K[];
  const out = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const total = options.warmup + options.n;
  for (let i = 0; i < total; i++) {
    const warm = i < options.warmup;
    for (const name of names) {
      checkInterrupted();
      const ms = await options.sides[name]();
      if (!warm) out[name].push(ms);
      await options.between?.();
    }
    if (options.log && !warm && ((i - options.warmup + 1) % 10 === 0 || i === total - 1)) {
      options.log(`  ${options.label ?? ''} ${i - options.warmup + 1}/${options.n} ${names.length === 2 ? 'pairs' : 'rounds'}`);
    }
  }
  return out;
}

export function isMet(target: Target | null, ratio: number, oursMedian: number): boolean | null {
  if (!target) return null;
  const value = 'on' in target ? oursMedian : ratio;
  const threshold = 'on' in target ? target.value : target.ratio;
  if (target.op === '<') return value < threshold;
  if (target.op === '<=') return value <= threshold;
  return value >= threshold;
}

export function result(
  name: string,
  labels: { ours: string; baseline: string },
  samples: { ours: number[]; baseline: number[] },
  target: Target | null,
  options: { unit?: Unit; tails?: ReadonlyArray<10 | 95 | 99>; extra?: Record<string, unknown> } = {},
): BenchResult {
  const unit = options.unit ?? 'ms';
  const ours = summarize(samples.ours, options.tails);
  const baseline = summarize(samples.baseline, options.tails);
  const exact = median(samples.ours) / median(samples.baseline);
  return {
    name,
    unit,
    ours,
    baseline,
    ratio: round(exact, 3),
    target,
    met: isMet(target, exact, median(samples.ours)),
    oursLabel: labels.ours,
    baselineLabel: labels.baseline,
    samples: { ours: samples.ours.map((v) => round(v, 2)), baseline: samples.baseline.map((v) => round(v, 2)) },
    ...(options.extra ? { extra: options.extra } : {}),
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
