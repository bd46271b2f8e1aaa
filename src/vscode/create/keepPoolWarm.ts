/**
 * After a Create Sandbox, keeps sandboxes started ahead for the same spec (the engine's warm
 * pool), so the next create claims one; `sandboxes.pool.size` says how many, automatic when unset
 * (poolSettings.ts `poolSizeFor`). In the background: a pool that cannot be kept (a domain allowlist,
 * a runtime without a guard, the memory budget) is logged, never shown as an error.
 */
import type { SandboxClient } from '../../core';
import type { SandboxSpec } from '../../core/types';
import type { ExtensionLog } from '../log';
import { readPoolSize } from '../settings';
import { poolSizeFor, poolSpecAfterCreate, type PoolFacts } from './poolSettings';

/** The spec the pool was last kept for, per client: a size of 0 ends that pool. */
const lastPool = new WeakMap<SandboxClient, SandboxSpec>();

export function keepPoolWarm(client: SandboxClient, facts: PoolFacts, log: ExtensionLog): void {
  const size = poolSizeFor(readPoolSize(), facts);
  const poolSpec = poolSpecAfterCreate(facts.spec);
  const previous = lastPool.get(client);
  if (size === 0 && !previous) return;
  // One pool: the one for the last spec created (a different spec ends the old pool).
  if (previous && JSON.stringify(previous) !== JSON.stringify(poolSpec)) void client.warm(previous, 0).catch(() => undefined);
  if (size === 0) {
    lastPool.delete(client);
    return;
  }
  lastPool.set(client, poolSpec);
  void client.warm(poolSpec, size).then(
    (result) => result.clipped && log.info(result.clipped),
    (error: unknown) => log.info(`No warm pool for the next sandbox: ${error instanceof Error ? error.message : String(error)}`),
  );
}
