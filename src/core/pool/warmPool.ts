/**
 * The warm pool (issue #16): sandboxes started ahead for a spec, with no network (their guard
 * holds the blocked policy: loopback only), so that `create` only has to claim one, apply the
 * caller's policy and rename it. A pooled sandbox is nobody's until claimed (claims.ts): lists,
 * `fromId`, the tree and the reaper do not see it. Each client keeps its own pools full (a timer
 * and every claim refill them) and removes its unclaimed members on close; the reaper and any
 * listing remove those of a client whose process is gone (poolOrphans.ts).
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { SandboxError, dockerStatus } from '../errors';
import { beginCreate, creatorLabel, endCreate } from '../halfMade';
import { newSandboxId } from '../ids';
import { LABEL, MANAGED_FILTER, tagLabels } from '../labels';
import { nameInUse, sandboxLabels } from '../sandboxContainer';
import type { SandboxSpec } from '../types';
import { createClaim } from './claims';
import { poolKey, poolSpecOf, withoutCopies } from './poolKey';
import { ReadyExecs } from './readyExec';
import { ReadyPolicies } from './readyPolicy';
import { groupMembers, makePoolMember, removeContainers, retireMembers } from './poolMember';
import { DEFAULT_POOL_MEMORY_BUDGET_MIB, idleExpired, idleExpiryMs, lastClaims, withinBudget } from './poolLimits';
import type { ClaimFacts, PoolContext, PoolStatus, Prepared, WarmOptions, WarmResult } from './poolTypes';

export type { ClaimFacts, PoolContext, PoolStatus, Prepared, WarmOptions, WarmResult } from './poolTypes';

/** A pooled sandbox's container name until a claim renames it to the caller's `sandboxes-<name>`. */
export const POOL_PREFIX = 'sandboxes-pool-';
/** How often a client looks at its pools (members killed from outside are replaced). */
const MAINTAIN_MS = 3_000;

interface Pool {
  key: string;
  size: number;
  prepared: Prepared;
  /** Idle time after which the pool ends (0: never). */
  idleMs: number;
  /** When it was last warmed or claimed from. */
  lastUsed: number;
  filling?: Promise<void>;
}

export class WarmPool {
  /** Names this client (not only its process: two clients of one process keep separate pools). */
  readonly owner = `${creatorLabel()}#${randomBytes(4).toString('hex')}`;
  private readonly pools = new Map<string, Pool>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** A waiting exec per pooled sandbox, for the claimer's first command (readyExec.ts). */
  readonly readyExecs: ReadyExecs;

  /** A waiting shell per pooled sandbox's guard, for the claimer's policy (readyPolicy.ts). */
  private readonly readyPolicies: ReadyPolicies;

  constructor(private readonly context: PoolContext) {
    this.readyExecs = new ReadyExecs(context.docker);
    this.readyPolicies = new ReadyPolicies(context.docker);
  }

  /**
   * Keeps `size` sandboxes for `spec` started ahead (0 ends the pool); resolves once they are
   * ready. Only specs a pool can serve: a runtime whose network the guard enforces (copy mounts go in at claim).
   */
  async warm(input: SandboxSpec, size: number, options: WarmOptions = {}): Promise<WarmResult> {
    if (!Number.isInteger(size) || size < 0 || size > 32)
      throw new SandboxError('INVALID_SPEC', `A pool size must be a whole number from 0 to 32 (got ${size}).`, 'Pass a size from 0 (no pool) to 32.');
    const idleMs = idleExpiryMs(options.idleExpirySeconds);
    const prepared = await this.context.prepare(input);
    if (prepared.networking !== 'kernel' || !prepared.network) {
      throw new SandboxError(
        'POLICY_UNSUPPORTED',
        `Runtime ${prepared.runtime} cannot hold a sandbox closed until it is claimed (its network is not enforced by a guard), so it has no warm pool.`,
        'Use a pool with the default runtime (runsc), or create these sandboxes without one.',
      );
    }
    const key = poolKey(prepared.spec, prepared.runtime, this.context.resolvers());
    if (!key) throw new SandboxError('INVALID_SPEC', 'This spec has no warm pool.', 'Create these sandboxes without a pool.');
    if (size === 0) {
      this.pools.delete(key);
      await this.retire(key);
      return { size: 0 };
    }
    // Pooled sandboxes hold memory for a create that may never come: all of a client's together
    // stay within its budget (clipped here, refused when not even one fits).
    let othersMiB = 0;
    for (const other of this.pools.values()) if (other.key !== key) othersMiB += other.size * other.prepared.spec.memoryMiB;
    const budget = withinBudget(size, prepared.spec.memoryMiB, othersMiB, this.context.memoryBudgetMiB ?? DEFAULT_POOL_MEMORY_BUDGET_MIB);
    if (budget.clipped) this.context.logger?.warn(budget.clipped);
    this.closed = false;
    const pool = this.pools.get(key) ?? { key, size: budget.size, prepared, idleMs, lastUsed: Date.now() };
    pool.size = budget.size;
    pool.idleMs = idleMs;
    pool.lastUsed = Date.now();
    this.pools.set(key, pool);
    this.timer ??= setInterval(() => void this.maintain(), MAINTAIN_MS).unref();
    // The reaper removes this pool if this process dies without closing it (poolOrphans.ts).
    try {
      this.context.ensureReaper();
    } catch (error) {
      this.context.logger?.warn(
        `Warm pool: no reaper (${error instanceof Error ? error.message : String(error)}); a pool left by a crash is removed by the next listing instead`,
      );
    }
    await this.fill(pool);
    // Fewer members than before: the ones over the new size go.
    await this.shrink(pool);
    // Idle time counts from when the pool is ready (a slow fill is not idleness).
    pool.lastUsed = Date.now();
    return budget;
  }

  /** This client's pools and how many members each has ready. */
  async status(): Promise<PoolStatus[]> {
    const out: PoolStatus[] = [];
    for (const pool of this.pools.values()) {
      const { ready } = await this.members(pool.key);
      out.push({ key: pool.key, image: pool.prepared.spec.image, runtime: pool.prepared.runtime, size: pool.size, ready: ready.length });
    }
    return out;
  }

  /**
   * Claims a pooled sandbox for this create, any client's, or returns null (the caller takes the
   * cold path). The claim record makes it ours alone; the caller's policy is loaded and verified
   * before it is handed out (fail closed: a member that cannot be is removed, the next one tried).
   */
  async claim(facts: ClaimFacts): Promise<{ id: string; containerId: string; name: string } | null> {
    const { spec, runtime, networking, network } = facts;
    if (facts.probe || networking !== 'kernel' || !network) return null;
    const key = poolKey(spec, runtime, this.context.resolvers());
    if (!key) return null;
    const docker = this.context.docker;
    let found: Docker.ContainerInfo[];
    try {
      found = await docker.listContainers({ filters: { label: [MANAGED_FILTER, `${LABEL.poolKey}=${key}`], status: ['running'] } });
    } catch {
      return null;
    }
    const members = found.filter((c) => c.Labels[LABEL.pool] === 'true' && c.Labels[LABEL.role] === 'sandbox' && (c.Names ?? []).some((n) => n.startsWith(`/${POOL_PREFIX}`)));
    for (const member of members) {
      const id = member.Labels[LABEL.id];
      const guard = found.find((c) => c.Labels[LABEL.role] === 'guard' && c.Labels[LABEL.id] === id);
      if (!guard) continue;
      // Started now for another client's member (ours have one already): it overlaps the claim.
      if (!spec.idleTimeoutSeconds) this.readyExecs.prepare(member.Id);
      // Until handed out, maintain() must not close this member's waiting shells.
      this.claiming.add(member.Id).add(guard.Id);
      try {
        const claimed = await this.claimOne(facts, key, member, guard);
        if (claimed) return claimed;
      } finally {
        this.claiming.delete(member.Id);
        this.claiming.delete(guard.Id);
      }
    }
    return null;
  }
  private readonly claiming = new Set<string>();

  /** Claims this member, or returns null (another client won it, or it could not be made ready: removed). */
  private async claimOne(
    facts: ClaimFacts,
    key: string,
    member: Docker.ContainerInfo,
    guard: Docker.ContainerInfo,
  ): Promise<{ id: string; containerId: string; name: string } | null> {
    const { spec, network } = facts;
    const docker = this.context.docker;
    const id = member.Labels[LABEL.id];
    const name = spec.name ?? id;
    const useReady = !spec.idleTimeoutSeconds;
    const now = new Date();
    const claim = await createClaim(docker, this.context.guardImage, {
      [LABEL.managed]: 'true',
      [LABEL.id]: id,
      [LABEL.name]: name,
      [LABEL.createdAt]: now.toISOString(),
      [LABEL.networkMode]: facts.networkMode,
      [LABEL.creator]: creatorLabel(),
      [LABEL.poolKey]: key,
      [LABEL.poolOwner]: member.Labels[LABEL.poolOwner] ?? '',
      ...tagLabels(spec.tags),
      ...(spec.timeoutSeconds ? { [LABEL.expiresAt]: new Date(now.getTime() + spec.timeoutSeconds * 1000).toISOString() } : {}),
      ...(spec.idleTimeoutSeconds ? { [LABEL.idleTimeout]: String(spec.idleTimeoutSeconds) } : {}),
    }).catch(() => false as const);
    if (!claim) {
      this.readyExecs.drop(member.Id);
      return null; // another client won it
    }
    if (!useReady) this.readyExecs.drop(member.Id);
    if (spec.timeoutSeconds || spec.idleTimeoutSeconds) this.context.ensureReaper();
    try {
      // The rename and the policy in parallel: the sandbox is handed out only once both are done.
      const results = await Promise.allSettled([
        docker.getContainer(member.Id).rename({ name: `sandboxes-${name}` }),
        this.readyPolicies.apply(guard.Id, facts.initialState, network!),
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      // Fail closed: this member is never handed out; its policy may be half-way, so it is removed.
      this.readyExecs.drop(member.Id);
      this.readyPolicies.drop(guard.Id);
      await this.remove([member.Id, guard.Id, claim.id]);
      void this.refill(key);
      if (dockerStatus(error) === 409 && !(error instanceof SandboxError)) throw nameInUse(name, error);
      this.context.logger?.warn(`Pooled sandbox ${id} could not be claimed (${error instanceof Error ? error.message : String(error)}); trying the next one`);
      return null;
    }
    this.context.logger?.info(`Claimed pooled sandbox ${id} as ${name}, network ${facts.networkMode}`);
    const pool = this.pools.get(key);
    if (pool) pool.lastUsed = Date.now();
    this.readyExecs.arm(member.Id);
    void this.refill(key);
    return { id, containerId: member.Id, name };
  }

  /** Stops refilling and removes this client's unclaimed members; resolves once they are gone. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const filling = [...this.pools.values()].map((p) => p.filling);
    this.pools.clear();
    await Promise.all(filling.map((f) => f?.catch(() => undefined)));
    await this.retire(undefined);
    this.readyExecs.dispose();
    this.readyPolicies.dispose();
  }

  private refill(key: string): Promise<void> {
    const pool = this.pools.get(key);
    return pool ? this.fill(pool).catch(() => undefined) : Promise.resolve();
  }

  private async maintain(): Promise<void> {
    // Ready execs of members another client claimed, or that are gone, are closed; claims of our
    // members by any client count as the pool being used.
    const claims = await this.members(undefined).then(
      (m) => m.lastClaims,
      () => new Map<string, number>(),
    );
    const now = Date.now();
    for (const pool of [...this.pools.values()]) {
      pool.lastUsed = Math.max(pool.lastUsed, claims.get(pool.key) ?? 0);
      if (!pool.filling && idleExpired(pool.lastUsed, pool.idleMs, now)) {
        void this.expire(pool);
        continue;
      }
      void this.fill(pool).catch((error: unknown) => this.context.logger?.debug(`Warm pool: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** Ends a pool nobody claimed from for its idle time: it shrinks to 0 (its members are removed). */
  private async expire(pool: Pool): Promise<void> {
    if (this.pools.get(pool.key) !== pool) return;
    this.pools.delete(pool.key);
    this.context.logger?.info(`Warm pool for ${pool.prepared.spec.image}: not claimed from for ${Math.round(pool.idleMs / 1000)} s, so its sandboxes are removed`);
    await pool.filling?.catch(() => undefined);
    await this.retire(pool.key).catch(() => undefined);
  }

  /** Removes the ready members over the pool's size (a `warm()` with a smaller size). */
  private async shrink(pool: Pool): Promise<void> {
    const { ready } = await this.members(pool.key);
    if (ready.length > pool.size) await retireMembers(this.context.docker, this.context.guardImage, this.owner, pool.key, pool.size);
  }

  /** Starts members one at a time until `size` are ready; removes members that died (killed from outside). */
  private fill(pool: Pool): Promise<void> {
    pool.filling ??= (async () => {
      // Bounded: a pool whose members keep dying does not start sandboxes for ever.
      for (let attempt = 0; attempt < pool.size * 2 + 2; attempt++) {
        if (this.closed || this.pools.get(pool.key) !== pool) return;
        const { ready, broken } = await this.members(pool.key);
        if (broken.length) await this.remove(broken);
        if (ready.length >= pool.size) return;
        await this.startMember(pool);
      }
    })().finally(() => (pool.filling = undefined));
    return pool.filling;
  }

  /**
   * This client's unclaimed members of a pool (every pool when `key` is undefined): the ready
   * ones, and the containers of those that are not running (to be removed).
   */
  private async members(key: string | undefined): Promise<{ ready: Docker.ContainerInfo[]; broken: string[]; lastClaims: Map<string, number> }> {
    const all = await this.context.docker.listContainers({
      all: true,
      filters: { label: [MANAGED_FILTER, `${LABEL.poolOwner}=${this.owner}`, ...(key ? [`${LABEL.poolKey}=${key}`] : [])] },
    });
    const { ready, readyGuards, broken } = groupMembers(all, this.starting);
    if (!key) {
      this.readyExecs.keepOnly(new Set([...ready.map((c) => c.Id), ...this.claiming]));
      this.readyPolicies.keepOnly(new Set([...readyGuards, ...this.claiming]));
    }
    return { ready, broken, lastClaims: lastClaims(all) };
  }
  private readonly starting = new Set<string>();

  /** Starts one member: a guard with the blocked policy verified, then the sandbox in its namespace. */
  private async startMember(pool: Pool): Promise<void> {
    const { runtime, runtimes, network } = pool.prepared;
    // Copy mounts are not part of the container (specs with them take the cold path: client.ts).
    const spec = { ...pool.prepared.spec, mounts: withoutCopies(pool.prepared.spec.mounts) };
    if (!network) return;
    const id = newSandboxId();
    const poolLabels = { [LABEL.pool]: 'true', [LABEL.poolKey]: pool.key, [LABEL.poolOwner]: this.owner };
    const { labels, guardLabels } = sandboxLabels({ id, name: id, createdAt: new Date(), runtime, networkMode: 'blocked', spec: poolSpecOf(spec) });
    // A claim supplies these (claims.ts); the pooled sandbox itself has none.
    for (const label of [LABEL.name, LABEL.expiresAt, LABEL.idleTimeout, LABEL.networkMode]) delete labels[label];
    this.starting.add(id);
    beginCreate(id);
    try {
      const made = await makePoolMember(this.context, {
        id,
        spec,
        runtime,
        runtimes,
        network,
        labels: { ...labels, ...poolLabels },
        guardLabels: { ...guardLabels, ...poolLabels },
      });
      this.readyExecs.prepare(made.containerId);
      this.readyPolicies.prepare(made.guardId);
      this.context.logger?.debug(`Warm pool: started ${id} for ${spec.image}`);
    } finally {
      endCreate(id);
      this.starting.delete(id);
    }
  }

  /** Removes this client's unclaimed members (of one pool, or all): poolMember.ts `retireMembers`. */
  private retire(key: string | undefined): Promise<void> {
    return retireMembers(this.context.docker, this.context.guardImage, this.owner, key);
  }

  private remove(ids: string[]): Promise<void> {
    return removeContainers(this.context.docker, ids);
  }
}
