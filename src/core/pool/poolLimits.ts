/**
 * A warm pool's limits (issue #16), pure: how long a pool nobody claims from lives (idle expiry)
 * and how many members fit in the client's memory budget. Pooled sandboxes are started for a
 * create that may never come, so they must not hold memory for ever nor without bound: a pool
 * not claimed from for its idle time shrinks to 0, and the memory limits of all of a client's
 * members together stay within its budget (`warm()` beyond it is clipped, or refused when not
 * even one member fits).
 */
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import { LABEL } from '../labels';
import { isClaimRecord, RETIRING } from './claims';

/** A pool not claimed from (nor warmed again) for this long shrinks to 0: `warm(…, { idleExpirySeconds })`. */
export const DEFAULT_POOL_IDLE_SECONDS = 600;
/** The memory limits of one client's pooled sandboxes together: `connect({ poolMemoryBudgetMiB })`. Two default sandboxes (2048 MiB each). */
export const DEFAULT_POOL_MEMORY_BUDGET_MIB = 4096;

/** The idle time of `warm()`'s options: whole seconds, 0 for never; undefined is the default. */
export function idleExpiryMs(seconds: number | undefined): number {
  if (seconds === undefined) return DEFAULT_POOL_IDLE_SECONDS * 1000;
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new SandboxError(
      'INVALID_SPEC',
      `A pool's idleExpirySeconds must be 0 (never) or more seconds (got ${seconds}).`,
      'Pass a number of seconds, or 0 to keep the pool until close().',
    );
  return seconds * 1000;
}

/** Whether a pool last warmed or claimed from at `lastUsed` has been idle for `idleMs` at `now` (0: never expires). */
export function idleExpired(lastUsed: number, idleMs: number, now: number): boolean {
  return idleMs > 0 && now - lastUsed >= idleMs;
}

/**
 * The latest claim of a member of each pool, from a listing that holds claim records (their
 * `created-at` label is the claim time and `pool-key` the pool): a claim by any client counts as
 * the pool being used. A pool's own retiring claims do not.
 */
export function lastClaims(containers: readonly Docker.ContainerInfo[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of containers) {
    if (!isClaimRecord(c) || c.Labels[LABEL.pool] === RETIRING) continue;
    const key = c.Labels[LABEL.poolKey];
    const at = Date.parse(c.Labels[LABEL.createdAt] ?? '');
    if (!key || !Number.isFinite(at)) continue;
    out.set(key, Math.max(out.get(key) ?? 0, at));
  }
  return out;
}

export interface BudgetDecision {
  /** The size the pool gets. */
  size: number;
  /** Why it is smaller than asked, when it is. */
  clipped?: string;
}

/**
 * How many members of `memoryMiB` each fit in `budgetMiB` beside the other pools (`othersMiB`,
 * their sizes times their members' memory). Clipped to what fits; refused (POOL_BUDGET) when a
 * pool was asked for and not even one member fits.
 */
export function withinBudget(asked: number, memoryMiB: number, othersMiB: number, budgetMiB: number): BudgetDecision {
  const fits = Math.max(0, Math.floor((budgetMiB - othersMiB) / memoryMiB));
  if (asked <= fits) return { size: asked };
  const why = `a pool of ${asked} sandboxes of ${memoryMiB} MiB needs ${asked * memoryMiB} MiB, and the pool memory budget is ${budgetMiB} MiB with ${othersMiB} MiB held by other pools`;
  if (fits === 0)
    throw new SandboxError(
      'POOL_BUDGET',
      `No warm pool was started: ${why}.`,
      'Use a smaller memoryMiB for pooled specs, end another pool (warm(spec, 0)), or raise connect({ poolMemoryBudgetMiB }).',
    );
  return { size: fits, clipped: `The warm pool keeps ${fits} instead of ${asked}: ${why}.` };
}
