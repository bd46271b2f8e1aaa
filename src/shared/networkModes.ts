/**
 * The network modes: one row per mode, and everything else derives from it — which mode a policy
 * is (`modeOf`), where each mode can be enforced, and the words and icons the editor shows.
 * Pure (no Node, no Docker): the webviews bundle it too.
 *
 * Adding a mode (docs/architecture.md, "Add a network mode"): a field in `NetworkPolicy` if it
 * needs one, a row in NETWORK_MODES (placed where `modeOf` must try it), and the compiler points at
 * every `Record<NetworkMode, …>` and `switch` that must say what the new mode does.
 */

/** How a sandbox's outbound network is limited; `modeOf` decides it from a policy. */
export type NetworkMode = 'open' | 'blocked' | 'allowlist';

/**
 * A sandbox's network policy, as Modal names it: `blockNetwork` wins; otherwise a non-empty
 * `cidrAllowlist` limits outbound traffic to those networks; otherwise outbound is open.
 * Inbound is always limited to the sandbox's forwarded ports, from this machine.
 */
export interface NetworkPolicy {
  blockNetwork: boolean;
  cidrAllowlist: string[];
  /**
   * Host names (`example.org`, `*.example.com`, `name:port`) reachable through the sandbox's egress
   * gateway (issue #12), in addition to the CIDR list. Absent or empty: no gateway.
   */
  domainAllowlist?: string[];
}

/**
 * How a runtime connects a sandbox to the network decides where a policy can be enforced.
 *
 * - `kernel`: runc, or runsc with --network=host. Packets go through the Linux network stack of
 *   the sandbox's network namespace, so netfilter rules there see every packet.
 * - `netstack`: runsc's default. gVisor's own network stack writes raw frames to the interface;
 *   the namespace's netfilter hooks never see them, so rules there would enforce nothing.
 * - `none`: runsc with --network=none. Only loopback exists inside the sandbox.
 */
export type RuntimeNetworking = 'kernel' | 'netstack' | 'none';

export interface NetworkModeInfo {
  /** Whether a policy is in this mode; `modeOf` asks the rows in table order, `open` last. */
  applies: (policy: Pick<NetworkPolicy, 'blockNetwork'> & { cidrAllowlist?: readonly string[]; domainAllowlist?: readonly string[] }) => boolean;
  /** Whether sandboxes of a runtime that networks this way can have this mode (else refused: fail closed). */
  enforceable: Record<RuntimeNetworking, boolean>;
  /** "Open", for form options and picker rows. */
  label: string;
  /** What the mode lets a sandbox do, as a short phrase. */
  summary: string;
  /** The details panel's phrase. */
  detailsSummary: string;
  /** Position in pickers and the form (the everyday choice first). */
  order: number;
  /** The create form's hint under the option. */
  formHint: string;
  /** Codicon of the tree's network row. */
  icon: string;
}

export const NETWORK_MODES: Record<NetworkMode, NetworkModeInfo> = {
  blocked: {
    applies: (policy) => policy.blockNetwork,
    enforceable: { kernel: true, netstack: false, none: true },
    label: 'Blocked',
    summary: 'loopback only',
    detailsSummary: 'loopback only',
    order: 1,
    formHint: 'Loopback only: no outbound traffic, no DNS.',
    icon: 'circle-slash',
  },
  allowlist: {
    applies: (policy) => (policy.cidrAllowlist?.length ?? 0) > 0 || (policy.domainAllowlist?.length ?? 0) > 0,
    enforceable: { kernel: true, netstack: false, none: false },
    label: 'Allowlist',
    summary: 'outbound only to the allowlisted networks',
    detailsSummary: 'outbound only to these networks',
    order: 2,
    formHint: 'Outbound only to the networks below (IPv4/IPv6 CIDRs or addresses).',
    icon: 'filter',
  },
  open: {
    applies: () => true,
    enforceable: { kernel: true, netstack: true, none: false },
    label: 'Open',
    summary: 'outbound to public addresses only',
    detailsSummary: 'outbound traffic allowed',
    order: 0,
    formHint: 'Outbound traffic allowed.',
    icon: 'globe',
  },
};

/** The modes in the order users see them (pickers, the form): the everyday choice first. */
export const NETWORK_MODE_ORDER: readonly NetworkMode[] = (Object.keys(NETWORK_MODES) as NetworkMode[]).sort((a, b) => NETWORK_MODES[a].order - NETWORK_MODES[b].order);

/** The mode of a policy, a spec or settings (missing fields count as empty). */
export function modeOf(policy: { blockNetwork?: boolean; cidrAllowlist?: readonly string[]; domainAllowlist?: readonly string[] }): NetworkMode {
  // Every field reaches the rows' tests (a new mode's field too); absent lists count as empty.
  const normalised = { ...policy, blockNetwork: policy.blockNetwork === true };
  for (const mode of Object.keys(NETWORK_MODES) as NetworkMode[]) if (NETWORK_MODES[mode].applies(normalised)) return mode;
  return 'open';
}

export function isNetworkMode(value: unknown): value is NetworkMode {
  return typeof value === 'string' && Object.hasOwn(NETWORK_MODES, value);
}

/** Whether a runtime that networks this way can give a sandbox this mode. */
export function runtimeSupports(networking: RuntimeNetworking, mode: NetworkMode): boolean {
  return NETWORK_MODES[mode].enforceable[networking];
}
