/**
 * The warm pool in the editor (issue #16), without `vscode` (unit-tested): the pool size from its
 * setting, the spec a pool is kept for after a create, and the Check Setup line.
 */
import type { SandboxSpec } from '../../core/types';
import type { PoolStatus } from '../../core/pool/warmPool';
import type { CheckItem } from '../../core/types';

export const MAX_POOL_SIZE = 8;

/** A whole number from 0 to MAX_POOL_SIZE; anything else (settings.json accepts anything) is 0. */
export function poolSizeFrom(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? Math.min(value, MAX_POOL_SIZE) : 0;
}

/** The spec to keep a pool for after creating `spec`: the same, without the name (every sandbox has its own). */
export function poolSpecAfterCreate(spec: SandboxSpec): SandboxSpec {
  const { name: _name, ...rest } = spec;
  return rest;
}

/** Check Setup's line about the pool: shown as a setting and its state, never as sandboxes. */
export function poolCheckItem(size: number, pools: readonly PoolStatus[]): CheckItem {
  const name = 'Warm pool';
  if (size === 0) return { name, ok: true, detail: 'Off (sandboxes.pool.size is 0): every sandbox is created when asked for.' };
  if (pools.length === 0)
    return { name, ok: true, detail: `${size} sandbox${size === 1 ? '' : 'es'} will be kept started ahead after the next Create Sandbox (for its spec).` };
  const parts = pools.map((p) => `${p.ready} of ${p.size} ready for ${p.image} (${p.runtime})`);
  return { name, ok: true, detail: `${parts.join('; ')}. Pooled sandboxes have no network until a Create Sandbox claims one; they are not listed as sandboxes.` };
}
