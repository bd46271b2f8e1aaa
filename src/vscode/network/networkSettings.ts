/**
 * The `sandboxes.network.*` settings → a validated, normalised network policy. Pure: the
 * configuration and the engine's CIDR parser are passed in, so tests need no VS Code.
 */
import type { NetworkMode, NetworkPolicyInput } from '../../core/types';
import { modeOf } from '../../shared/networkModes';
import { UserFacingError } from '../errors';
import { SettingKeys } from '../../shared/settingKeys';
import { checkAllowlistEntry, type CidrParser } from '../../shared/cidrPattern';

export type { CidrParser } from '../../shared/cidrPattern';

export type { SettingsReader } from '../../shared/settingsReader';
import type { SettingsReader } from '../../shared/settingsReader';

/** The workspace's network policy: entries normalised (`192.0.2.7` → `192.0.2.7/32`) and deduplicated. */
export interface NetworkSettings {
  blockNetwork: boolean;
  cidrAllowlist: string[];
  /** Host names through the egress gateway (`sandboxes.network.domainAllowlist`), normalised. */
  domainAllowlist?: string[];
}

/** The engine's domain entry parser (`parseDomainEntry`): the normalised entry, or what is wrong. */
export type DomainParser = (entry: string) => { entry: string } | string;

/**
 * Throws one `UserFacingError` naming every bad entry and the setting it is in: a policy is
 * applied whole or not at all, never from the valid part of a list.
 */
export function networkSettingsFrom(settings: SettingsReader, parseCidr: CidrParser, parseDomain?: DomainParser): NetworkSettings {
  const problems: string[] = [];
  const keys: string[] = [];

  const block = settings.get(SettingKeys.blockNetwork);
  if (block !== undefined && block !== null && typeof block !== 'boolean') {
    problems.push(`Setting "${SettingKeys.blockNetwork}" is ${describeValue(block)}, but it must be true or false.`);
    keys.push(SettingKeys.blockNetwork);
  }

  const cidrs: string[] = [];
  const list = settings.get(SettingKeys.cidrAllowlist);
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    problems.push(`Setting "${SettingKeys.cidrAllowlist}" is ${describeValue(list)}, but it must be a list such as ["10.0.0.0/8", "192.0.2.7"].`);
    keys.push(SettingKeys.cidrAllowlist);
  } else if (Array.isArray(list)) {
    const bad: string[] = [];
    for (const entry of list as unknown[]) {
      const parsed = checkAllowlistEntry(entry, parseCidr);
      if (typeof parsed === 'string') bad.push(parsed);
      else if (!cidrs.includes(parsed.cidr)) cidrs.push(parsed.cidr);
    }
    if (bad.length > 0) {
      const count = bad.length === 1 ? 'an invalid entry' : `${bad.length} invalid entries`;
      problems.push(`Setting "${SettingKeys.cidrAllowlist}" has ${count}: ${bad.join(' ')}`);
      keys.push(SettingKeys.cidrAllowlist);
    }
  }

  const domains: string[] = [];
  const names = settings.get(SettingKeys.domainAllowlist);
  if (names !== undefined && names !== null && !Array.isArray(names)) {
    problems.push(`Setting "${SettingKeys.domainAllowlist}" is ${describeValue(names)}, but it must be a list such as ["example.org", "*.example.com"].`);
    keys.push(SettingKeys.domainAllowlist);
  } else if (Array.isArray(names) && names.length > 0) {
    const bad: string[] = [];
    for (const entry of names as unknown[]) {
      // Without the engine's parser (never in the extension) nothing from this list is used.
      const parsed = typeof entry !== 'string' ? 'must be a string' : parseDomain ? parseDomain(entry) : 'cannot be checked';
      if (typeof parsed === 'string') bad.push(`${JSON.stringify(entry)} ${parsed}.`);
      else if (!domains.includes(parsed.entry)) domains.push(parsed.entry);
    }
    if (bad.length > 0) {
      problems.push(`Setting "${SettingKeys.domainAllowlist}" has ${bad.length === 1 ? 'an invalid entry' : `${bad.length} invalid entries`}: ${bad.join(' ')}`);
      keys.push(SettingKeys.domainAllowlist);
    }
  }

  if (problems.length > 0) {
    const fix =
      keys.includes(SettingKeys.domainAllowlist) && !keys.includes(SettingKeys.cidrAllowlist)
        ? 'Correct or remove the entries named, in Settings or settings.json: host names such as example.org, *.example.com for the names below a domain, or name:port for another TCP port.'
        : keys.includes(SettingKeys.cidrAllowlist)
          ? 'Correct or remove the entries named, in Settings or settings.json: IPv4 or IPv6 CIDRs such as 10.0.0.0/8 or fd00::/8, or single addresses such as 192.0.2.7.'
          : 'Correct it in Settings or settings.json; removing it restores the default.';
    throw new UserFacingError(problems.join(' '), fix, keys);
  }
  return { blockNetwork: block === true, cidrAllowlist: cidrs, ...(domains.length ? { domainAllowlist: domains } : {}) };
}

export function modeOfSettings(settings: NetworkPolicyInput): NetworkMode {
  return modeOf({ blockNetwork: settings.blockNetwork === true, cidrAllowlist: settings.cidrAllowlist, domainAllowlist: settings.domainAllowlist });
}

/** Whether two normalised policies enforce the same thing (the allowlist's order does not matter). */
export function samePolicy(a: NetworkSettings, b: NetworkSettings): boolean {
  const ours = new Set(a.cidrAllowlist);
  const theirs = new Set(b.cidrAllowlist);
  const ourNames = new Set(a.domainAllowlist ?? []);
  const theirNames = new Set(b.domainAllowlist ?? []);
  return (
    a.blockNetwork === b.blockNetwork &&
    ours.size === theirs.size &&
    [...ours].every((cidr) => theirs.has(cidr)) &&
    ourNames.size === theirNames.size &&
    [...ourNames].every((name) => theirNames.has(name))
  );
}

function describeValue(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}
