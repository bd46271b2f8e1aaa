/**
 * "Sandboxes that die behind your back": when a sandbox of this workspace stops without anyone
 * here asking (killed from outside, out of memory, its timeout, a Docker restart), one
 * notification says why and offers Recreate; several ending together (a Docker restart ends them
 * all) share one notification. The tree shows the same reason on the row (tree/endingText.ts).
 */
import * as vscode from 'vscode';
import type { SandboxInfo } from '../../core/types';
import { CommandIds } from '../commands/commandIds';
import { Disposable } from '../dispose';
import type { ExtensionLog } from '../log';
import { WORKSPACE_TAG } from '../network/workspaceTag';
import type { SandboxChanges } from '../sandboxChanges';
import { currentWorkspaceTag } from '../settings';
import type { SandboxList } from '../tree/sandboxList';
import { endedNotice } from '../tree/endingText';
import { showWarningMessage } from '../uiText';
import { EndedTracker } from './endedTracker';

/** Sandboxes that end within this of each other get one notification. */
const COALESCE_MS = 1500;

export class EndedNotifier extends Disposable {
  private readonly tracker = new EndedTracker();
  private pending: SandboxInfo[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Keeps the list current from Docker's events while this workspace has a sandbox running, also with the view hidden. */
  private watching: vscode.Disposable | undefined;
  private readonly list: SandboxList;

  constructor(
    private readonly view: { readonly list: SandboxList; watch(): vscode.Disposable },
    private readonly changes: Pick<SandboxChanges, 'wasAskedToEnd'>,
    private readonly log: ExtensionLog,
    private readonly workspaceTag: () => string = currentWorkspaceTag,
  ) {
    super();
    this.list = view.list;
    this._register(this.list.onDidChange(() => this.onListChanged()));
    this._register({
      dispose: () => {
        clearTimeout(this.timer);
        this.watching?.dispose();
      },
    });
  }

  private onListChanged(): void {
    const { dockerState, sandboxes } = this.list.current;
    // While the engine is away nothing is known; what ended shows once it answers again.
    if (dockerState === 'unreachable' || dockerState === undefined) return;
    const tag = this.workspaceTag();
    const mine = (info: SandboxInfo) => info.tags[WORKSPACE_TAG] === tag;
    const ended = this.tracker.update(sandboxes, mine, (id) => this.changes.wasAskedToEnd(id));
    const anyRunning = sandboxes.some((info) => info.state === 'running' && mine(info));
    if (anyRunning && !this.watching) {
      this.watching = this.view.watch();
    } else if (!anyRunning && this.watching) {
      this.watching.dispose();
      this.watching = undefined;
    }
    if (ended.length === 0) return;
    this.pending.push(...ended);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.notify(), COALESCE_MS);
  }

  private async notify(): Promise<void> {
    const ended = this.pending;
    this.pending = [];
    if (this.isDisposed || ended.length === 0) return;
    const items = ended.map((info) => ({ info, name: info.name, ending: this.list.endingOf(info) ?? { reason: 'exited' as const, exitCode: info.exitCode ?? 0 } }));
    const message = endedNotice(items);
    this.log.warn(message);
    const recreate = ended.length === 1 ? 'Recreate…' : 'Recreate All…';
    const show = 'Show in Sandboxes View';
    const choice = await showWarningMessage(message, recreate, show);
    if (choice === recreate) {
      for (const { info } of items) {
        // One question per sandbox: each has its own stopped container to keep or remove.
        await vscode.commands.executeCommand(CommandIds.recreateSandbox, info.id);
      }
    } else if (choice === show) {
      await vscode.commands.executeCommand(CommandIds.goToSandbox, ended[0]?.id);
    }
  }
}
