/**
 * Claim records: what makes a pooled sandbox somebody's. Docker labels cannot change after a
 * container is created, so a pooled sandbox carries no name, lifetime or network-mode label; a
 * claim creates a small container that is never started, `sandboxes-claim-<sandbox id>`, whose
 * labels carry them. Docker refuses a second container of the same name (409), so of two clients
 * claiming one pooled sandbox exactly one wins. Any client and the reaper read claim records from
 * the same `docker ps -a` they already make (no extra call): `applyClaims` merges a claim's labels
 * into its sandbox's and drops pooled sandboxes nobody claimed, so lists, `fromId`, the tree and
 * the reaper see a claimed sandbox exactly like a created one, and never a pooled one.
 */
import type Docker from 'dockerode';
import { LABEL, MANAGED_FILTER } from '../labels';

export const CLAIM_ROLE = 'claim';
/** The `sandboxes.pool` label of a claim a pool takes on its own member to remove it. */
export const RETIRING = 'retiring';
const CLAIM_PREFIX = 'sandboxes-claim-';

export function claimName(sandboxId: string): string {
  return `${CLAIM_PREFIX}${sandboxId}`;
}

/** The labels a claim adds to its pooled sandbox's (the rest the sandbox already carries). */
const CLAIMED_LABELS = [LABEL.name, LABEL.createdAt, LABEL.expiresAt, LABEL.idleTimeout, LABEL.networkMode, LABEL.creator] as const;

export function isClaimRecord(c: Pick<Docker.ContainerInfo, 'Labels'>): boolean {
  return c.Labels?.[LABEL.role] === CLAIM_ROLE;
}

function isPooledSandbox(c: Pick<Docker.ContainerInfo, 'Labels'>): boolean {
  const role = c.Labels?.[LABEL.role];
  return c.Labels?.[LABEL.pool] === 'true' && (role === undefined || role === 'sandbox');
}

/**
 * `containers` as listings should see them: a pooled sandbox with a claim record in the same
 * listing gets the claim's labels; one without is left out (it is nobody's yet). Everything
 * else, claim records included, is passed through unchanged.
 */
export function applyClaims(containers: readonly Docker.ContainerInfo[]): Docker.ContainerInfo[] {
  const claims = new Map<string, Docker.ContainerInfo>();
  for (const c of containers) if (isClaimRecord(c) && c.Labels[LABEL.id]) claims.set(c.Labels[LABEL.id], c);
  const out: Docker.ContainerInfo[] = [];
  for (const c of containers) {
    if (!isPooledSandbox(c)) {
      out.push(c);
      continue;
    }
    const claim = claims.get(c.Labels[LABEL.id]);
    // Nobody's yet, or being removed by its pool (warmPool.ts, retire).
    if (!claim || claim.Labels[LABEL.pool] === RETIRING) continue;
    out.push({ ...c, Labels: { ...c.Labels, ...claimedLabels(claim.Labels) } });
  }
  return out;
}

/**
 * Pooled sandboxes that are nobody's sandbox: unclaimed, or being retired by their pool. A pool
 * whose process dies while it retires a member leaves it so (its "retiring" claim made, the member
 * not yet removed); only a dead owner's are removed (poolOrphans.ts), never one still retiring.
 */
export function poolMembersNobodyHolds(containers: readonly Docker.ContainerInfo[]): Docker.ContainerInfo[] {
  const held = new Set(containers.filter((c) => isClaimRecord(c) && c.Labels[LABEL.pool] !== RETIRING).map((c) => c.Labels[LABEL.id]));
  return containers.filter((c) => isPooledSandbox(c) && !held.has(c.Labels[LABEL.id]));
}

/** Whether a pooled sandbox is claimed, judged from a listing that holds its claim record if any. */
export function unclaimedPoolMembers(containers: readonly Docker.ContainerInfo[]): Docker.ContainerInfo[] {
  const claimed = new Set(containers.filter(isClaimRecord).map((c) => c.Labels[LABEL.id]));
  return containers.filter((c) => isPooledSandbox(c) && !claimed.has(c.Labels[LABEL.id]));
}

function claimedLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of CLAIMED_LABELS) if (labels[key] !== undefined) out[key] = labels[key];
  return out;
}

/**
 * `applyClaims` for a listing filtered by label (fromId): a claim record found by name brings its
 * sandbox, which carries no name label, with one more look-up.
 */
export async function withClaimedSandboxes(docker: Docker, found: Docker.ContainerInfo[]): Promise<Docker.ContainerInfo[]> {
  const missing = found.filter((c) => isClaimRecord(c) && !found.some((s) => s !== c && s.Labels?.[LABEL.id] === c.Labels[LABEL.id]));
  const extra: Docker.ContainerInfo[] = [];
  for (const claim of missing) {
    extra.push(...(await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER, `${LABEL.id}=${claim.Labels[LABEL.id]}`] } })).filter((c) => c.Id !== claim.Id));
  }
  return applyClaims([...found, ...extra]);
}

/**
 * Creates the claim record; false when another client's claim exists already (it won). The record
 * is a container that never starts: it costs a name and a few labels, no process and no memory.
 */
export async function createClaim(docker: Docker, image: string, labels: Record<string, string>): Promise<Docker.Container | false> {
  try {
    return await docker.createContainer({
      name: claimName(labels[LABEL.id]),
      Image: image,
      Entrypoint: [''],
      Cmd: ['true'],
      Labels: { ...labels, [LABEL.role]: CLAIM_ROLE },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', Runtime: 'runc', ReadonlyRootfs: true },
    });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 409) return false;
    throw error;
  }
}

/** Removes a sandbox's claim record if it has one (a sandbox created cold has none). */
export async function removeClaimRecord(docker: Docker, sandboxId: string): Promise<void> {
  try {
    await docker.getContainer(claimName(sandboxId)).remove({ force: true, v: true });
  } catch {
    // None (404), or already being removed: nothing to do.
  }
}

/**
 * An inspect of a claimed pool member with its claim's labels (name, lifetimes, network mode), as
 * `applyClaims` gives listings: `sandbox.info()` then agrees with `list()`. One more look-up, for
 * pool members only.
 */
export async function withClaimLabels(docker: Docker, inspect: Docker.ContainerInspectInfo): Promise<Docker.ContainerInspectInfo> {
  const labels = inspect.Config.Labels ?? {};
  if (labels[LABEL.pool] !== 'true' || !labels[LABEL.id]) return inspect;
  const claim = await docker
    .getContainer(claimName(labels[LABEL.id]))
    .inspect()
    .catch(() => null);
  if (!claim || claim.Config.Labels?.[LABEL.role] !== CLAIM_ROLE) return inspect;
  return { ...inspect, Config: { ...inspect.Config, Labels: { ...labels, ...claimedLabels(claim.Config.Labels ?? {}) } } };
}
