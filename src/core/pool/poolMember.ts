/**
 * A warm pool's members (warmPool.ts): starting one (a guard holding the blocked policy, then the
 * sandbox in its namespace) and sorting a listing into ready members and broken ones.
 */
import type Docker from 'dockerode';
import { LABEL, MANAGED_FILTER } from '../labels';
import { createGuard, type NetworkInfo, type PolicyState } from '../network/guard';
import { createSandboxContainer, startSandboxContainer, type ContainerContext, type RuntimeRegistrations } from '../sandboxContainer';
import type { SandboxSpec } from '../types';
import { RETIRING, createClaim, isClaimRecord, unclaimedPoolMembers } from './claims';
import { creatorLabel } from '../halfMade';

const BLOCKED: PolicyState = { blockNetwork: true, cidrAllowlist: [], followsDefaults: false, forwards: [] };

export interface MemberContext {
  docker: Docker;
  guardImage: string;
  resolvers(): string[];
  containerContext(): ContainerContext;
}

export interface MemberPlan {
  id: string;
  spec: SandboxSpec & Required<Pick<SandboxSpec, 'memoryMiB' | 'pidsLimit'>>;
  runtime: string;
  runtimes: RuntimeRegistrations;
  network: NetworkInfo;
  labels: Record<string, string>;
  guardLabels: Record<string, string>;
}

/** Creates and starts one member; on failure removes what it made and throws. */
export async function makePoolMember(context: MemberContext, plan: MemberPlan): Promise<{ containerId: string; guardId: string }> {
  const { docker, guardImage } = context;
  const { id, spec, runtime, runtimes, network } = plan;
  const created: Docker.Container[] = [];
  try {
    const guard = await createGuard(docker, {
      sandboxId: id,
      name: id,
      image: guardImage,
      network,
      labels: plan.guardLabels,
      initialState: BLOCKED,
      resolvers: context.resolvers(),
    });
    created.push(guard.container);
    await guard.start();
    const where = { name: `pool-${id}`, runtime, runtimes, networkMode: `container:${guard.container.id}`, guardId: guard.container.id };
    const container = await createSandboxContainer(context.containerContext(), spec, where, { ...plan.labels, [LABEL.role]: 'sandbox' });
    created.push(container);
    await startSandboxContainer(context.containerContext(), container, spec, runtime);
    return { containerId: container.id, guardId: guard.container.id };
  } catch (error) {
    for (const c of created.reverse()) await c.remove({ force: true, v: true }).catch(() => undefined);
    throw error;
  }
}

/** Unclaimed members whose sandbox and guard both run are ready; the containers of the others are broken. */
export function groupMembers(all: Docker.ContainerInfo[], starting: ReadonlySet<string>): { ready: Docker.ContainerInfo[]; readyGuards: Set<string>; broken: string[] } {
  const unclaimed = new Set(unclaimedPoolMembers(all).map((c) => c.Labels[LABEL.id]));
  const ready: Docker.ContainerInfo[] = [];
  const readyGuards = new Set<string>();
  const broken: string[] = [];
  for (const id of unclaimed) {
    if (starting.has(id)) continue;
    const group = all.filter((c) => c.Labels[LABEL.id] === id && !isClaimRecord(c));
    const sandbox = group.find((c) => c.Labels[LABEL.role] === 'sandbox');
    const guard = group.find((c) => c.Labels[LABEL.role] === 'guard');
    if (sandbox?.State === 'running' && guard?.State === 'running') {
      ready.push(sandbox);
      readyGuards.add(guard.Id);
    } else broken.push(...group.map((c) => c.Id));
  }
  return { ready, readyGuards, broken };
}

/**
 * Removes this client's unclaimed members (of one pool, or all; all but `keep` of them). Each is
 * claimed by this client first, so a create racing for it either got it before (and it is not
 * removed) or never does.
 */
export async function retireMembers(docker: Docker, guardImage: string, owner: string, key: string | undefined, keep = 0): Promise<void> {
  const all = await docker
    .listContainers({ all: true, filters: { label: [MANAGED_FILTER, `${LABEL.poolOwner}=${owner}`, ...(key ? [`${LABEL.poolKey}=${key}`] : [])] } })
    .catch(() => []);
  await Promise.all(
    unclaimedPoolMembers(all)
      .slice(keep)
      .map(async (member) => {
        const id = member.Labels[LABEL.id];
        const lock = await createClaim(docker, guardImage, {
          [LABEL.managed]: 'true',
          [LABEL.id]: id,
          [LABEL.pool]: RETIRING,
          [LABEL.poolOwner]: owner,
          [LABEL.creator]: creatorLabel(),
        }).catch(() => false as const);
        if (!lock) return;
        await removeContainers(docker, [...all.filter((c) => c.Labels[LABEL.id] === id && !isClaimRecord(c)).map((c) => c.Id), lock.id]);
      }),
  );
}

export async function removeContainers(docker: Docker, ids: string[]): Promise<void> {
  for (const id of ids) {
    await docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
}
