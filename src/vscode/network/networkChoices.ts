/**
 * The choices of "Set Network Policy…" (command id `sandboxes.toggleNetwork`, its name before) and
 * the policy each one applies. Pure, so it is unit-tested; commands/toggleNetwork.ts shows them,
 * asks for the networks when the allowlist setting is empty, and calls the engine.
 */
import type { NetworkMode, NetworkState } from '../../core/types';
import { NETWORK_MODES, NETWORK_MODE_ORDER } from '../../shared/networkModes';
import { UserFacingError } from '../errors';
import { SettingKeys } from '../../shared/settingKeys';
import { checkAllowlistEntry, type CidrParser } from '../../shared/cidrPattern';
import { MODE_SUMMARY, describePolicy } from './networkFormat';
import { modeOfSettings, samePolicy, type NetworkSettings } from './networkSettings';

/** `settings`: follow the workspace settings, and keep following them when they change. */
export type NetworkChoice = NetworkMode | 'settings';

export const NETWORK_CHOICES: readonly NetworkChoice[] = [...NETWORK_MODE_ORDER, 'settings'];

export interface NetworkChange {
  policy: NetworkSettings;
  /** Whether later changes of the workspace settings are applied to the sandbox. */
  followsDefaults: boolean;
}

/** The workspace's network settings, or why they cannot be used. */
export type SettingsOrError = NetworkSettings | UserFacingError;

/**
 * `typed`: the networks the user typed for this sandbox (the allowlist setting is empty, see
 * `asksForAllowlist`); they make the sandbox's own allowlist.
 */
export function changeForChoice(choice: NetworkChoice, settings: SettingsOrError, typed?: readonly string[]): NetworkChange {
  if (choice === 'allowlist' && typed && typed.length > 0) {
    return { policy: { blockNetwork: false, cidrAllowlist: [...typed] }, followsDefaults: false };
  }
  switch (choice) {
    case 'open':
      return { policy: { blockNetwork: false, cidrAllowlist: [] }, followsDefaults: false };
    case 'blocked':
      return { policy: { blockNetwork: true, cidrAllowlist: [] }, followsDefaults: false };
    case 'allowlist':
      if (settings instanceof UserFacingError) throw settings;
      if (settings.cidrAllowlist.length === 0 && (settings.domainAllowlist ?? []).length === 0) {
        throw new UserFacingError(
          `The allowlist setting "${SettingKeys.cidrAllowlist}" is empty (and so is "${SettingKeys.domainAllowlist}"), so there is nothing to allow.`,
          'Add the networks (e.g. 10.0.0.0/8) or host names (e.g. example.org, *.example.com) the sandbox may reach, or choose Blocked.',
          [SettingKeys.cidrAllowlist, SettingKeys.domainAllowlist],
        );
      }
      return {
        policy: { blockNetwork: false, cidrAllowlist: settings.cidrAllowlist, ...(settings.domainAllowlist?.length ? { domainAllowlist: settings.domainAllowlist } : {}) },
        followsDefaults: false,
      };
    case 'settings':
      if (settings instanceof UserFacingError) throw settings;
      return { policy: settings, followsDefaults: true };
  }
}

/**
 * A sandbox whose policy cannot be enforced (gVisor netstack, or no guard) can only be open.
 * Refused here: the engine would stop the sandbox rather than leave it with a network it was not
 * meant to have, which is the wrong outcome of a menu choice.
 */
export function refuseUnenforceable(state: NetworkState, change: NetworkChange, sandboxName: string): void {
  const mode = modeOfSettings(change.policy);
  if (!state.enforced && mode !== 'open') {
    throw new UserFacingError(
      `Sandbox "${sandboxName}" cannot have a ${mode} network: network policies cannot be enforced for it (its runtime uses gVisor's own network stack, or it has no network guard), so it can only be open.`,
      'Create a new sandbox with a runtime registered with --network=host (scripts/setup-host.sh registers runsc that way) and change its network then.',
    );
  }
}

/** Whether choosing this asks for the networks: the allowlist setting is valid but empty, so there is no list to apply. */
export function asksForAllowlist(choice: NetworkChoice, settings: SettingsOrError): boolean {
  return choice === 'allowlist' && !(settings instanceof UserFacingError) && settings.cidrAllowlist.length === 0 && (settings.domainAllowlist ?? []).length === 0;
}

/**
 * Networks typed in one line ("10.0.0.0/8, 192.0.2.7"), checked entry by entry as the Create form
 * and the settings check them (`checkAllowlistEntry`): the normalised list, or the first problem
 * (with the engine's "did you mean …?" when it has one).
 */
export function parseTypedAllowlist(text: string, parseCidr: CidrParser): { cidrs: string[] } | string {
  const cidrs: string[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    const checked = checkAllowlistEntry(entry, parseCidr);
    if (typeof checked === 'string') return checked;
    if (!cidrs.includes(checked.cidr)) cidrs.push(checked.cidr);
  }
  return cidrs.length > 0 ? { cidrs } : 'Type at least one network, e.g. 10.0.0.0/8 or 192.0.2.7, separated by commas.';
}

export function currentChoice(state: NetworkState): NetworkChoice {
  return state.followsDefaults ? 'settings' : state.mode;
}

export interface ChoiceItem {
  choice: NetworkChoice;
  label: string;
  description: string;
  detail?: string;
  current: boolean;
}

/** The QuickPick rows, the current one marked. */
export function choiceItems(state: NetworkState, settings: SettingsOrError): ChoiceItem[] {
  const current = currentChoice(state);
  const invalid = settings instanceof UserFacingError;
  const mark = (choice: NetworkChoice, text: string) => (choice === current ? `current · ${text}` : text);
  const notEnforceable = (mode: NetworkMode | undefined) =>
    !state.enforced && mode !== undefined && mode !== 'open' ? 'Not possible for this sandbox: its network policy cannot be enforced.' : undefined;

  let allowlistText: string;
  let allowlistNow: string;
  const names = settings instanceof UserFacingError ? [] : (settings.domainAllowlist ?? []);
  if (invalid) {
    // Disabled, with the reason: choosing it shows the same error with its fix.
    allowlistText = `${SettingKeys.cidrAllowlist} is invalid`;
    allowlistNow = `Not available: ${settings.message}`;
  } else if (settings.cidrAllowlist.length === 0 && names.length === 0) {
    allowlistText = `type the networks (${SettingKeys.cidrAllowlist} is empty)`;
    allowlistNow = `${current === 'allowlist' ? `Now: ${[...state.cidrAllowlist, ...(state.domainAllowlist ?? [])].join(', ')}. ` : ''}Asks for the networks this sandbox may reach, checked as you type (e.g. 10.0.0.0/8).`;
  } else {
    allowlistText = `only ${[...settings.cidrAllowlist, ...names].join(', ')}`;
    allowlistNow =
      current === 'allowlist' && !samePolicy(state, { blockNetwork: false, cidrAllowlist: settings.cidrAllowlist, domainAllowlist: settings.domainAllowlist })
        ? `Now: ${[...state.cidrAllowlist, ...(state.domainAllowlist ?? [])].join(', ')}. Choosing it applies the list from the settings.`
        : `The networks in ${SettingKeys.cidrAllowlist}.`;
  }

  return [
    { choice: 'open', label: modeLabel('open'), description: mark('open', MODE_SUMMARY.open), current: current === 'open' },
    {
      choice: 'blocked',
      label: modeLabel('blocked'),
      description: mark('blocked', MODE_SUMMARY.blocked),
      detail: notEnforceable('blocked'),
      current: current === 'blocked',
    },
    {
      choice: 'allowlist',
      label: modeLabel('allowlist'),
      description: mark('allowlist', allowlistText),
      detail: notEnforceable('allowlist') ?? allowlistNow,
      current: current === 'allowlist',
    },
    {
      choice: 'settings',
      label: '$(settings-gear) Follow workspace settings',
      description: mark('settings', invalid ? 'the network settings are invalid' : `now ${describePolicy(settings)}`),
      detail: notEnforceable(invalid ? undefined : modeOfSettings(settings)) ?? 'Applied again, live, whenever the sandboxes.network settings change.',
      current: current === 'settings',
    },
  ];
}

/** "Sandbox "x": network is now blocked (loopback only)." */
export function describeOutcome(sandboxName: string, state: NetworkState): string {
  const policy = describePolicy(state);
  return state.followsDefaults ? `Sandbox "${sandboxName}" now follows the workspace network settings: ${policy}.` : `Sandbox "${sandboxName}": network is now ${policy}.`;
}

/** "$(globe) Open": the mode's icon and label, from the modes table. */
function modeLabel(mode: NetworkMode): string {
  return `$(${NETWORK_MODES[mode].icon}) ${NETWORK_MODES[mode].label}`;
}
