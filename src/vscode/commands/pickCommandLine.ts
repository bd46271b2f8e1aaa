/**
 * The command line for "Run Command in Sandbox…": a QuickPick that takes a new command line as
 * typed and lists this workspace's recent ones (commandHistory.ts), most recent first, each
 * with a button to forget it, and a "Clear History" item.
 */
import * as vscode from 'vscode';
import type { CommandHistory } from './commandHistory';

interface LineItem extends vscode.QuickPickItem {
  line?: string;
  clear?: true;
}

const REMOVE_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('close'), tooltip: 'Remove from History' };

/** `undefined` when dismissed. */
export async function pickCommandLine(history: CommandHistory, title: string): Promise<string | undefined> {
  const quickPick = vscode.window.createQuickPick<LineItem>();
  quickPick.title = title;
  quickPick.placeholder = 'A command line for /bin/sh -c, e.g. pip list — or pick a recent one';
  quickPick.matchOnDescription = false;
  const refresh = () => {
    quickPick.items = items(history.entries, quickPick.value);
  };
  refresh();
  quickPick.onDidChangeValue(refresh);
  quickPick.onDidTriggerItemButton(async ({ item }) => {
    if (item.line !== undefined) {
      await history.remove(item.line);
      refresh();
    }
  });
  try {
    return await new Promise<string | undefined>((resolve) => {
      quickPick.onDidAccept(async () => {
        const [item] = quickPick.selectedItems;
        if (item?.clear) {
          await history.clear();
          refresh();
          return;
        }
        const line = (item?.line ?? quickPick.value).trim();
        if (line !== '') {
          resolve(line);
          quickPick.hide();
        }
      });
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.show();
    });
  } finally {
    quickPick.dispose();
  }
}

function items(entries: string[], typed: string): LineItem[] {
  const line = typed.trim();
  const result: LineItem[] = [];
  if (line !== '' && !entries.includes(line)) {
    result.push({ label: escapeIcons(line), description: 'run', line, alwaysShow: true });
  }
  if (entries.length > 0) {
    result.push({ label: 'recent', kind: vscode.QuickPickItemKind.Separator });
    result.push(...entries.map((entry) => ({ label: escapeIcons(entry), line: entry, buttons: [REMOVE_BUTTON] })));
    result.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    result.push({ label: '$(clear-all) Clear History', clear: true, alwaysShow: true });
  }
  return result;
}

/** Labels render `$(name)` as an icon; a command line such as `echo $(date)` must show as typed. */
function escapeIcons(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}
