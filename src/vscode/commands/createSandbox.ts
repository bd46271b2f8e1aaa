/**
 * "Create Sandbox": a sandbox from the `sandboxes.defaults.*`, `sandboxes.network.*` and
 * `sandboxes.ports.*` settings, with pull progress in a cancellable notification. Its network
 * follows this workspace's settings (network/networkDefaults.ts re-applies them when they change)
 * unless the caller passes a policy; the tunnels of its forwarded ports are opened at once.
 * Returns the new sandbox's id (for tests and other extensions).
 */
import * as vscode from 'vscode';
import { validateSpec, type Sandbox } from '../../core';
import type { SandboxSpec } from '../../core/types';
import { describePolicy } from '../network/networkFormat';
import { describePortSettings, summarizeTunnels } from '../ports/portFormat';
import { forwardsPorts } from '../ports/portSettings';
import { describeRuntime } from '../sandboxFormat';
import { GVISOR_RUNTIME, readSandboxDefaults } from '../settings';
import { withOverrides } from '../settingsToSpec';
import { createOverridesFromArg, validateSandboxName } from './commandArgs';
import type { CommandContext } from './commandContext';
import { CommandIds } from './commandIds';

/**
 * With no argument, asks for an optional name and afterwards offers a terminal. With an object
 * (`{}` or spec fields such as `{ name, image }`), creates without asking anything.
 */
export async function createSandbox(context: CommandContext, arg?: unknown): Promise<string | undefined> {
  const overrides = createOverridesFromArg(arg);
  if (overrides) {
    return (await createWithProgress(context, overrides)).id;
  }
  const sandbox = await promptAndCreateSandbox(context);
  if (!sandbox) {
    return undefined;
  }
  void offerTerminal(context, sandbox);
  return sandbox.id;
}

/** The interactive flow, also offered by the sandbox picker when there is nothing to pick. */
export async function promptAndCreateSandbox(context: CommandContext): Promise<Sandbox | undefined> {
  // Invalid settings fail here, before the user has typed anything.
  const defaults = readSandboxDefaults();
  const name = await vscode.window.showInputBox({
    title: 'Create Sandbox',
    prompt: `From ${defaults.image}, ${describeRuntime(defaults.runtime ?? GVISOR_RUNTIME)}, network ${describePolicy(defaults)}${forwardsPorts(defaults) ? `, forwarding ${describePortSettings(defaults)}` : ''}. Press Enter for a generated name.`,
    placeHolder: 'Name (optional)',
    validateInput: validateSandboxName,
  });
  if (name === undefined) {
    return undefined;
  }
  return createWithProgress(context, name.trim() ? { name: name.trim() } : {}, defaults);
}

/** What creating needs of the command context (the Create Sandbox form has it too). */
export type CreateContext = Pick<CommandContext, 'clients' | 'log' | 'tunnels' | 'sandboxesView'>;

/**
 * Creates with pull progress in a cancellable notification, opens the tunnels of its forwarded
 * ports and tells the view: the one path from a spec to a sandbox, for this command and the form.
 */
export async function createWithProgress(
  context: CreateContext,
  overrides: Partial<SandboxSpec>,
  defaults: SandboxSpec = readSandboxDefaults(),
): Promise<Sandbox> {
  const spec = validateSpec(withOverrides(defaults, overrides));
  const client = context.clients.client;
  const sandbox = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Creating sandbox from ${spec.image}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancellation = token.onCancellationRequested(() => abort.abort());
      try {
        const sandbox = await client.create(spec, {
          signal: abort.signal,
          onProgress: (message) => progress.report({ message }),
        });
        if (token.isCancellationRequested) {
          // Cancelled as creation finished: the user asked for no sandbox, so leave none behind.
          await sandbox.terminate().catch((err: unknown) => context.log.failure(`terminating ${sandbox.name}`, err));
          throw new vscode.CancellationError();
        }
        return sandbox;
      } finally {
        cancellation.dispose();
      }
    },
  );
  if (forwardsPorts(spec)) {
    await openForwards(context, sandbox);
  }
  // Docker's events reach the view only while it is visible; the status bar counts sandboxes too.
  void context.sandboxesView.refresh(sandbox.id);
  return sandbox;
}

/** A failure here leaves a running sandbox: say so, and how to try again, rather than fail the command. */
async function openForwards(context: CreateContext, sandbox: Sandbox): Promise<void> {
  try {
    await context.tunnels.open(sandbox);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    context.log.failure(`opening the forwarded ports of ${sandbox.name}`, err);
    void vscode.window.showWarningMessage(
      `Sandbox "${sandbox.name}" is running, but its forwarded ports could not be opened: ${message} Run "Sandboxes: Open Forwarded Port in Browser" to try again.`,
    );
  }
}

/** Not awaited by the command: the notification may stay up long after the sandbox is ready. */
async function offerTerminal(context: CommandContext, sandbox: Sandbox): Promise<void> {
  const openTerminal = 'Open Terminal';
  const openInBrowser = 'Open in Browser';
  try {
    const { runtime } = await sandbox.info();
    const tunnels = context.tunnels.list(sandbox.id);
    const forwarding = tunnels.length > 0 ? ` Forwarding ${summarizeTunnels(tunnels)}.` : '';
    const actions = tunnels.length > 0 ? [openTerminal, openInBrowser] : [openTerminal];
    const choice =
      runtime === GVISOR_RUNTIME
        ? await vscode.window.showInformationMessage(`Sandbox "${sandbox.name}" is running under gVisor.${forwarding}`, ...actions)
        : await vscode.window.showWarningMessage(
            `Sandbox "${sandbox.name}" is running with runtime "${runtime}": it is not isolated by gVisor.${forwarding}`,
            ...actions,
          );
    if (choice === openTerminal) {
      await vscode.commands.executeCommand(CommandIds.openTerminal, sandbox.id);
    } else if (choice === openInBrowser) {
      // With one port, straight to it; with several, the command asks which.
      await vscode.commands.executeCommand(CommandIds.openInBrowser, sandbox.id, tunnels.length === 1 ? tunnels[0]?.containerPort : undefined);
    }
  } catch (err) {
    context.log.failure(`offering a terminal for ${sandbox.name}`, err);
  }
}
