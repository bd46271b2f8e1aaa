/** "Open Terminal": an interactive shell in a running sandbox. Returns the `vscode.Terminal`. */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { SandboxInfo } from '../../core/types';
import { isGvisorSandbox } from '../../shared/runtimes';
import type { SandboxPseudoterminalOptions } from '../terminal/sandboxPseudoterminal';
import type { CommandContext } from './commandContext';
import { requireRunning, resolveSandbox } from './pickSandbox';

export async function openTerminal(context: CommandContext, arg?: unknown): Promise<vscode.Terminal | undefined> {
  const sandbox = await resolveSandbox(context, arg, { title: 'Open Terminal', offerCreate: true });
  if (!sandbox) {
    return undefined;
  }
  // Checked here, where a failure is a notification, rather than inside a terminal.
  const info = await requireRunning(sandbox, 'open a terminal');
  const terminal = vscode.window.createTerminal(shellTerminalOptions(context, sandbox, info));
  terminal.show();
  return terminal;
}

/**
 * A shell in `sandbox`, as a terminal's options: also what the "Sandbox shell" terminal profile
 * (terminal/sandboxShellProfile.ts) hands to VS Code. It runs as a terminal session that a window
 * reload reattaches (terminal/terminalSessions.ts).
 */
export function shellTerminalOptions(context: Pick<CommandContext, 'terminals'>, sandbox: Sandbox, info: SandboxInfo): vscode.ExtensionTerminalOptions {
  return context.terminals.shellOptions(sandbox, info, banner(info));
}

export function banner(info: SandboxInfo): NonNullable<SandboxPseudoterminalOptions['banner']> {
  return isGvisorSandbox(info)
    ? { text: `Sandbox ${info.name} · ${info.image} · gVisor`, style: 'dim' }
    : { text: `Sandbox ${info.name} runs with runtime "${info.runtime}": it is not isolated by gVisor.`, style: 'warning' };
}
