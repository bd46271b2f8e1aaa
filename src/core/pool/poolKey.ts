/**
 * Which pooled sandbox may serve which create: everything a running container fixes for good
 * (image, runtime, command, limits, environment, working directory, bind mounts, tags, the
 * upstream resolvers its guard recorded). What a claim sets (name, lifetimes, network policy,
 * ports: claims.ts) is left out, and so are copy-mode mounts: they are copied in at claim
 * by the cold path (client.ts): Review Sandbox Changes needs the baseline recorded while the copy is sent.
 */
import { createHash } from 'node:crypto';
import type { SandboxSpec } from '../types';

/** The spec fields a pooled sandbox is made from; the rest is applied at claim. */
export type PoolSpec = Omit<
  SandboxSpec,
  'name' | 'timeoutSeconds' | 'idleTimeoutSeconds' | 'blockNetwork' | 'cidrAllowlist' | 'followsNetworkDefaults' | 'encryptedPorts' | 'unencryptedPorts' | 'h2Ports'
>;

/** The part of a spec a pooled sandbox is made from (no name, no policy, no ports). */
export function poolSpecOf(spec: SandboxSpec): PoolSpec {
  const {
    name: _n,
    timeoutSeconds: _t,
    idleTimeoutSeconds: _i,
    blockNetwork: _b,
    cidrAllowlist: _c,
    followsNetworkDefaults: _f,
    encryptedPorts: _e,
    unencryptedPorts: _u,
    h2Ports: _h,
    ...rest
  } = spec;
  return rest;
}

/**
 * A short stable key for a spec with its defaults applied (withResourceDefaults), or null when no
 * pool can serve it (a copy-mode mount). Object keys are sorted, so `{a, b}` and `{b, a}` agree.
 */
export function poolKey(spec: SandboxSpec, runtime: string, resolvers: readonly string[]): string | null {
  // Copy mounts are not part of the container (client.ts sends copy-mode specs down the cold path).
  const fixed = { ...poolSpecOf(spec), runtime, mounts: withoutCopies(spec.mounts) ?? [], resolvers: [...resolvers] };
  return createHash('sha256').update(canonical(fixed)).digest('hex').slice(0, 24);
}

/** The mounts a container is created with: `copy` mounts are files put in, not mounts. */
export function withoutCopies<T extends { mode: string }>(mounts: T[] | undefined): T[] | undefined {
  const kept = mounts?.filter((m) => m.mode !== 'copy');
  return kept?.length ? kept : undefined;
}

/** JSON with sorted object keys and no undefined fields. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
