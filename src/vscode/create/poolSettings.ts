/**
 * The warm pool in the editor (issue #16), without `vscode` (unit-tested): the pool size from its
 * setting (automatic when unset: `poolSizeFor`), the spec a pool is kept for after a create, and
 * the Check Setup line.
 */
import type { SandboxSpec } from '../../core/types';
import type { PoolStatus } from '../../core/pool/warmPool';
import type { CheckItem } from '../../core/types';

export const MAX_POOL_SIZE = 8;

/** A whole number from 0 to MAX_POOL_SIZE; anything else (settings.json accepts anything) is 0. */
export function poolSizeFrom(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? Math.min(value, MAX_POOL_SIZE) : 0;
}

/** The smallest budget that holds one pooled sandbox of the smallest memory limit a spec may ask (core/spec.ts `MIN_MEMORY_MIB`; not imported: the engine loads on first use). */
export const MIN_POOL_MEMORY_BUDGET_MIB = 16;

/** `sandboxes.pool.memoryBudgetMiB`: a whole number of MiB from MIN_POOL_MEMORY_BUDGET_MIB; anything else is the engine's default (`undefined`). */
export function poolMemoryBudgetFrom(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= MIN_POOL_MEMORY_BUDGET_MIB ? value : undefined;
}

/** `sandboxes.pool.size` as the user set it: a size, or `'auto'` when unset (null, the default). */
export type PoolSizeSetting = number | 'auto';

export function poolSizeSettingFrom(value: unknown): PoolSizeSetting {
  return value === undefined || value === null ? 'auto' : poolSizeFrom(value);
}

/** What the automatic size looks at. */
export interface PoolFacts {
  /** A sandbox was created with Create Sandbox in this workspace before (workspaceState, poolPreference.ts). */
  createdHere: boolean;
  /** The spec is this workspace's default one (the settings' spec, only the name chosen). */
  isDefaultSpec: boolean;
  spec: SandboxSpec;
}

/**
 * The pool size to keep for `facts.spec`. An explicit setting wins. Automatic: 1 for this
 * workspace's default spec once the user has created a sandbox here (someone who creates
 * sandboxes in this workspace will likely create another), else 0 (a pool costs a running sandbox).
 * Copy-mode specs too: the workspace is copied in at claim (the engine's pool/copyAtClaim.ts).
 */
export function poolSizeFor(setting: PoolSizeSetting, facts: PoolFacts): number {
  if (setting !== 'auto') return setting;
  return facts.createdHere && facts.isDefaultSpec ? 1 : 0;
}

/** Whether `spec` is the default spec but for its name (key order does not matter). */
export function sameSpecButName(spec: SandboxSpec, defaultSpec: SandboxSpec): boolean {
  return sorted(poolSpecAfterCreate(spec)) === sorted(poolSpecAfterCreate(defaultSpec));
}

function sorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sorted).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sorted(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The spec to keep a pool for after creating `spec`: the same, without the name (every sandbox has its own). */
export function poolSpecAfterCreate(spec: SandboxSpec): SandboxSpec {
  const { name: _name, ...rest } = spec;
  return rest;
}

/** Check Setup's line about the pool: shown as a setting and its state, never as sandboxes. */
export function poolCheckItem(size: PoolSizeSetting, pools: readonly PoolStatus[]): CheckItem {
  const name = 'Warm pool';
  if (size === 'auto' && pools.length === 0)
    return {
      name,
      ok: true,
      detail:
        "Automatic (sandboxes.pool.size is unset): one sandbox is kept started ahead for this workspace's default spec once you have created a sandbox here, unless its workspace is copied in. None now.",
    };
  if (size === 'auto') return { name, ok: true, detail: `Automatic: ${poolsDetail(pools)}` };
  if (size === 0) return { name, ok: true, detail: 'Off (sandboxes.pool.size is 0): every sandbox is created when asked for.' };
  if (pools.length === 0)
    return { name, ok: true, detail: `${size} sandbox${size === 1 ? '' : 'es'} will be kept started ahead after the next Create Sandbox (for its spec).` };
  return { name, ok: true, detail: poolsDetail(pools) };
}

function poolsDetail(pools: readonly PoolStatus[]): string {
  const parts = pools.map((p) => `${p.ready} of ${p.size} ready for ${p.image} (${p.runtime})`);
  return `${parts.join('; ')}. Pooled sandboxes have no network until a Create Sandbox claims one; they are not listed as sandboxes.`;
}
