/**
 * Network policies ordered by what they allow: blocked allows nothing, an allowlist its entries,
 * open everything. The live re-apply (networkDefaults.ts) applies a stricter policy at once but
 * holds back one that allows more when a sandbox could have written the settings itself, and
 * meanwhile gives the sandbox only what both policies allow. Pure.
 */
import { cidrWithinList, intersectAllowlists } from './cidrRanges';
import { domainWithinList, intersectDomainLists } from '../../shared/domainCover';
import type { NetworkSettings } from './networkSettings';

/** Blocking wins over a list: a blocked policy is one thing whatever list it keeps. */
export function normalizePolicy(policy: NetworkSettings): NetworkSettings {
  if (policy.blockNetwork) return { blockNetwork: true, cidrAllowlist: [] };
  const domains = [...new Set(policy.domainAllowlist ?? [])];
  return { blockNetwork: false, cidrAllowlist: [...new Set(policy.cidrAllowlist)], ...(domains.length ? { domainAllowlist: domains } : {}) };
}

/** Open: neither list limits anything. */
function isOpen(p: NetworkSettings): boolean {
  return p.cidrAllowlist.length === 0 && (p.domainAllowlist ?? []).length === 0;
}

/** Whether `a` allows nothing that `b` does not (entries normalised, as the engine and the settings give them). */
export function atLeastAsStrict(a: NetworkSettings, b: NetworkSettings): boolean {
  const x = normalizePolicy(a);
  const y = normalizePolicy(b);
  if (x.blockNetwork) return true;
  if (y.blockNetwork) return false;
  if (isOpen(y)) return true; // b is open
  if (isOpen(x)) return false; // a is open, b is not
  // Names and networks add up (the gateway's names besides the CIDR list): each within b's own kind.
  return x.cidrAllowlist.every((cidr) => cidrWithinList(cidr, y.cidrAllowlist)) && (x.domainAllowlist ?? []).every((d) => domainWithinList(d, y.domainAllowlist ?? []));
}

/** The policy that allows exactly what both allow. Nothing in common is blocking (an empty allowlist would be open). */
export function strictestOf(a: NetworkSettings, b: NetworkSettings): NetworkSettings {
  const x = normalizePolicy(a);
  const y = normalizePolicy(b);
  if (x.blockNetwork || y.blockNetwork) return { blockNetwork: true, cidrAllowlist: [] };
  if (isOpen(x)) return y;
  if (isOpen(y)) return x;
  const both = intersectAllowlists(x.cidrAllowlist, y.cidrAllowlist);
  const names = intersectDomainLists(x.domainAllowlist ?? [], y.domainAllowlist ?? []);
  if (both.length === 0 && names.length === 0) return { blockNetwork: true, cidrAllowlist: [] };
  return { blockNetwork: false, cidrAllowlist: both, ...(names.length ? { domainAllowlist: names } : {}) };
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
  if (p.blockNetwork) return 'blocked';
  const names = [...(p.domainAllowlist ?? [])].sort();
  return JSON.stringify(names.length ? [...[...p.cidrAllowlist].sort(), ...names] : [...p.cidrAllowlist].sort());
}
