import type Docker from 'dockerode';
import { LABEL } from './labels';
import { SPARE_MAX_IDLE_MS, isUnclaimedSpare } from './spareGuards';
import { GATEWAY_OF } from './network/gateway';

/** A gateway is made before its sandbox's containers: one younger than this is never an orphan. */
const GATEWAY_GRACE_MS = 60_000;
const GATEWAY_SWEEP_MS = 30_000;

/** Cleans up after guards whose sandbox ended or vanished; the client runs it on each listing. */
export class GuardCleanup {
  private volumesPrunedAt = 0;
  /** When this client first saw a claimed spare guard without its sandbox. */
  private readonly orphanSince = new Map<string, number>();

  private gatewaysSweptAt = 0;

  constructor(private readonly docker: Docker) {}

  /**
   * Egress gateways (domain allowlists) are not managed containers, so listings never see them:
   * now and then, stop the gateway of an ended sandbox and remove one whose sandbox is gone.
   */
  collectGateways(sandboxes: Docker.ContainerInfo[]): void {
    const now = Date.now();
    if (now - this.gatewaysSweptAt < GATEWAY_SWEEP_MS) return;
    this.gatewaysSweptAt = now;
    const byId = new Map(sandboxes.map((c) => [c.Labels?.[LABEL.id], c]));
    void this.docker
      .listContainers({ all: true, filters: { label: [GATEWAY_OF] } })
      .then((gateways) => {
        for (const gateway of gateways) {
          const sandbox = byId.get(gateway.Labels?.[GATEWAY_OF]);
          const container = this.docker.getContainer(gateway.Id);
          if (!sandbox) {
            if (now - gateway.Created * 1000 > GATEWAY_GRACE_MS) void container.remove({ force: true, v: true }).catch(() => undefined);
          } else if ((sandbox.State === 'exited' || sandbox.State === 'dead') && gateway.State === 'running') {
            void container.kill().catch(() => undefined);
          }
        }
      })
      .catch(() => undefined);
  }

  /**
   * Guards outlive their sandbox when it was removed behind our back or ended by itself: stop a
   * guard whose sandbox has ended, remove one whose sandbox is gone. In the background: listing
   * must stay fast.
   */
  collect(guards: Docker.ContainerInfo[], sandboxes: Docker.ContainerInfo[]): void {
    const now = Date.now();
    // A guard removed without `-v` (by hand, by an older version) leaves its small state volume:
    // prune those now and then (Docker never prunes a volume a container still refers to).
    if (now - this.volumesPrunedAt > SPARE_MAX_IDLE_MS) {
      this.volumesPrunedAt = now;
      void this.docker.pruneVolumes({ filters: { label: [`${LABEL.role}=guard-state`] } }).catch(() => undefined);
    }
    if (guards.length === 0) return;
    const byId = new Map(sandboxes.map((c) => [c.Labels?.[LABEL.id], c]));
    for (const guard of guards) {
      if (guard.Labels?.[LABEL.role] !== 'guard') continue;
      const container = this.docker.getContainer(guard.Id);
      if (isUnclaimedSpare(guard)) {
        if (now - guard.Created * 1000 > SPARE_MAX_IDLE_MS) void container.remove({ force: true, v: true }).catch(() => undefined);
        continue;
      }
      const sandbox = byId.get(guard.Labels[LABEL.id]);
      if (!sandbox && (guard.State === 'exited' || guard.State === 'dead')) {
        // An ended guard serves no sandbox that is still being made (its network namespace is the
        // guard's): e.g. the spare a window claimed before it was killed, which then timed out.
        this.orphanSince.delete(guard.Id);
        void container.remove({ force: true, v: true }).catch(() => undefined);
        continue;
      }
      if (!sandbox) {
        // A claimed spare is old by Created while its sandbox is being made: count from when this
        // client first saw it without one. A guard made inline is as young as its sandbox.
        const since = guard.Labels[LABEL.spare] === 'true' ? (this.orphanSince.get(guard.Id) ?? now) : guard.Created * 1000;
        this.orphanSince.set(guard.Id, since);
        if (now - since > 60_000) void container.remove({ force: true, v: true }).catch(() => undefined);
        continue;
      }
      this.orphanSince.delete(guard.Id);
      // Only an ended sandbox: one still `created` is waiting for this guard to verify its policy.
      if ((sandbox.State === 'exited' || sandbox.State === 'dead') && guard.State === 'running') void container.kill().catch(() => undefined);
    }
  }
}
