/**
 * Which workspace folders a new sandbox gets: none, the only one, or — in a multi-root
 * workspace — the one the user picks, or all of them side by side.
 */
import * as vscode from 'vscode';
import type { WorkspaceMountSettings } from './mountSettings';
import { defaultMountChoice, mountChoices, type MountChoice } from './workspaceMounts';

interface ChoiceItem extends vscode.QuickPickItem {
  choice: MountChoice | undefined;
}

const MODE_WORDS: Record<Exclude<WorkspaceMountSettings['mode'], 'none'>, string> = {
  copy: 'copied into',
  readonly: 'mounted read-only in',
  readwrite: 'mounted read-write in',
};

/** The choices the settings and this window's folders allow (see workspaceMounts.ts). */
export function currentMountChoices(settings: WorkspaceMountSettings): MountChoice[] {
  return mountChoices(settings, vscode.workspace.workspaceFolders ?? []);
}

/**
 * `ask`: with several folders, a QuickPick (dismissing it cancels the command); without, or with
 * one folder, no question. `undefined`: no folder for the sandbox.
 */
export async function chooseWorkspaceMounts(settings: WorkspaceMountSettings, choices: MountChoice[], ask: boolean): Promise<MountChoice | undefined> {
  if (!ask || choices.length < 2 || settings.mode === 'none') {
    return defaultMountChoice(choices);
  }
  const items: ChoiceItem[] = [
    ...choices.map((choice) => ({ label: choice.label, description: choice.description, choice })),
    { label: '', kind: vscode.QuickPickItemKind.Separator, choice: undefined },
    { label: 'No folder', description: 'the sandbox starts from its image only', choice: undefined },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Create Sandbox',
    placeHolder: `Which folder should be ${MODE_WORDS[settings.mode]} the sandbox? (setting sandboxes.workspace.mount)`,
  });
  if (!picked) {
    throw new vscode.CancellationError();
  }
  return picked.choice;
}
