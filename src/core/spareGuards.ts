import type Docker from 'dockerode';
import { newSandboxId } from './ids';
import { LABEL, MANAGED_FILTER, tagFilters, tagLabels, tagsFromLabels } from './labels';
import { applyPolicy, createGuard, type NetworkInfo, type PolicyState } from './network/guard';
import type { Logger } from './types';

const SPARE_PREFIX = 'sandboxes-spare-';
/** A spare nobody claimed within this time is removed (by listings: see guardCleanup.ts). */
export const SPARE_MAX_IDLE_MS = 10 * 60_000;

/** A spare guard keeps its `sandboxes-spare-…` name until a create claims and renames it. */
export function isUnclaimedSpare(c: Docker.ContainerInfo): boolean {
  return c.Labels?.[LABEL.spare] === 'true' && (c.Names ?? []).some((n) => n.startsWith(`/${SPARE_PREFIX}`));
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Spare guards: a guard's start is most of a sandbox's creation time, so after a create one
 * closed (deny-all) guard is started for the next sandbox with the same tags, and the next create
 * claims it atomically. This client's unclaimed spares are removed when it closes.
 */
export class SpareGuards {
  private readonly own = new Set<string>();

  constructor(
    private readonly docker: Docker,
    private readonly guardImage: string,
    /** Upstream resolvers a new guard records; a spare is claimed only if it recorded the same. */
    private readonly resolvers: () => string[],
    private readonly logger: Logger | undefined,
  ) {}

  /** Takes a running spare guard made for exactly these tags, or returns null (then the caller makes one). */
  async claim(tags: Record<string, string> | undefined, state: PolicyState, network: NetworkInfo): Promise<{ id: string; container: Docker.Container } | null> {
    const wanted = tags ?? {};
    let candidates: Docker.ContainerInfo[];
    try {
      candidates = await this.docker.listContainers({ filters: { label: [MANAGED_FILTER, `${LABEL.spare}=true`, ...tagFilters(wanted)], status: ['running'] } });
    } catch {
      return null;
    }
    const spares = candidates
      .filter((c) => isUnclaimedSpare(c) && sameTags(tagsFromLabels(c.Labels ?? {}), wanted) && this.sameResolvers(c))
      .sort((a, b) => b.Created - a.Created);
    for (const spare of spares) {
      try {
        if (await applyPolicy(this.docker, spare.Id, state, network, { claim: true })) {
          this.own.delete(spare.Id);
          return { id: spare.Labels[LABEL.id], container: this.docker.getContainer(spare.Id) };
        }
      } catch (error) {
        // A broken spare is of no use to anyone: remove it and make the guard the slow way.
        this.logger?.warn(`Removing spare guard ${spare.Id.slice(0, 12)}: ${error instanceof Error ? error.message : String(error)}`);
        void this.docker
          .getContainer(spare.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
      }
    }
    return null;
  }

  /**
   * Starts one spare guard (closed, deny-all) for the next sandbox with these tags, in the
   * background: a guard's start is most of a sandbox's creation time. At most one per tag set;
   * spares idle for SPARE_MAX_IDLE are removed by listings, and dispose() removes this client's.
   */
  prepare(tags: Record<string, string> | undefined, network: NetworkInfo): void {
    if (this.preparing) return;
    this.preparing = (async () => {
      const wanted = tags ?? {};
      const existing = await this.docker.listContainers({ filters: { label: [MANAGED_FILTER, `${LABEL.spare}=true`, ...tagFilters(wanted)], status: ['running'] } });
      if (existing.some((c) => isUnclaimedSpare(c) && sameTags(tagsFromLabels(c.Labels ?? {}), wanted) && this.sameResolvers(c))) return;
      const id = newSandboxId();
      const labels = {
        [LABEL.managed]: 'true',
        [LABEL.id]: id,
        [LABEL.name]: id,
        [LABEL.spare]: 'true',
        [LABEL.spareDns]: this.resolvers().join(' '),
        [LABEL.createdAt]: new Date().toISOString(),
        ...tagLabels(wanted),
      };
      const guard = await createGuard(this.docker, {
        sandboxId: id,
        name: id,
        image: this.guardImage,
        network,
        labels,
        containerName: `${SPARE_PREFIX}${id}`,
        resolvers: this.resolvers(),
      });
      this.own.add(guard.container.id);
      await guard.start();
    })()
      .catch((error: unknown) => this.logger?.debug(`No spare guard prepared: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (this.preparing = undefined));
  }
  private preparing: Promise<void> | undefined;

  /** A spare recorded its resolvers when it started: claim only one that recorded ours. */
  private sameResolvers(spare: Docker.ContainerInfo): boolean {
    return (spare.Labels?.[LABEL.spareDns] ?? '') === this.resolvers().join(' ');
  }

  /** Removes this client's unclaimed spares, once the one being started (if any) is up. */
  async close(): Promise<void> {
    await this.preparing;
    await Promise.all(
      [...this.own].map((id) =>
        this.docker
          .getContainer(id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
    this.own.clear();
  }

  /** Removes this client's unclaimed spares in the background. */
  dispose(): void {
    for (const id of this.own)
      void this.docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    this.own.clear();
  }
}
