/** How network policies are described in pickers, messages and the setup report. Pure, so it is unit-tested. */
import type { NetworkMode, NetworkPolicyInput, NetworkState } from '../../core/types';
import { NETWORK_MODES, NETWORK_MODE_ORDER, runtimeSupports, type RuntimeNetworking } from '../../shared/networkModes';
import { asSentence } from '../errors';
import { modeOfSettings } from './networkSettings';

/** What each mode lets a sandbox do, as a short phrase. */
export const MODE_SUMMARY = Object.fromEntries(NETWORK_MODE_ORDER.map((mode) => [mode, NETWORK_MODES[mode].summary])) as Record<NetworkMode, string>;

/** "blocked (loopback only)", "allowlist: 192.0.2.0/24, 10.0.0.53/32", "open (outbound to public addresses only)". */
export function describePolicy(policy: NetworkPolicyInput): string {
  const mode = modeOfSettings(policy);
  return mode === 'allowlist' ? `allowlist: ${[...(policy.cidrAllowlist ?? []), ...(policy.domainAllowlist ?? [])].join(', ')}` : `${mode} (${MODE_SUMMARY[mode]})`;
}

/** A fact for a sandbox picker row: "network blocked · follows settings". */
export function describeNetworkState(state: NetworkState): string {
  let text = `network ${state.mode}`;
  if (state.mode === 'allowlist') {
    const [first, second, ...rest] = [...state.cidrAllowlist, ...(state.domainAllowlist ?? [])];
    text += ` (${[first, second].filter(Boolean).join(', ')}${rest.length ? ` +${rest.length}` : ''})`;
  }
  if (!state.enforced && state.mode !== 'blocked') {
    text += ', policies not enforceable';
  }
  return state.followsDefaults ? `${text} · follows settings` : text;
}

/** Whether and where this runtime's sandboxes can have a policy enforced, for the setup report. */
export function describeRuntimeNetworking(networking: RuntimeNetworking): string {
  switch (networking) {
    case 'kernel':
      return "Network policies are enforced: each sandbox's traffic is filtered in the network namespace of its guard container (kernel networking).";
    case 'netstack':
      return "Network policies are not enforced: this runtime uses gVisor's own network stack (netstack), which no filter in the sandbox's namespace sees, so only open networks run; blocked and allowlist sandboxes are refused.";
    case 'none':
      return 'Loopback only (registered with --network=none): every sandbox is blocked; open and allowlist networks are refused.';
  }
}

/** Whether a runtime can give new sandboxes the mode the settings ask for. */
export { runtimeSupports };

export interface ReapplyFailure {
  /** The sandbox's name. */
  name: string;
  /** The engine's message, which says what became of the sandbox. */
  message: string;
}

/**
 * One notification for every sandbox the new settings could not be applied to. The engine fails
 * closed, so the reader learns that those sandboxes lost their network or were stopped, not
 * that they kept the old policy.
 */
export function summarizeReapplyFailures(policy: NetworkPolicyInput, failures: ReapplyFailure[], total: number): string {
  const which = failures.length === 1 ? `sandbox "${failures[0]?.name}"` : `${failures.length} of ${total} sandboxes`;
  const details = failures.map((f) => asSentence(failures.length === 1 ? f.message : `"${f.name}": ${f.message}`)).join(' ');
  return (
    `The workspace network settings (${describePolicy(policy)}) could not be applied to ${which}. ${details} ` +
    'The engine fails closed: a sandbox whose new policy cannot be applied is left with no network, or stopped when even that fails; it never keeps the old one.'
  );
}
