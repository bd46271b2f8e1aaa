/**
 * All sandbox state lives in Docker labels, not in memory: after an editor reload, from a second
 * window or from a script, the same sandboxes are found and usable.
 */
export const LABEL = {
  managed: 'sandboxes.managed',
  id: 'sandboxes.id',
  name: 'sandboxes.name',
  createdAt: 'sandboxes.created-at',
  expiresAt: 'sandboxes.expires-at',
  idleTimeout: 'sandboxes.idle-timeout',
  runtime: 'sandboxes.runtime',
  /** `sandbox`, `guard` (owns a sandbox's network namespace) or `network`. */
  role: 'sandboxes.role',
  /** A guard started ahead of time for the next sandbox (kept after it is claimed). */
  spare: 'sandboxes.spare',
  /**
   * `true` on a sandbox the engine makes for its own checks (Check Setup's trial): it is nobody's
   * sandbox, so listings and the Sandboxes view leave it out.
   */
  probe: 'sandboxes.probe',
  /** On a spare: the upstream resolvers it recorded, so only a client with the same ones claims it. */
  spareDns: 'sandboxes.spare-dns',
  /** `true` on a warm pool's sandbox and guard (pool/warmPool.ts); a pooled sandbox is nobody's until claimed. */
  pool: 'sandboxes.pool',
  /** Which specs a pooled sandbox serves (pool/poolKey.ts): only a create with the same key claims it. */
  poolKey: 'sandboxes.pool-key',
  /** The client that keeps the pool (`<creator>#<client>`): its pool members go when it closes or its process is gone. */
  poolOwner: 'sandboxes.pool-owner',
  networkMode: 'sandboxes.network-mode',
  /** The process that created the container (halfMade.ts): what is left of a create it never finished is removed. */
  creator: 'sandboxes.creator',
  spec: 'sandboxes.spec',
  tagPrefix: 'sandboxes.tag.',
  /** On snapshot images (not containers): `true`, and which sandbox and image it was made from. */
  snapshot: 'sandboxes.snapshot',
  snapshotSandboxId: 'sandboxes.snapshot.sandbox-id',
  snapshotSandboxName: 'sandboxes.snapshot.sandbox-name',
  snapshotOf: 'sandboxes.snapshot.image',
  snapshotCreatedAt: 'sandboxes.snapshot.created-at',
} as const;

export const MANAGED_FILTER = `${LABEL.managed}=true`;

export function tagLabels(tags: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) out[LABEL.tagPrefix + key] = value;
  return out;
}

export function tagsFromLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith(LABEL.tagPrefix)) out[key.slice(LABEL.tagPrefix.length)] = value;
  }
  return out;
}

export function tagFilters(tags: Record<string, string> | undefined): string[] {
  return Object.entries(tags ?? {}).map(([key, value]) => `${LABEL.tagPrefix}${key}=${value}`);
}

/**
 * The `$0` of the files API's exec started ahead (files/sandboxFiles.ts): Docker reports an
 * exec's argv, so the idle reaper can tell it from a command someone runs.
 */
export const FILES_SPARE_NAME = 'sandboxes-files-spare';
