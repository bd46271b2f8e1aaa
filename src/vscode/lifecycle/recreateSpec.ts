/**
 * The spec of a sandbox recreated after it died: the spec it was created with (its label), with
 * the network policy and forwarded ports it last had (they may have changed since creation), under
 * a name that is free. Pure, so it is unit-tested; commands/recreateSandbox.ts creates it.
 */
import type { NetworkState, SandboxSpec } from '../../core/types';
import { PORT_FIELDS, TUNNEL_KINDS } from '../../shared/tunnelKinds';

export type LastPolicy = Pick<NetworkState, 'blockNetwork' | 'cidrAllowlist' | 'followsDefaults' | 'forwards'>;

export function recreateSpec(spec: SandboxSpec, policy: LastPolicy | undefined, name: string): SandboxSpec {
  const out: SandboxSpec = { ...spec, name };
  if (!policy) return out;
  out.blockNetwork = policy.blockNetwork;
  out.cidrAllowlist = [...policy.cidrAllowlist];
  out.followsNetworkDefaults = policy.followsDefaults;
  for (const field of PORT_FIELDS) delete out[field];
  for (const { port, kind } of policy.forwards) {
    const field = TUNNEL_KINDS[kind].specField;
    out[field] = [...(out[field] ?? []), port];
  }
  return out;
}

/**
 * `name` when no sandbox has it (the old one was removed), else `name-2`, `name-3`, … (a trailing
 * number is part of the name: `build-2024` is not a copy of `build`).
 */
export function freeName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
