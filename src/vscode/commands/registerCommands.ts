/**
 * The one place commands are registered. Every handler runs inside the same wrapper, so all of
 * them log the same way, present errors the same way, and never leak an unhandled rejection.
 */
import * as vscode from 'vscode';
import { showErrorNotification } from '../errorNotification';
import { errorLogText, presentError } from '../errors';
import { addDockerEngine } from './addDockerEngine';
import { allowRefusedName } from './allowRefusedName';
import { checkSetup } from './checkSetup';
import type { CommandContext, CommandHandler } from './commandContext';
import { CommandIds, CommandTitles, type CommandId } from './commandIds';
import { copyTunnelUrl } from './copyTunnelUrl';
import { createFromTree } from './createFromTree';
import { createFromSnapshot } from './createFromSnapshot';
import { createSandbox } from './createSandbox';
import { downloadFromSandbox } from './downloadFromSandbox';
import { exportCaCertificate } from './exportCaCertificate';
import { forwardPort } from './forwardPort';
import { goToSandbox } from './goToSandbox';
import { openCreateForm } from './openCreateForm';
import { openInBrowser } from './openInBrowser';
import { openSandboxFolder } from './openSandboxFolder';
import { openTerminal } from './openTerminal';
import { recreateSandbox } from './recreateSandbox';
import { refreshSandboxes } from './refreshSandboxes';
import { runActiveFile } from './runActiveFile';
import { removeSnapshot } from './removeSnapshot';
import { applyReviewChanges, closeReview, discardReviewChanges, refreshReview, reviewChanges } from './reviewChanges';
import { runCommand } from './runCommand';
import { showDetails } from './showDetails';
import { showTerminalFromTree } from './showTerminalFromTree';
import { snapshotSandbox } from './snapshotSandbox';
import { stopForwarding } from './stopForwarding';
import { syncWorkspace } from './syncWorkspace';
import { terminateFromTree } from './terminateFromTree';
import { terminateSandbox } from './terminateSandbox';
import { terminateWorkspaceSandboxes } from './terminateWorkspaceSandboxes';
import { toggleNetwork } from './toggleNetwork';
import { uploadToSandbox } from './uploadToSandbox';
import { forkSandbox } from './forkSandbox';

const HANDLERS: Record<CommandId, CommandHandler> = {
  [CommandIds.createSandbox]: createSandbox,
  [CommandIds.openTerminal]: openTerminal,
  [CommandIds.runCommand]: runCommand,
  [CommandIds.terminateSandbox]: terminateSandbox,
  [CommandIds.toggleNetwork]: toggleNetwork,
  [CommandIds.checkSetup]: checkSetup,
  [CommandIds.forwardPort]: forwardPort,
  [CommandIds.stopForwarding]: stopForwarding,
  [CommandIds.openInBrowser]: openInBrowser,
  [CommandIds.copyTunnelUrl]: copyTunnelUrl,
  [CommandIds.exportCaCertificate]: exportCaCertificate,
  [CommandIds.refresh]: refreshSandboxes,
  [CommandIds.goToSandbox]: goToSandbox,
  [CommandIds.runActiveFile]: runActiveFile,
  [CommandIds.openCreateForm]: openCreateForm,
  [CommandIds.showDetails]: showDetails,
  [CommandIds.openSandboxFolder]: openSandboxFolder,
  [CommandIds.downloadFromSandbox]: downloadFromSandbox,
  [CommandIds.uploadToSandbox]: uploadToSandbox,
  [CommandIds.syncWorkspace]: syncWorkspace,
  [CommandIds.snapshotSandbox]: snapshotSandbox,
  [CommandIds.createFromSnapshot]: createFromSnapshot,
  [CommandIds.removeSnapshot]: removeSnapshot,
  [CommandIds.reviewChanges]: reviewChanges,
  [CommandIds.applyReviewChanges]: applyReviewChanges,
  [CommandIds.discardReviewChanges]: discardReviewChanges,
  [CommandIds.refreshReview]: refreshReview,
  [CommandIds.closeReview]: closeReview,
  [CommandIds.recreateSandbox]: recreateSandbox,
  [CommandIds.terminateWorkspaceSandboxes]: terminateWorkspaceSandboxes,
  [CommandIds.createFromTree]: createFromTree,
  [CommandIds.terminateFromTree]: terminateFromTree,
  [CommandIds.showTerminalFromTree]: showTerminalFromTree,
  [CommandIds.allowRefusedName]: allowRefusedName,
  [CommandIds.forkSandbox]: forkSandbox,
  [CommandIds.addDockerEngine]: addDockerEngine,
};

export function registerCommands(context: CommandContext): vscode.Disposable[] {
  return (Object.keys(HANDLERS) as CommandId[]).map((id) => vscode.commands.registerCommand(id, (...args: unknown[]) => invoke(context, id, args)));
}

/**
 * Runs a handler and returns its result, or `undefined` once a failure has been shown: the
 * error is reported here, so rethrowing would only make VS Code show a second, vaguer one.
 */
async function invoke(context: CommandContext, id: CommandId, args: unknown[]): Promise<unknown> {
  const started = Date.now();
  context.log.debug(`${id}: started`);
  try {
    const result = await HANDLERS[id](context, ...args);
    context.log.debug(`${id}: done in ${Date.now() - started} ms`);
    return result;
  } catch (err) {
    report(context, id, err);
    return undefined;
  }
}

function report(context: CommandContext, id: CommandId, err: unknown): void {
  const presentation = presentError(err, CommandTitles[id]);
  switch (presentation.kind) {
    case 'cancelled':
      context.log.info(`${id}: cancelled`);
      return;
    case 'actionable':
      // All of it, as the engine wrote it: the notification may show an excerpt and point here.
      context.log.error(`${id}: ${errorLogText(err)}`);
      break;
    case 'unexpected':
      context.log.failure(id, err);
      break;
  }
  // Not awaited: the notification stays up until dismissed, and the command must not wait for that.
  void showErrorNotification(context.log, presentation).catch((notifyErr: unknown) => context.log.failure('notification', notifyErr));
}
