/**
 * The Sandboxes tree as plain data: which nodes exist, in what order, and what each carries.
 * Pure (no `vscode`), so the structure is unit-tested; nodePresentation.ts says how a node looks.
 *
 * Every node names its sandbox by `sandboxId`, so the sandbox commands accept the node itself
 * (commandArgs.ts `sandboxIdFromArg`), and a forwarded port is a `ForwardedPortRef`
 * (`{ sandboxId, containerPort }`), which the port commands accept: tree menus pass the node.
 */
import { WORKSPACE_TAG } from '../network/workspaceTag';
import type { NetworkState, SandboxEnding, SandboxInfo, SnapshotInfo, Tunnel, TunnelKind } from '../../core/types';

/** The part of `vscode.Terminal` the tree needs (kept structural, so this file stays pure). */
export interface TerminalLike {
  readonly name: string;
  show(preserveFocus?: boolean): void;
}

export interface SandboxNode {
  readonly kind: 'sandbox';
  readonly sandboxId: string;
  readonly info: SandboxInfo;
  /** The policy in force, when already known: the tooltip prefers it to the mode at creation. */
  readonly network: NetworkState | undefined;
  /** Why it ended, when it is not running and that is known (the tree shows it instead of `exited (0)`). */
  readonly ending?: SandboxEnding;
  /** The group it is listed in; none for callers that list sandboxes flat. */
  readonly parent?: GroupNode;
  /** The engine it is on, when more than one is configured (commands route by it: `{ engine }`). */
  readonly engine?: string;
}

/**
 * One Docker engine, when more than one is configured (`sandboxes.docker.engines`): its groups and
 * snapshots below it, its endpoint, state and warm pool on the row. An unreachable engine says why
 * and hides none of the others.
 */
export interface EngineNode {
  readonly kind: 'engine';
  readonly engine: string;
  readonly name: string;
  /** The endpoint as configured; `undefined`: DOCKER_HOST or the default socket. */
  readonly host: string | undefined;
  /** Why it could not be listed (the engine's message), or `undefined`. */
  readonly problem: string | undefined;
  readonly unreachable: boolean;
  /** Ready members of the warm pools this window keeps on it (never shown as sandboxes). */
  readonly poolReady: number | undefined;
  readonly children: readonly TreeNode[];
  readonly sandboxId?: undefined;
  readonly parent?: undefined;
}

/**
 * "This workspace" (sandboxes this window created, by their workspace tag) and "Other sandboxes
 * on this engine" (other windows, scripts, tests): whose sandbox a row is, at a glance.
 */
export interface GroupNode {
  readonly kind: 'group';
  readonly group: 'workspace' | 'others';
  readonly sandboxes: readonly SandboxNode[];
  readonly sandboxId?: undefined;
  /** Set when the tree groups by engine. */
  readonly parent?: EngineNode;
  readonly engine?: string;
}

/** Every snapshot on the engine, also of sandboxes that are gone: snapshots outlive their sandbox. */
export interface SnapshotSectionNode {
  readonly kind: 'snapshotSection';
  readonly snapshots: readonly SnapshotNode[];
  readonly sandboxId?: undefined;
  readonly parent?: EngineNode;
  readonly engine?: string;
}

export interface NetworkNode {
  readonly kind: 'network';
  readonly sandboxId: string;
  /** The policy in force, or why it could not be read. */
  readonly state: NetworkState | Error;
  readonly parent: SandboxNode;
}

export interface AllowlistEntryNode {
  readonly kind: 'allowlistEntry';
  readonly sandboxId: string;
  readonly cidr: string;
  readonly parent: NetworkNode;
}

export interface PortsNode {
  readonly kind: 'ports';
  readonly sandboxId: string;
  readonly ports: readonly ForwardedPortNode[];
  readonly parent: SandboxNode;
}

export interface ForwardedPortNode {
  readonly kind: 'forwardedPort';
  readonly sandboxId: string;
  readonly containerPort: number;
  readonly tunnelKind: TunnelKind;
  /** The tunnel's URL when this window serves it; forwards survive reloads, tunnels are per window. */
  readonly url: string | undefined;
  readonly parent: PortsNode;
}

export interface TerminalsNode {
  readonly kind: 'terminals';
  readonly sandboxId: string;
  readonly terminals: readonly TerminalNode[];
  readonly parent: SandboxNode;
}

export interface TerminalNode {
  readonly kind: 'terminal';
  readonly sandboxId: string;
  readonly terminal: TerminalLike;
  /** Position among the sandbox's terminals: terminals have no id of their own. */
  readonly index: number;
  readonly active: boolean;
  readonly parent: TerminalsNode;
}

/** Shown only when the sandbox has snapshots: most sandboxes never get one. */
export interface SnapshotsNode {
  readonly kind: 'snapshots';
  readonly sandboxId: string;
  readonly snapshots: readonly SnapshotNode[];
  readonly parent: SandboxNode;
}

/** The snapshot commands take the node (files/fileArgs.ts `snapshotRefFromArg`). */
export interface SnapshotNode {
  readonly kind: 'snapshot';
  readonly sandboxId: string;
  readonly snapshot: SnapshotInfo;
  readonly parent: SnapshotsNode | SnapshotSectionNode;
}

export type TreeNode =
  | EngineNode
  | GroupNode
  | SnapshotSectionNode
  | SandboxNode
  | NetworkNode
  | AllowlistEntryNode
  | PortsNode
  | ForwardedPortNode
  | TerminalsNode
  | TerminalNode
  | SnapshotsNode
  | SnapshotNode;

/** Running sandboxes first, then newest first: the ones you work in are on top. */
export function rootNodes(infos: readonly SandboxInfo[], knownNetwork: (id: string) => NetworkState | undefined = () => undefined): SandboxNode[] {
  return [...infos]
    .sort((a, b) => Number(isRunning(b)) - Number(isRunning(a)) || b.createdAt.getTime() - a.createdAt.getTime())
    .map((info) => ({ kind: 'sandbox', sandboxId: info.id, info, network: knownNetwork(info.id) }));
}

export interface RootSources {
  /** This window's workspace tag (network/workspaceTag.ts). */
  workspaceTag: string;
  knownNetwork?: (id: string) => NetworkState | undefined;
  endingOf?: (id: string) => SandboxEnding | undefined;
  /** Every snapshot on the engine. */
  snapshots?: readonly SnapshotInfo[];
}

/** What one engine's node is made from (SandboxList's per-engine listing). */
export interface EngineListingLike {
  readonly engine: { readonly key: string; readonly name: string; readonly host: string | undefined };
  readonly sandboxes: readonly SandboxInfo[];
  readonly problem: string | undefined;
  readonly unreachable: boolean;
  readonly poolReady: number | undefined;
  readonly snapshots?: readonly SnapshotInfo[];
}

/**
 * The top level with more than one engine: one node per engine, in the settings' order (default
 * first), each with the groups `treeRoots` makes of that engine's sandboxes.
 */
export function engineRoots(listings: readonly EngineListingLike[], sources: RootSources): EngineNode[] {
  return listings.map((listing) => {
    const children: TreeNode[] = [];
    const node: EngineNode = {
      kind: 'engine',
      engine: listing.engine.key,
      name: listing.engine.name,
      host: listing.engine.host,
      problem: listing.problem,
      unreachable: listing.unreachable,
      poolReady: listing.poolReady,
      children,
    };
    if (!listing.unreachable) {
      for (const root of treeRoots(listing.sandboxes, { ...sources, snapshots: listing.snapshots }, node)) children.push(root);
    }
    return node;
  });
}

/** Every sandbox row of a top level, grouped by engine or not. */
export function sandboxNodesOf(roots: readonly TreeNode[]): SandboxNode[] {
  return roots.flatMap((root) => (root.kind === 'group' ? [...root.sandboxes] : root.kind === 'engine' ? sandboxNodesOf(root.children) : []));
}

/** The groups of a top level, grouped by engine or not. */
export function groupNodesOf(roots: readonly TreeNode[]): GroupNode[] {
  return roots.flatMap((root) => (root.kind === 'group' ? [root] : root.kind === 'engine' ? groupNodesOf(root.children) : []));
}

/**
 * The tree's top level: "This workspace" always (empty says so), "Other sandboxes on this engine"
 * when there are any, "Snapshots" when there are any.
 */
export function treeRoots(infos: readonly SandboxInfo[], sources: RootSources, engineNode?: EngineNode): TreeNode[] {
  const mine = (info: SandboxInfo) => info.tags[WORKSPACE_TAG] === sources.workspaceTag;
  const engine = engineNode?.engine;
  const group = (which: GroupNode['group'], members: readonly SandboxInfo[]): GroupNode => {
    const sandboxes: SandboxNode[] = [];
    const node: GroupNode = engineNode ? { kind: 'group', group: which, sandboxes, parent: engineNode, engine } : { kind: 'group', group: which, sandboxes };
    for (const root of rootNodes(members, sources.knownNetwork)) {
      sandboxes.push(
        engine === undefined
          ? { ...root, ending: sources.endingOf?.(root.sandboxId), parent: node }
          : { ...root, ending: sources.endingOf?.(root.sandboxId), parent: node, engine },
      );
    }
    return node;
  };
  const roots: TreeNode[] = [group('workspace', infos.filter(mine))];
  const others = infos.filter((info) => !mine(info));
  if (others.length > 0) roots.push(group('others', others));
  const snapshots = sources.snapshots ?? [];
  if (snapshots.length > 0) {
    const nodes: SnapshotNode[] = [];
    const section: SnapshotSectionNode = engineNode ? { kind: 'snapshotSection', snapshots: nodes, parent: engineNode, engine } : { kind: 'snapshotSection', snapshots: nodes };
    for (const snapshot of [...snapshots].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())) {
      nodes.push({ kind: 'snapshot', sandboxId: snapshot.sandboxId, snapshot, parent: section });
    }
    roots.push(section);
  }
  return roots;
}

export function isRunning(info: SandboxInfo): boolean {
  return info.state === 'running';
}

/** What the children of a running sandbox are made from. */
export interface SandboxDetails {
  network: NetworkState | Error;
  /** This window's tunnels of the sandbox. */
  tunnels: readonly Tunnel[];
  /** This window's terminals in the sandbox, in creation order. */
  terminals: readonly TerminalLike[];
  activeTerminal: TerminalLike | undefined;
  /** The sandbox's filesystem snapshots. */
  snapshots?: readonly SnapshotInfo[];
}

/**
 * Network, Ports, Terminals, and Snapshots when there are any. A sandbox that is not running has
 * none: nothing in it can be used.
 */
export function sandboxChildren(node: SandboxNode, details: SandboxDetails): TreeNode[] {
  if (!isRunning(node.info)) {
    return [];
  }
  const { sandboxId } = node;
  const network: NetworkNode = { kind: 'network', sandboxId, state: details.network, parent: node };

  const ports: ForwardedPortNode[] = [];
  const portsNode: PortsNode = { kind: 'ports', sandboxId, ports, parent: node };
  for (const { containerPort, kind, url } of forwardedPorts(details.network, details.tunnels)) {
    ports.push({ kind: 'forwardedPort', sandboxId, containerPort, tunnelKind: kind, url, parent: portsNode });
  }

  const terminals: TerminalNode[] = [];
  const terminalsNode: TerminalsNode = { kind: 'terminals', sandboxId, terminals, parent: node };
  details.terminals.forEach((terminal, index) => {
    terminals.push({ kind: 'terminal', sandboxId, terminal, index, active: terminal === details.activeTerminal, parent: terminalsNode });
  });

  const snapshots = details.snapshots ?? [];
  if (snapshots.length === 0) {
    return [network, portsNode, terminalsNode];
  }
  const snapshotNodes: SnapshotNode[] = [];
  const snapshotsNode: SnapshotsNode = { kind: 'snapshots', sandboxId, snapshots: snapshotNodes, parent: node };
  for (const snapshot of [...snapshots].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())) {
    snapshotNodes.push({ kind: 'snapshot', sandboxId, snapshot, parent: snapshotsNode });
  }
  return [network, portsNode, terminalsNode, snapshotsNode];
}

/**
 * A sandbox's forwarded ports, by port: those its policy records, with the URL where this window
 * serves a tunnel. A tunnel this window serves is a forward even when the state read predates it.
 */
export function forwardedPorts(network: NetworkState | Error, tunnels: readonly Tunnel[]): { containerPort: number; kind: TunnelKind; url: string | undefined }[] {
  const forwards = network instanceof Error ? [] : network.forwards;
  const byPort = new Map<number, { kind: TunnelKind; url?: string }>(forwards.map((f) => [f.port, { kind: f.kind }]));
  for (const tunnel of tunnels) byPort.set(tunnel.containerPort, { kind: tunnel.kind, url: tunnel.url });
  return [...byPort].sort(([a], [b]) => a - b).map(([containerPort, { kind, url }]) => ({ containerPort, kind, url }));
}

/** Children of the nodes below a sandbox; they carry them already. */
export function groupChildren(node: Exclude<TreeNode, SandboxNode>): TreeNode[] {
  switch (node.kind) {
    case 'engine':
      return [...node.children];
    case 'group':
      return [...node.sandboxes];
    case 'snapshotSection':
      return [...node.snapshots];
    case 'network':
      return node.state instanceof Error || node.state.mode !== 'allowlist'
        ? []
        : // Networks, then host names (through the egress gateway): one row each.
          [...node.state.cidrAllowlist, ...(node.state.domainAllowlist ?? [])].map((cidr) => ({ kind: 'allowlistEntry', sandboxId: node.sandboxId, cidr, parent: node }));
    case 'ports':
      return [...node.ports];
    case 'terminals':
      return [...node.terminals];
    case 'snapshots':
      return [...node.snapshots];
    case 'allowlistEntry':
    case 'forwardedPort':
    case 'terminal':
    case 'snapshot':
      return [];
  }
}
