/**
 * "Fork Sandbox": a new sandbox with a running one's files and, as the engine's `sandbox.fork()`
 * gives it, the same network policy and forwarded ports (a filesystem snapshot, then a create
 * from it: processes and memory are not carried over, docs/benchmarks.md "fork" says why). It
 * takes about 20 s here, so it shows its steps and can be cancelled; a fork that is not made
 * leaves nothing behind (no sandbox, no snapshot). Through the change service, so the view shows
 * the fork (and reveals it). Returns the fork's id.
 * Arguments: a sandbox (id or tree item); then, for scripts and tests, `{ name }` (no prompt).
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import { validateSandboxName } from '../../shared/sandboxName';
import { requireRunning, resolveSandbox } from './pickSandbox';
import type { CommandContext } from './commandContext';
import { showInformationMessage, showInputBox, withProgress } from '../uiText';

export async function forkSandbox(context: CommandContext, sandboxArg?: unknown, optionsArg?: unknown): Promise<string | undefined> {
  const sandbox = await resolveSandbox(context, sandboxArg, { title: 'Fork Sandbox' });
  if (!sandbox) return undefined;
  await requireRunning(sandbox, 'start a fork');
  const name = optionsArg === undefined ? await askName(sandbox) : nameFromArg(optionsArg);
  if (name === undefined) return undefined;
  const fork = await withProgress({ location: vscode.ProgressLocation.Notification, title: `Forking sandbox ${sandbox.name}`, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const cancellation = token.onCancellationRequested(() => abort.abort());
    try {
      const made = await context.changes.fork(sandbox, name ? { name } : {}, { signal: abort.signal, onProgress: (message) => progress.report({ message }) });
      if (token.isCancellationRequested) {
        // Cancelled as the fork finished: the user asked for none, so leave none behind.
        await context.changes.terminate(made).catch((err: unknown) => context.log.failure(`terminating ${made.name}`, err));
        throw new vscode.CancellationError();
      }
      return made;
    } finally {
      cancellation.dispose();
    }
  });
  context.log.info(`Forked sandbox ${sandbox.name} as ${fork.name} (${fork.id}).`);
  void context.sandboxesView.reveal(fork.id, { focus: false }).catch((err: unknown) => context.log.failure('revealing the fork', err));
  void showInformationMessage(`Sandbox "${fork.name}" is a fork of "${sandbox.name}": the same files and network policy; processes were not carried over.`);
  return fork.id;
}

/** The fork's name ('' for a generated one), or undefined when the user dismissed the prompt. */
function askName(sandbox: Sandbox): Thenable<string | undefined> {
  return showInputBox({
    title: `Fork Sandbox ${sandbox.name}`,
    prompt: `A new sandbox with the files and network policy of "${sandbox.name}" (running processes are not carried over). Press Enter for a generated name.`,
    placeHolder: 'Name (optional)',
    validateInput: validateSandboxName,
  }).then((value) => value?.trim());
}

function nameFromArg(arg: unknown): string {
  const name = arg && typeof arg === 'object' ? (arg as { name?: unknown }).name : undefined;
  if (name === undefined) return '';
  if (typeof name !== 'string' || validateSandboxName(name)) throw new TypeError(`Expected { name } with a valid sandbox name, got ${JSON.stringify(arg)}.`);
  return name;
}
