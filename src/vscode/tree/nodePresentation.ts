/**
 * How each node of the Sandboxes tree looks: label, description, icon, tooltip (Markdown) and the
 * `contextValue` menus match on. Pure, so it is unit-tested; treeItems.ts makes `vscode.TreeItem`s.
 * Names, images, runtimes and modes are Docker labels any script can set, refs and errors come
 * from Docker: they enter the Markdown only through untrustedText.ts (escaped, or as code spans).
 */
import type { NetworkMode, NetworkState, SandboxEnding, SandboxInfo } from '../../core/types';
import { endingIcon, endingSentence, endingWord } from './endingText';
import { formatBytes } from '../files/fileFormat';
import { describePolicy } from '../network/networkFormat';
import { describeRuntime, formatAge, formatDeadline } from '../sandboxFormat';
import { NETWORK_MODES, NETWORK_MODE_ORDER } from '../../shared/networkModes';
import { isGvisorSandbox } from '../../shared/runtimes';
import { TUNNEL_KINDS } from '../../shared/tunnelKinds';
import { markdownCode, markdownText, plainText } from '../untrustedText';
import { isRunning, type TreeNode } from './treeNodes';
import { ContextValues, type NodeIcon, type NodePresentation } from './presentationTypes';
import { presentEngine } from './enginePresentation';

export { ContextValues, type NodeIcon, type NodePresentation } from './presentationTypes';
export { engineDescription } from './enginePresentation';

export const MODE_ICONS = Object.fromEntries(NETWORK_MODE_ORDER.map((mode) => [mode, NETWORK_MODES[mode].icon])) as Record<NetworkMode, string>;

export function presentNode(node: TreeNode, now: Date): NodePresentation {
  switch (node.kind) {
    case 'engine':
      return presentEngine(node);
    case 'group':
      return withEngineId(node.engine, presentGroup(node));
    case 'snapshotSection':
      return withEngineId(node.engine, presentSnapshotSection(node));
    case 'sandbox':
      return presentSandbox(node.info, node.network, now, node.ending, node.parent !== undefined);
    case 'network':
      return presentNetwork(node.sandboxId, node.state);
    case 'allowlistEntry':
      return presentAllowlistEntry(node);
    case 'ports':
      return presentPorts(node);
    case 'forwardedPort':
      return presentForwardedPort(node);
    case 'terminals':
      return presentTerminals(node);
    case 'terminal':
      return presentTerminal(node);
    case 'snapshots':
      return presentSnapshots(node);
    case 'snapshot':
      return presentSnapshot(node, now);
  }
}

function presentAllowlistEntry(node: Extract<TreeNode, { kind: 'allowlistEntry' }>): NodePresentation {
  return {
    id: `${node.sandboxId}/network/${node.cidr}`,
    label: plainText(node.cidr),
    description: '',
    tooltip: `Traffic to ${markdownCode(node.cidr)} is allowed; everything else outbound is refused.`,
    icon: { id: 'check' },
    contextValue: ContextValues.allowlistEntry,
    collapsible: 'none',
  };
}

function presentPorts(node: Extract<TreeNode, { kind: 'ports' }>): NodePresentation {
  const count = node.ports.length;
  return {
    id: `${node.sandboxId}/ports`,
    label: 'Ports',
    description: count === 0 ? 'none forwarded' : `${count} forwarded`,
    tooltip:
      count === 0
        ? 'No port of this sandbox is forwarded. **Forward Port…** makes one reachable from this machine.'
        : `${count} port${count === 1 ? '' : 's'} of this sandbox ${count === 1 ? 'is' : 'are'} forwarded to this machine.`,
    icon: { id: 'plug' },
    contextValue: ContextValues.ports,
    collapsible: count === 0 ? 'none' : 'expanded',
  };
}

function presentForwardedPort(node: Extract<TreeNode, { kind: 'forwardedPort' }>): NodePresentation {
  return {
    id: `${node.sandboxId}/ports/${node.containerPort}`,
    label: String(node.containerPort),
    description: node.url ?? 'no tunnel in this window',
    tooltip: node.url
      ? `Port ${node.containerPort} in the sandbox is reachable at ${markdownCode(node.url)} (${TUNNEL_KINDS[node.tunnelKind].transport}).`
      : `Port ${node.containerPort} in the sandbox is forwarded (${TUNNEL_KINDS[node.tunnelKind].transport}), but this window serves no tunnel for it.`,
    icon: { id: 'radio-tower' },
    contextValue: ContextValues.forwardedPort,
    collapsible: 'none',
  };
}

function presentTerminals(node: Extract<TreeNode, { kind: 'terminals' }>): NodePresentation {
  const count = node.terminals.length;
  return {
    id: `${node.sandboxId}/terminals`,
    label: 'Terminals',
    description: count === 0 ? 'none open' : `${count} open`,
    tooltip: count === 0 ? 'No terminal of this window runs in this sandbox.' : `Terminals of this window whose shell runs in this sandbox.`,
    icon: { id: 'terminal' },
    contextValue: ContextValues.terminals,
    collapsible: count === 0 ? 'none' : 'expanded',
  };
}

function presentTerminal(node: Extract<TreeNode, { kind: 'terminal' }>): NodePresentation {
  return {
    id: `${node.sandboxId}/terminals/${node.index}`,
    label: plainText(node.terminal.name),
    description: node.active ? 'active' : '',
    tooltip: 'A shell in the sandbox. Click to show it.',
    icon: { id: 'terminal' },
    contextValue: ContextValues.sandboxTerminal,
    collapsible: 'none',
  };
}

function presentSnapshots(node: Extract<TreeNode, { kind: 'snapshots' }>): NodePresentation {
  const count = node.snapshots.length;
  return {
    id: `${node.sandboxId}/snapshots`,
    label: 'Snapshots',
    description: String(count),
    tooltip: `${count} filesystem snapshot${count === 1 ? '' : 's'} of this sandbox, kept as images until removed.`,
    icon: { id: 'device-camera' },
    contextValue: ContextValues.snapshots,
    collapsible: 'expanded',
  };
}

/** Group and section ids repeat under each engine: the engine's key makes them unique. */
function withEngineId(engine: string | undefined, presentation: NodePresentation): NodePresentation {
  return engine === undefined ? presentation : { ...presentation, id: `engine/${engine}/${presentation.id}` };
}

function presentGroup(node: Extract<TreeNode, { kind: 'group' }>): NodePresentation {
  const count = node.sandboxes.length;
  const running = node.sandboxes.filter((s) => isRunning(s.info)).length;
  const counts = count === 0 ? 'none' : running === count ? `${count} running` : `${running} running, ${count - running} stopped`;
  if (node.group === 'workspace') {
    return {
      id: 'group/workspace',
      label: 'This workspace',
      description: counts,
      tooltip: "Sandboxes created from this window's workspace: they follow its settings, and this window tells you when one stops.",
      icon: { id: 'root-folder' },
      contextValue: ContextValues.workspaceGroup,
      collapsible: 'expanded',
    };
  }
  return {
    id: 'group/others',
    label: 'Other sandboxes on this engine',
    description: counts,
    tooltip: "Sandboxes of other windows, scripts and tests on the same Docker engine. They are not this workspace's: handle them with care.",
    icon: { id: 'server-environment' },
    contextValue: ContextValues.othersGroup,
    collapsible: 'collapsed',
  };
}

function presentSnapshotSection(node: Extract<TreeNode, { kind: 'snapshotSection' }>): NodePresentation {
  const count = node.snapshots.length;
  const total = node.snapshots.reduce((sum, s) => sum + s.snapshot.sizeBytes, 0);
  return {
    id: 'section/snapshots',
    label: 'Snapshots',
    description: `${count} · ${formatBytes(total)}`,
    tooltip: `${count} filesystem snapshot${count === 1 ? '' : 's'} on this engine, kept as images until removed, also after their sandbox is gone.`,
    icon: { id: 'device-camera' },
    contextValue: ContextValues.snapshotSection,
    collapsible: 'collapsed',
  };
}

function presentSnapshot(node: Extract<TreeNode, { kind: 'snapshot' }>, now: Date): NodePresentation {
  const { ref, createdAt, sizeBytes, sandboxName } = node.snapshot;
  const inSection = node.parent.kind === 'snapshotSection';
  return {
    id: inSection ? `snapshots/${ref}` : `${node.sandboxId}/snapshots/${ref}`,
    // In the section, the sandbox it came from names it (that sandbox may be gone).
    label: inSection ? `${plainText(sandboxName)} · ${formatAge(createdAt, now)}` : formatAge(createdAt, now),
    description: `${formatBytes(sizeBytes)} · ${plainText(ref)}`,
    tooltip: [
      `**Snapshot** ${code(ref)}`,
      '',
      `- Taken: ${createdAt.toLocaleString()} (${formatAge(createdAt, now)})`,
      `- Size: ${formatBytes(sizeBytes)}`,
      '',
      '**Create Sandbox from Snapshot** starts a new sandbox with this filesystem.',
    ].join('\n'),
    icon: { id: 'device-camera' },
    contextValue: ContextValues.snapshot,
    collapsible: 'none',
  };
}

function presentSandbox(info: SandboxInfo, network: NetworkState | undefined, now: Date, ending?: SandboxEnding, grouped = false): NodePresentation {
  const running = isRunning(info);
  const gvisor = isGvisorSandbox(info);
  const where = [plainText(info.image), gvisor ? 'gVisor' : `${plainText(info.runtime)}, not gVisor`];
  // Grouped (the Sandboxes view): the state first, where a narrow sidebar does not cut it off.
  const description = grouped
    ? [stateWord(info, ending), ...where, ...(running ? [formatUptime(info.createdAt, now)] : [])]
    : [...where, running ? formatUptime(info.createdAt, now) : describeState(info)];
  return {
    id: info.id,
    label: plainText(info.name),
    // "agent": made by the agent tools (issue #15; tag `agent`), so the user tells it from their own.
    description: [...(info.tags.agent ? ['agent'] : []), ...description].join(' · '),
    tooltip: sandboxTooltip(info, network, now, ending),
    icon: !running && ending ? endingIcon(ending) : sandboxIcon(info),
    contextValue: running ? ContextValues.runningSandbox : ContextValues.stoppedSandbox,
    collapsible: running ? 'collapsed' : 'none',
  };
}

/** The first word of a sandbox's row: its state, or why it ended when that is known. */
function stateWord(info: SandboxInfo, ending: SandboxEnding | undefined): string {
  if (isRunning(info)) return 'running';
  return ending ? endingWord(ending) : describeState(info);
}

function sandboxIcon(info: SandboxInfo): NodeIcon {
  switch (info.state) {
    case 'running':
      // Not gVisor: the user opted out of the isolation the extension is about; say so at a glance.
      return { id: 'vm-running', color: isGvisorSandbox(info) ? 'testing.iconPassed' : 'problemsWarningIcon.foreground' };
    case 'paused':
      return { id: 'debug-pause' };
    default:
      return { id: 'vm-outline' };
  }
}

/** "up 5 minutes", "just started". */
export function formatUptime(since: Date, now: Date): string {
  const age = formatAge(since, now);
  return age === 'just now' ? 'just started' : `up ${age.replace(/ ago$/, '')}`;
}

function describeState(info: SandboxInfo): string {
  // A sandbox is created and started in one go: "created" is one being started right now.
  if (info.state === 'created') return 'starting';
  return info.exitCode === null ? info.state : `${info.state} (${info.exitCode})`;
}

function sandboxTooltip(info: SandboxInfo, network: NetworkState | undefined, now: Date, ending?: SandboxEnding): string {
  const facts: [string, string][] = [
    ['Id', code(info.id)],
    ['Image', code(info.image)],
    ['Runtime', isGvisorSandbox(info) ? describeRuntime(info.runtime) : `${code(info.runtime)}: **not isolated by gVisor**`],
    [
      'State',
      markdownText(
        !isRunning(info) && ending
          ? `${describeState(info)}: it ${endingSentence(ending)}${ending.finishedAt ? `, ${formatAge(ending.finishedAt, now)}` : ''}`
          : describeState(info),
      ),
    ],
    ['Created', markdownText(`${info.createdAt.toLocaleString()} (${formatAge(info.createdAt, now)})`)],
  ];
  if (info.expiresAt) {
    facts.push(['Expires', markdownText(`${info.expiresAt.toLocaleString()} (${formatDeadline(info.expiresAt, now)})`)]);
  }
  if (isRunning(info)) {
    // Unknown: the provider reads it on hover (resolveTreeItem); the mode at creation may be stale.
    facts.push(['Network', markdownText(network ? describeNetwork(network) : 'reading the current policy…')]);
  }
  return [`**${markdownText(info.name)}**`, '', ...facts.map(([name, value]) => `- ${name}: ${value}`)].join('\n');
}

function presentNetwork(base: string, state: NetworkState | Error): NodePresentation {
  if (state instanceof Error) {
    return {
      id: `${base}/network`,
      label: 'Network: unknown',
      description: 'could not be read',
      tooltip: `The sandbox's network policy could not be read: ${markdownText(state.message)}`,
      icon: { id: 'warning', color: 'problemsWarningIcon.foreground' },
      contextValue: ContextValues.networkPolicy,
      collapsible: 'none',
    };
  }
  const notes = [state.followsDefaults ? 'follows settings' : '', !state.enforced && state.mode !== 'blocked' ? 'not enforceable' : ''].filter(Boolean);
  return {
    id: `${base}/network`,
    label: `Network: ${plainText(state.mode)}`,
    description: notes.join(' · '),
    tooltip: `${markdownText(describeNetwork(state))}.\n\n**Set Network Policy…** changes it, live.`,
    // The mode is a label a script could set to anything: an unknown one gets a neutral icon.
    icon: { id: MODE_ICONS[state.mode] ?? 'question' },
    contextValue: ContextValues.networkPolicy,
    collapsible: state.mode === 'allowlist' && state.cidrAllowlist.length + (state.domainAllowlist ?? []).length > 0 ? 'expanded' : 'none',
  };
}

/** "blocked (loopback only), following the workspace settings". */
export function describeNetwork(state: NetworkState): string {
  let text = describePolicy(state);
  if (state.followsDefaults) text += ', following the workspace settings';
  if (!state.enforced && state.mode !== 'blocked') text += '; policies cannot be enforced for this sandbox, so it can only be open';
  return text;
}

/** A value in a Markdown code span that it cannot end early. */
function code(value: string): string {
  return markdownCode(value);
}
