/**
 * What the status bar item says: how many sandboxes run, and the network of the one you are
 * working in. Pure, so it is unit-tested; sandboxStatusBar.ts shows it.
 */
import type { NetworkMode, NetworkState, SandboxInfo } from '../../core/types';
import { MODE_ICONS, describeNetwork } from '../tree/nodePresentation';
import { labelText, markdownText, plainText } from '../untrustedText';

export interface ActiveSandbox {
  info: SandboxInfo;
  /**
   * `selected`: selected in the Sandboxes view; `terminal`: the active terminal runs in it;
   * `newest`: the most recently created running one (of this workspace, when the caller says which are).
   */
  reason: 'selected' | 'terminal' | 'newest';
}

/**
 * The sandbox selected in the Sandboxes view, else the sandbox of the active terminal, else the
 * newest running one of `mine` (default: all): the policy shown is the one you are looking at.
 */
export function activeSandbox(
  running: readonly SandboxInfo[],
  activeTerminalSandboxName: string | undefined,
  options: { selected?: readonly string[]; mine?: (info: SandboxInfo) => boolean } = {},
): ActiveSandbox | undefined {
  const selected = options.selected?.map((id) => running.find((info) => info.id === id)).find((info) => info !== undefined);
  if (selected) {
    return { info: selected, reason: 'selected' };
  }
  const ofTerminal = running.find((info) => info.name === activeTerminalSandboxName);
  if (ofTerminal) {
    return { info: ofTerminal, reason: 'terminal' };
  }
  const newest = running.filter(options.mine ?? (() => true)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  return newest && { info: newest, reason: 'newest' };
}

export interface StatusPresentation {
  /** With codicons, e.g. `$(vm-running) 2 · $(circle-slash) blocked`. */
  text: string;
  /** Markdown. */
  tooltip: string;
  /** What a screen reader says. */
  accessibilityLabel: string;
}

/**
 * `undefined` when nothing runs: the item is hidden. `network`: the policy in force when known;
 * until then the mode the sandbox was created with.
 */
export function statusPresentation(
  runningCount: number,
  active: ActiveSandbox | undefined,
  network?: NetworkState,
  /** `workspace`: `runningCount` counts this workspace's sandboxes only (the item still shows a selected one of another). */
  scope: 'all' | 'workspace' = 'all',
): StatusPresentation | undefined {
  if (!active || (runningCount === 0 && active.reason !== 'selected')) {
    return undefined;
  }
  const mode: NetworkMode = network?.mode ?? active.info.networkMode;
  const count = `${runningCount} running sandbox${runningCount === 1 ? '' : 'es'}${scope === 'workspace' ? ' in this workspace' : ''}`;
  const which =
    active.reason === 'selected'
      ? 'selected in the Sandboxes view'
      : active.reason === 'terminal'
        ? 'the sandbox of the active terminal'
        : scope === 'workspace'
          ? "this workspace's newest running sandbox"
          : 'the newest running sandbox';
  const networkText = network ? describeNetwork(network) : `${mode} as created (reading the current policy…)`;
  return {
    // The name and the mode at creation are Docker labels a script can set: escaped for each surface.
    text: `$(vm-running) ${runningCount} · $(${MODE_ICONS[mode] ?? 'question'}) ${labelText(mode)}`,
    tooltip: [`**${count}**`, '', `**${markdownText(active.info.name)}**, ${which}: network ${markdownText(networkText)}.`, '', 'Click to go to a sandbox.'].join('\n'),
    accessibilityLabel: plainText(`${count}; sandbox ${active.info.name} has network ${mode}`),
  };
}
