/**
 * Turns an error presentation (errors.ts) into a notification whose buttons act: commands and
 * background services (network settings re-apply) show failures the same way.
 */
import * as vscode from 'vscode';
import { CommandIds } from './commands/commandIds';
import { settingsSearchQuery, type ErrorAction, type ErrorPresentation } from './errors';
import type { ExtensionLog } from './log';
import { showErrorMessage } from './uiText';

const ACTION_LABELS: Record<ErrorAction, string> = {
  checkSetup: 'Check Setup',
  openSettings: 'Open Settings',
  showLog: 'Show Log',
};

/** Resolves once the notification is dismissed or its button has run; callers normally do not wait. */
export async function showErrorNotification(log: ExtensionLog, presentation: Exclude<ErrorPresentation, { kind: 'cancelled' }>): Promise<void> {
  const labels = presentation.actions.map((action) => ACTION_LABELS[action]);
  const picked = await showErrorMessage(presentation.text, ...labels);
  const action = presentation.actions.find((candidate) => ACTION_LABELS[candidate] === picked);
  switch (action) {
    case 'checkSetup':
      await vscode.commands.executeCommand(CommandIds.checkSetup);
      break;
    case 'openSettings': {
      const keys = presentation.kind === 'actionable' ? presentation.settingKeys : [];
      await vscode.commands.executeCommand('workbench.action.openSettings', settingsSearchQuery(keys));
      break;
    }
    case 'showLog':
      log.show();
      break;
    case undefined:
      break;
  }
}
