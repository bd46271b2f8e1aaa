/**
 * Pool members whose pool is gone: the client that kept them exited without closing (a crash,
 * SIGKILL, a closed editor). Any client's listing and the reaper remove them, from the listing
 * they already made; a member whose owner cannot be checked (another machine) is left to its owner.
 */
import type Docker from 'dockerode';
import { creatorStatus } from '../halfMade';
import { LABEL } from '../labels';
import { poolMembersNobodyHolds } from './claims';

/**
 * The sandbox ids of pool members whose owning process is gone (pure): unclaimed ones, and ones it
 * was retiring when it died (their claim record goes with them).
 */
export function orphanedPoolMembers(containers: readonly Docker.ContainerInfo[], status = creatorStatus): string[] {
  return poolMembersNobodyHolds(containers)
    .filter((c) => status((c.Labels[LABEL.poolOwner] ?? '').split('#')[0]) === 'gone')
    .map((c) => c.Labels[LABEL.id]);
}

const removing = new Set<string>();

/** Removes orphaned pool members (sandbox, then guard); returns how many. */
export async function removeOrphanedPoolMembers(docker: Docker, containers: readonly Docker.ContainerInfo[]): Promise<number> {
  let removed = 0;
  for (const id of orphanedPoolMembers(containers)) {
    if (removing.has(id)) continue;
    removing.add(id);
    try {
      const group = containers.filter((c) => c.Labels?.[LABEL.id] === id);
      for (const c of [...group.filter((c) => c.Labels[LABEL.role] !== 'guard'), ...group.filter((c) => c.Labels[LABEL.role] === 'guard')]) {
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
      }
      removed++;
    } finally {
      removing.delete(id);
    }
  }
  return removed;
}

/** Whether a listing holds pool members (the reaper keeps watching while there are). */
export function hasPoolMembers(containers: readonly Docker.ContainerInfo[]): boolean {
  return containers.some((c) => c.Labels?.[LABEL.pool] === 'true');
}
