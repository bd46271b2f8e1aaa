/**
 * The warm pool's types (warmPool.ts): what it needs of the client, `warm()`'s options and
 * result, a pool's status, and what a claim needs from create's preparation.
 */
import type Docker from 'dockerode';
import type { NetworkInfo, PolicyState } from '../network/guard';
import type { RuntimeNetworking } from '../network/runtimeMode';
import type { ContainerContext, RuntimeRegistrations } from '../sandboxContainer';
import type { Logger, SandboxSpec } from '../types';

/** What the pool needs of the client. */
export interface PoolContext {
  readonly docker: Docker;
  readonly logger: Logger | undefined;
  readonly guardImage: string;
  resolvers(): string[];
  containerContext(): ContainerContext;
  /** The client's own checks and look-ups before a create (spec defaults, runtime, image, network). */
  prepare(spec: SandboxSpec): Promise<Prepared>;
  /** Starts the reaper when a claimed sandbox has a lifetime. */
  ensureReaper(): void;
  /** The memory limits of all of this client's members together (poolLimits.ts; undefined: the default). */
  readonly memoryBudgetMiB: number | undefined;
}

/** `warm()`'s options. */
export interface WarmOptions {
  /**
   * A pool not claimed from (by any client) nor warmed again for this many seconds shrinks to 0:
   * its members are removed and it ends. 0 keeps it until `close()`. Default 600 (10 minutes).
   */
  idleExpirySeconds?: number;
}

/** What `warm()` did. */
export interface WarmResult {
  /** The pool's size: as asked, or less when the memory budget clipped it. */
  size: number;
  /** Why the size is smaller than asked (the memory budget), when it is. */
  clipped?: string;
}

export interface Prepared {
  spec: SandboxSpec & Required<Pick<SandboxSpec, 'memoryMiB' | 'pidsLimit'>>;
  runtime: string;
  runtimes: RuntimeRegistrations;
  networking: RuntimeNetworking;
  network: NetworkInfo | undefined;
}

/** One pool of this client, as `client.poolStatus()` reports it. */
export interface PoolStatus {
  key: string;
  image: string;
  runtime: string;
  /** Members this client keeps ready. */
  size: number;
  /** Running, unclaimed members now. */
  ready: number;
}

/** What `claim` needs from create's own preparation. */
export interface ClaimFacts {
  spec: SandboxSpec;
  runtime: string;
  networking: RuntimeNetworking;
  network: NetworkInfo | undefined;
  initialState: PolicyState;
  networkMode: string;
  probe?: boolean;
}
