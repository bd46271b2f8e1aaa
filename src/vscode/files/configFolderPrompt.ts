/**
 * The question Download from Sandbox asks before it writes .git or .vscode folders from a
 * sandbox: git runs hooks and obeys .git/config, VS Code runs tasks and applies settings from
 * .vscode, so those files would let code from the sandbox run on this machine. Pure, so it is
 * unit-tested; the command shows it as a modal.
 */
import type { ConfigFolderAnswer, ConfigFoldersFound } from '../../core/types';

export const WRITE_THEM = 'Write Them';
export const LEAVE_THEM_OUT = 'Leave Them Out';

export function configFolderQuestion(found: ConfigFoldersFound): { message: string; detail: string } {
  const folders = found.folders.map((f) => (f === '.' ? 'the folder itself (.git or .vscode)' : f));
  const hooks = found.hooks.length ? `, with git hooks (${list(found.hooks)})` : '';
  return {
    message: `The download contains ${list(folders)}${hooks}. Write ${folders.length === 1 && !hooks ? 'it' : 'them'} to this machine?`,
    detail:
      'Git runs the hooks in .git/hooks and obeys .git/config, which can name programs to run; VS Code runs tasks and applies settings from .vscode. ' +
      'Written here, code from the sandbox could run on this machine the next time you use git or open the folder. ' +
      'Leave them out unless you trust everything that ran in the sandbox; the rest of the download is written either way.',
  };
}

/** The modal's answer as the engine's; undefined (dismissed) means: cancel the download. */
export function answerOf(choice: string | undefined): ConfigFolderAnswer | undefined {
  if (choice === WRITE_THEM) return 'write';
  if (choice === LEAVE_THEM_OUT) return 'skip';
  return undefined;
}

function list(items: string[]): string {
  return items.length > 4 ? `${items.slice(0, 4).join(', ')} and ${items.length - 4} more` : items.join(', ');
}
