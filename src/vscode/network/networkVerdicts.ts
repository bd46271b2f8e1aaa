/**
 * Whether a workspace's network allowlists stay within what the user's own settings allow
 * (effectiveSettings.ts): a workspace may only narrow the CIDR list and the list of names.
 */
import type { CidrParser } from '../../shared/cidrPattern';
import { checkAllowlistEntry } from '../../shared/cidrPattern';
import { domainWithinList } from '../../shared/domainCover';
import { cidrWithinList } from './cidrRanges';

export type Verdict = { ok: true; value: unknown } | { ok: false; reason: string };

export const accept = (value: unknown): Verdict => ({ ok: true, value });
export const refuse = (reason: string): Verdict => ({ ok: false, reason });

export function judgeAllowlist(current: unknown, candidate: unknown, parseCidr: CidrParser): Verdict {
  const normalize = (list: unknown): string[] | undefined => {
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) return undefined;
    const out: string[] = [];
    for (const entry of list as unknown[]) {
      const checked = checkAllowlistEntry(entry, parseCidr);
      if (typeof checked === 'string') return undefined;
      out.push(checked.cidr);
    }
    return out;
  };
  const wanted = normalize(candidate);
  if (!wanted) return accept(candidate); // invalid: networkSettingsFrom names every bad entry
  const allowed = normalize(current);
  if (!allowed) return refuse('your own user setting is invalid; correct it first');
  if (allowed.length === 0) return accept(candidate); // open → any allowlist is narrower
  if (wanted.length === 0) {
    return refuse(`an empty list means an open network, and your user settings (or the default) allow only ${allowed.join(', ')}; workspace settings may only narrow it`);
  }
  const outside = wanted.filter((cidr) => !cidrWithinList(cidr, allowed));
  if (outside.length === 0) return accept(candidate);
  return refuse(
    `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside what your user settings allow (${allowed.join(', ')}); workspace settings may only narrow it`,
  );
}

export function judgeDomains(current: unknown, candidate: unknown, userCidrs: unknown): Verdict {
  const list = (v: unknown): string[] | undefined => (v === undefined || v === null ? [] : Array.isArray(v) && v.every((e) => typeof e === 'string') ? v : undefined);
  const wanted = list(candidate);
  if (!wanted) return accept(candidate); // invalid: networkSettingsFrom names it
  const allowed = list(current);
  if (!allowed) return refuse('your own user setting is invalid; correct it first');
  const cidrs = list(userCidrs) ?? [];
  if (wanted.length === 0) {
    if (allowed.length === 0 || cidrs.length > 0) return accept(candidate);
    return refuse(`an empty list with no CIDR list means an open network, and your user settings allow only ${allowed.join(', ')}; workspace settings may only narrow it`);
  }
  if (allowed.length === 0) {
    if (cidrs.length === 0) return accept(candidate); // open → any list of names is narrower
    return refuse(`names would add to the networks your user settings allow (${cidrs.map(String).join(', ')}); workspace settings may only narrow them`);
  }
  const outside = wanted.filter((entry) => !domainWithinList(entry, allowed));
  if (outside.length === 0) return accept(candidate);
  return refuse(
    `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the names your user settings allow (${allowed.join(', ')}); workspace settings may only narrow them`,
  );
}
