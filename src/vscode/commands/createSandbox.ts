/**
 * "Create Sandbox": a sandbox from the `sandboxes.defaults.*` and `sandboxes.network.*` settings,
 * with pull progress in a cancellable notification. Its network follows this workspace's
 * settings (network/networkDefaults.ts re-applies them when they change) unless the caller
 * passes a policy. Returns the new sandbox's id (for tests and other extensions).
 */
import * as vscode from 'vscode';
import { validateSpec, type Sandbox } from '../../core';
import type { SandboxSpec } from '../../core/types';
import { describePolicy } from '../network/networkFormat';
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
    prompt: `From ${defaults.image}, ${describeRuntime(defaults.runtime ?? GVISOR_RUNTIME)}, network ${describePolicy(defaults)}. Press Enter for a generated name.`,
    placeHolder: 'Name (optional)',
    validateInput: validateSandboxName,
  });
  if (name === undefined) {
    return undefined;
  }
  return createWithProgress(context, name.trim() ? { name: name.trim() } : {}, defaults);
}

async function createWithProgress(
  context: CommandContext,
  overrides: Partial<SandboxSpec>,
  defaults: SandboxSpec = readSandboxDefaults(),
): Promise<Sandbox> {
  const spec = validateSpec(withOverrides(defaults, overrides));
  const client = context.clients.client;
  return vscode.window.withProgress(
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
}

/** Not awaited by the command: the notification may stay up long after the sandbox is ready. */
async function offerTerminal(context: CommandContext, sandbox: Sandbox): Promise<void> {
  const openTerminal = 'Open Terminal';
  try {
    const { runtime } = await sandbox.info();
    const choice =
      runtime === GVISOR_RUNTIME
        ? await vscode.window.showInformationMessage(`Sandbox "${sandbox.name}" is running under gVisor.`, openTerminal)
        : await vscode.window.showWarningMessage(
            `Sandbox "${sandbox.name}" is running with runtime "${runtime}": it is not isolated by gVisor.`,
            openTerminal,
          );
    if (choice === openTerminal) {
      await vscode.commands.executeCommand(CommandIds.openTerminal, sandbox.id);
    }
  } catch (err) {
    context.log.failure(`offering a terminal for ${sandbox.name}`, err);
  }
}
