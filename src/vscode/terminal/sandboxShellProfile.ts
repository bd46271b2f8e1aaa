/**
 * The "Sandbox shell" terminal profile (contributed in package.json as `sandboxes.sandboxShell`):
 * picked from the terminal panel's dropdown, it asks which running sandbox (or offers to create
 * one) and opens the same shell as "Open Terminal".
 *
 * VS Code treats a profile that provides nothing as an error ("No terminal profile options
 * provided"), so a dismissed picker or a failure, shown the way commands show failures, ends in
 * a terminal that closes as soon as it opens.
 */
import * as vscode from 'vscode';
import type { CommandContext } from '../commands/commandContext';
import { shellTerminalOptions } from '../commands/openTerminal';
import { pickSandbox, requireRunning } from '../commands/pickSandbox';
import { showErrorNotification } from '../errorNotification';
import { errorLogText, presentError } from '../errors';

export const SANDBOX_SHELL_PROFILE_ID = 'sandboxes.sandboxShell';
const TITLE = 'Sandbox shell';

export function registerSandboxShellProfile(context: CommandContext): vscode.Disposable {
  return vscode.window.registerTerminalProfileProvider(SANDBOX_SHELL_PROFILE_ID, {
    provideTerminalProfile: () => provideProfile(context),
  });
}

async function provideProfile(context: CommandContext): Promise<vscode.TerminalProfile> {
  try {
    const sandbox = await pickSandbox(context, { title: TITLE, offerCreate: true });
    if (sandbox) {
      const info = await requireRunning(sandbox, 'open a terminal');
      context.log.info(`${TITLE}: opening a shell in ${info.name}.`);
      return new vscode.TerminalProfile(shellTerminalOptions(context, sandbox, info));
    }
  } catch (err) {
    const presentation = presentError(err, TITLE);
    if (presentation.kind === 'actionable') {
      context.log.error(`${TITLE}: ${errorLogText(err)}`);
    } else if (presentation.kind === 'unexpected') {
      context.log.failure(TITLE, err);
    }
    if (presentation.kind !== 'cancelled') {
      void showErrorNotification(context.log, presentation);
    }
  }
  return new vscode.TerminalProfile({ name: TITLE, pty: closedAtOnce(), isTransient: true });
}

function closedAtOnce(): vscode.Pseudoterminal {
  const close = new vscode.EventEmitter<void>();
  return {
    onDidWrite: new vscode.EventEmitter<string>().event,
    onDidClose: close.event,
    open: () => close.fire(),
    close: () => close.dispose(),
  };
}
