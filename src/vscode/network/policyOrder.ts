/**
 * Network policies ordered by what they allow: blocked allows nothing, an allowlist its entries,
 * open everything. The live re-apply (networkDefaults.ts) applies a stricter policy at once but
 * holds back one that allows more when a sandbox could have written the settings itself, and
 * meanwhile gives the sandbox only what both policies allow. Pure.
 */
import { cidrWithinList, intersectAllowlists } from './cidrRanges';
import type { NetworkSettings } from './networkSettings';

/** Blocking wins over a list: a blocked policy is one thing whatever list it keeps. */
export function normalizePolicy(policy: NetworkSettings): NetworkSettings {
  return policy.blockNetwork ? { blockNetwork: true, cidrAllowlist: [] } : { blockNetwork: false, cidrAllowlist: [...new Set(policy.cidrAllowlist)] };
}

/** Whether `a` allows nothing that `b` does not (entries normalised, as the engine and the settings give them). */
export function atLeastAsStrict(a: NetworkSettings, b: NetworkSettings): boolean {
  const x = normalizePolicy(a);
  const y = normalizePolicy(b);
  if (x.blockNetwork) return true;
  if (y.blockNetwork) return false;
  if (y.cidrAllowlist.length === 0) return true; // b is open
  if (x.cidrAllowlist.length === 0) return false; // a is open, b is not
  return x.cidrAllowlist.every((cidr) => cidrWithinList(cidr, y.cidrAllowlist));
}

/** The policy that allows exactly what both allow. Nothing in common is blocking (an empty allowlist would be open). */
export function strictestOf(a: NetworkSettings, b: NetworkSettings): NetworkSettings {
  const x = normalizePolicy(a);
  const y = normalizePolicy(b);
  if (x.blockNetwork || y.blockNetwork) return { blockNetwork: true, cidrAllowlist: [] };
  if (x.cidrAllowlist.length === 0) return y;
  if (y.cidrAllowlist.length === 0) return x;
  const both = intersectAllowlists(x.cidrAllowlist, y.cidrAllowlist);
  return both.length > 0 ? { blockNetwork: false, cidrAllowlist: both } : { blockNetwork: true, cidrAllowlist: [] };
}

/**
 * What a sandbox that follows the settings gets when they change from `current` to `proposed`: a
 * policy no wider than the current one at once; a wider one at once only when no sandbox could
 * have written the settings (`writable` false), else only what both allow, `held` for the user's
 * answer.
 */
export function planReapply(current: NetworkSettings, proposed: NetworkSettings, writable: boolean): { target: NetworkSettings; held: boolean } {
  if (atLeastAsStrict(proposed, current) || !writable) return { target: proposed, held: false };
  return { target: strictestOf(current, proposed), held: true };
}

/** A stable key of what a policy allows, to remember which one the user was asked about. */
export function policyKey(policy: NetworkSettings): string {
  const p = normalizePolicy(policy);
  return p.blockNetwork ? 'blocked' : JSON.stringify([...p.cidrAllowlist].sort());
}
