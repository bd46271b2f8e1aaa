/**
 * What the status bar item says: how many sandboxes run, and the network of the one you are
 * working in. Pure, so it is unit-tested; sandboxStatusBar.ts shows it.
 */
import type { NetworkMode, NetworkState, SandboxInfo } from '../../core/types';
import { MODE_ICONS, describeNetwork } from '../tree/nodePresentation';
import { labelText, markdownText, plainText } from '../untrustedText';

export interface ActiveSandbox {
  info: SandboxInfo;
  /** `terminal`: the active terminal runs in it; `newest`: the most recently created running one. */
  reason: 'terminal' | 'newest';
}

/** The sandbox of the active terminal if it is a sandbox terminal, else the newest running one. */
export function activeSandbox(running: readonly SandboxInfo[], activeTerminalSandboxName: string | undefined): ActiveSandbox | undefined {
  const ofTerminal = running.find((info) => info.name === activeTerminalSandboxName);
  if (ofTerminal) {
    return { info: ofTerminal, reason: 'terminal' };
  }
  const newest = [...running].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
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
export function statusPresentation(runningCount: number, active: ActiveSandbox | undefined, network?: NetworkState): StatusPresentation | undefined {
  if (runningCount === 0 || !active) {
    return undefined;
  }
  const mode: NetworkMode = network?.mode ?? active.info.networkMode;
  const count = `${runningCount} running sandbox${runningCount === 1 ? '' : 'es'}`;
  const which = active.reason === 'terminal' ? 'the sandbox of the active terminal' : 'the newest running sandbox';
  const networkText = network ? describeNetwork(network) : `${mode} as created (reading the current policy…)`;
  return {
    // The name and the mode at creation are Docker labels a script can set: escaped for each surface.
    text: `$(vm-running) ${runningCount} · $(${MODE_ICONS[mode] ?? 'question'}) ${labelText(mode)}`,
    tooltip: [`**${count}**`, '', `**${markdownText(active.info.name)}**, ${which}: network ${markdownText(networkText)}.`, '', 'Click to go to a sandbox.'].join('\n'),
    accessibilityLabel: plainText(`${count}; sandbox ${active.info.name} has network ${mode}`),
  };
}
