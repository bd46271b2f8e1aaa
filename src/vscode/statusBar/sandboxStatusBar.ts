/**
 * The status bar item: how many sandboxes of this workspace run and the network of the active one
 * (the one selected in the Sandboxes view, else the sandbox of the active terminal, else this
 * workspace's newest). Clicking it picks a sandbox and shows it in the
 * Sandboxes view. Hidden while none runs.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../commands/commandIds';
import { Disposable } from '../dispose';
import { sandboxNameOfTerminal } from '../tree/sandboxTerminals';
import type { SandboxList } from '../tree/sandboxList';
import { activeSandbox, statusPresentation, type StatusPresentation } from './statusText';
import { untrustedMarkdown } from '../uiText';
import type { SandboxInfo } from '../../core/types';
import { WORKSPACE_TAG } from '../network/workspaceTag';
import { currentWorkspaceTag } from '../settings';

export class SandboxStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('sandboxes.status', vscode.StatusBarAlignment.Left, 50));
  /** Bumped on every update, so a slow network read does not overwrite a newer state. */
  private generation = 0;
  private readonly workspaceTag: () => string;

  /** What the Sandboxes view has selected: its policy is the one shown. */
  private selected: readonly string[] = [];

  constructor(
    private readonly list: SandboxList,
    options: { onDidSelect?: vscode.Event<string[]>; workspaceTag?: () => string } = {},
  ) {
    super();
    this.workspaceTag = options.workspaceTag ?? currentWorkspaceTag;
    if (options.onDidSelect) {
      this._register(
        options.onDidSelect((ids) => {
          this.selected = ids;
          void this.update();
        }),
      );
    }
    this.item.name = 'Sandboxes';
    this.item.command = CommandIds.goToSandbox;
    this._register(list.onDidChange(() => void this.update()));
    this._register(vscode.window.onDidChangeActiveTerminal(() => void this.update()));
    this._register(vscode.window.onDidCloseTerminal(() => void this.update()));
    // Off the activation path (the first listing loads the engine); the list tells when it is in.
    setImmediate(() => void list.whenLoaded());
  }

  private async update(): Promise<void> {
    const generation = ++this.generation;
    const running = this.list.current.dockerState === 'unreachable' ? [] : this.list.running;
    const terminal = vscode.window.activeTerminal;
    const tag = this.workspaceTag();
    const mine = (info: SandboxInfo) => info.tags[WORKSPACE_TAG] === tag;
    const count = running.filter(mine).length;
    const active = activeSandbox(running, terminal && sandboxNameOfTerminal(terminal), { selected: this.selected, mine });
    this.show(statusPresentation(count, active, active && this.list.knownNetworkState(active.info.id), 'workspace'));
    if (!active) {
      return;
    }
    const network = await this.list.networkState(active.info);
    if (generation === this.generation && !(network instanceof Error)) {
      this.show(statusPresentation(count, active, network, 'workspace'));
    }
  }

  private show(presentation: StatusPresentation | undefined): void {
    if (!presentation) {
      this.item.hide();
      return;
    }
    this.item.text = presentation.text;
    this.item.tooltip = untrustedMarkdown(presentation.tooltip);
    this.item.accessibilityInformation = { label: presentation.accessibilityLabel };
    this.item.show();
  }
}
