import type Docker from 'dockerode';
import { isConnectionError, unreachable, type DockerEndpoint } from './docker';
import { SandboxError } from './errors';
import type { GuardCleanup } from './guardCleanup';
import { collectHalfMade } from './halfMade';
import { LABEL, MANAGED_FILTER, tagFilters } from './labels';
import { healReaper, type ReaperTarget } from './lifetime';
import { infoFromList } from './listing';
import { applyClaims, withClaimedSandboxes } from './pool/claims';
import { removeOrphanedPoolMembers } from './pool/poolOrphans';
import type { ListOptions, Logger, SandboxInfo } from './types';

/** Sandboxes, not their guards (sandboxes from before roles existed have no role label). */
export function isSandboxContainer(c: Docker.ContainerInfo): boolean {
  const role = c.Labels?.[LABEL.role];
  return role === undefined || role === 'sandbox';
}

/** A sandbox by its id (`sb-…`), its name, or its container id; NOT_FOUND naming the endpoint otherwise. */
export async function findSandbox(
  docker: Docker,
  endpoint: DockerEndpoint,
  idOrName: string,
  guard: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<Pick<SandboxInfo, 'id' | 'containerId' | 'name'>> {
  for (const label of [LABEL.id, LABEL.name]) {
    // Claimed pool members as created sandboxes, unclaimed ones not at all (pool/claims.ts).
    const found = (
      await guard(async () => withClaimedSandboxes(docker, await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER, `${label}=${idOrName}`] } })))
    ).filter(isSandboxContainer);
    if (found.length > 0) {
      return infoFromList(found[0]);
    }
  }
  try {
    const c = await docker.getContainer(idOrName).inspect();
    const labels = c.Config.Labels ?? {};
    if (
      labels[LABEL.managed] === 'true' &&
      labels[LABEL.role] !== 'guard' &&
      labels[LABEL.role] !== 'network' &&
      labels[LABEL.role] !== 'claim' &&
      labels[LABEL.pool] !== 'true'
    )
      return { id: labels[LABEL.id], containerId: c.Id, name: labels[LABEL.name] ?? labels[LABEL.id] };
  } catch (error) {
    if (isConnectionError(error)) throw unreachable(endpoint, error);
  }
  throw new SandboxError(
    'NOT_FOUND',
    `No sandbox "${idOrName}" on ${endpoint.description}: it ended and was removed, or it was never created here.`,
    'List the sandboxes (Sandboxes view, or client.list()) and use one that exists, or create a new one.',
  );
}

/** What listing needs of its client. */
export interface ListingContext {
  docker: Docker;
  /** Turns "no engine there" into DOCKER_UNREACHABLE (the client's guard). */
  guard: <T>(call: () => Promise<T>) => Promise<T>;
  guardCleanup: GuardCleanup;
  reaper: ReaperTarget;
  logger: Logger | undefined;
}

/**
 * The sandboxes on the endpoint with their state, from one Docker call, newest first; on the
 * way, orphaned guards, gateways and half-made creates are collected and a dead reaper restarted.
 */
export async function listSandboxes(ctx: ListingContext, options: ListOptions): Promise<SandboxInfo[]> {
  const containers = await ctx.guard(() => ctx.docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER, ...tagFilters(options.tags)] } }));
  const sandboxes = containers.filter(isSandboxContainer);
  ctx.guardCleanup.collect(
    containers.filter((c) => !isSandboxContainer(c)),
    sandboxes,
  );
  // Only from a full listing: a tag-filtered one would take other sandboxes' gateways for orphans.
  if (Object.keys(options.tags ?? {}).length === 0) ctx.guardCleanup.collectGateways(sandboxes);
  // What a create that never finished left (its process died, or its clean-up failed): in the background.
  void collectHalfMade(ctx.docker, containers, ctx.logger).catch(() => undefined);
  void removeOrphanedPoolMembers(ctx.docker, containers).catch(() => undefined);
  // Claimed pool members as created sandboxes, unclaimed ones not at all (pool/claims.ts).
  const infos = applyClaims(containers)
    .filter(isSandboxContainer)
    .filter((c) => options.all !== false || c.State === 'running')
    .filter((c) => options.includeProbes === true || c.Labels?.[LABEL.probe] !== 'true')
    .map(infoFromList)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  healReaper(infos, ctx.reaper, ctx.logger);
  return infos.map(({ idleTimeoutSeconds: _, ...info }) => info);
}
