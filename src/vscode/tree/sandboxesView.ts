/**
 * The Sandboxes view in the activity bar: owns the shared sandbox list, the tree and what keeps
 * both current, and sets the context keys its welcome content depends on
 * (`sandboxes:dockerState`, `sandboxes:hasSandboxes`).
 */
import * as vscode from 'vscode';
import type { SandboxClientService } from '../client';
import { Disposable } from '../dispose';
import type { ExtensionLog } from '../log';
import type { SandboxChange } from '../sandboxChanges';
import { DockerStateContextKey, HasSandboxesContextKey } from './dockerState';
import { RefreshManager } from './refreshManager';
import { SandboxList } from './sandboxList';
import { SandboxTreeProvider, type TunnelSource } from './sandboxTreeProvider';
import { groupNodesOf, sandboxNodesOf, type TreeNode } from './treeNodes';
import { currentWorkspaceTag } from '../settings';
import { snapshotTree, type NodeSnapshot } from './treeSnapshot';

export const SANDBOXES_VIEW_ID = 'sandboxes.views.sandboxes';

/**
 * Test-only: the tree as its provider gives it to VS Code (`{ depth }`, default 3). Not
 * contributed in package.json, so it is in no palette or menu.
 */
export const TREE_SNAPSHOT_COMMAND = 'sandboxes.tree.snapshot';

export class SandboxesView extends Disposable {
  /** Also what the status bar shows. */
  readonly list: SandboxList;
  private readonly refresher: RefreshManager;
  private readonly provider: SandboxTreeProvider;
  private readonly treeView: vscode.TreeView<TreeNode>;
  private readonly contextKeys = new Map<string, unknown>();
  private readonly onDidSelectEmitter = this._register(new vscode.EventEmitter<string[]>());
  /** The sandboxes selected in the tree (a row below a sandbox selects it), for the status bar. */
  readonly onDidSelect = this.onDidSelectEmitter.event;

  /**
   * `changes`: what tells of changes Docker reports no event for. `tunnels`: this window's
   * forwarded ports (default: the engine's tunnel registry, which says nothing when they change);
   * `sandboxes`: the changes this extension made (sandboxChanges.ts), the one path every command
   * and service takes, so none has to tell the view itself.
   */
  constructor(
    clients: SandboxClientService,
    log: ExtensionLog,
    changes: { tunnels?: TunnelSource; sandboxes?: vscode.Event<SandboxChange>; workspaceTag?: () => string } = {},
  ) {
    super();
    const { tunnels } = changes;
    this.list = this._register(new SandboxList(clients, log));
    this.refresher = this._register(new RefreshManager(this.list, clients, log));
    const tunnelSource = tunnels ?? { list: (sandboxId: string) => clients.clientFor(sandboxId).tunnelRegistry.get(sandboxId) };
    this.provider = this._register(new SandboxTreeProvider(this.list, tunnelSource, changes.workspaceTag ?? currentWorkspaceTag));
    this.treeView = this._register(vscode.window.createTreeView(SANDBOXES_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true, canSelectMany: true }));
    this._register(this.treeView.onDidChangeSelection((event) => this.onDidSelectEmitter.fire(selectedSandboxIds(event.selection))));

    this._register(this.treeView.onDidChangeVisibility((event) => this.refresher.setVisible(event.visible)));
    this.refresher.setVisible(this.treeView.visible);
    this._register(this.refresher.onDidTick(() => this.provider.refresh()));
    if (tunnelSource.onDidChange) {
      this._register(tunnelSource.onDidChange((change) => this.refresher.request({ network: change.sandboxId ?? 'all' })));
    }
    if (changes.sandboxes) {
      this._register(changes.sandboxes((change) => this.onSandboxChanged(change)));
    }
    this._register(this.list.onDidChange(() => this.showState()));
    this._register(
      vscode.commands.registerCommand(TREE_SNAPSHOT_COMMAND, (options?: { depth?: number; groups?: boolean }) => this.snapshot(options?.depth, { groups: options?.groups })),
    );
  }

  /**
   * Loads the list again now and resolves once the view shows it. `sandboxId`: only that
   * sandbox's network policy is read again; otherwise every one is, and the runtimes too.
   */
  refresh(sandboxId?: string): Promise<void> {
    return this.refresher.refreshNow(sandboxId === undefined ? { network: 'all', rereadRuntimes: true } : { network: sandboxId });
  }

  /**
   * Docker's events reach the view only while it is visible, and say nothing of network policies
   * or snapshots: what someone waits to see is loaded now, the rest with the next debounced load.
   */
  private onSandboxChanged(change: SandboxChange): void {
    if (change.background) {
      this.refresher.request({ network: change.id ?? 'all' });
    } else {
      void this.refresh(change.id);
    }
  }

  /** Shows the view with the sandbox selected and expanded; `focus: false` leaves the keyboard focus where it is. */
  async reveal(sandboxId: string, options: { focus?: boolean } = {}): Promise<void> {
    let node = await this.rootNode(sandboxId);
    if (!node) {
      // Created a moment ago: its Docker event may not have been handled yet.
      await this.refresh(sandboxId);
      node = await this.rootNode(sandboxId);
    }
    if (node) {
      await this.treeView.reveal(node, { select: true, focus: options.focus ?? true, expand: true });
    }
  }

  /**
   * Keeps the shared list current from Docker's events, also while the view is hidden, until
   * disposed: for panels that show a sandbox live.
   */
  watch(): vscode.Disposable {
    return this.refresher.hold();
  }

  /**
   * The tree as VS Code gets it from the provider, for tests. `groups: false` (the default) lists
   * the sandboxes of every group at the top, as tests written before the groups expect.
   */
  async snapshot(depth = 3, options: { groups?: boolean } = {}): Promise<NodeSnapshot[]> {
    if (options.groups) return snapshotTree(this.provider, depth);
    const sandboxes = sandboxNodesOf(await this.provider.roots());
    return snapshotTree(this.provider, depth, undefined, sandboxes);
  }

  /** The sandboxes this window created that are still there (Terminate All in This Workspace). */
  async workspaceSandboxIds(): Promise<string[]> {
    await this.list.whenLoaded();
    const roots = await this.provider.roots();
    return groupNodesOf(roots).flatMap((group) => (group.group === 'workspace' ? group.sandboxes.map((s) => s.sandboxId) : []));
  }

  private async rootNode(sandboxId: string): Promise<TreeNode | undefined> {
    const roots = await this.provider.roots();
    return sandboxNodesOf(roots).find((node) => node.sandboxId === sandboxId);
  }

  /** The welcome content says what is wrong when the tree is empty; the message, when it is not. */
  private showState(): void {
    const { dockerState, sandboxes, problem, runtime } = this.list.current;
    this.setContext(DockerStateContextKey, dockerState);
    this.setContext(HasSandboxesContextKey, sandboxes.length > 0);
    let message = '';
    if (problem && dockerState !== 'unreachable') {
      message = `Could not list the sandboxes: ${problem}`;
    } else if (dockerState === 'runtimeMissing' && sandboxes.length > 0) {
      message = `The runtime "${runtime}" is not registered with Docker, so no new sandbox can be created. Run "Sandboxes: Check Setup" for the fix.`;
    }
    if (this.treeView.message !== message) {
      this.treeView.message = message;
    }
    // The warm pool is never shown as sandboxes: with one engine (no engine nodes) the view's
    // title says how many are ready; with several, each engine's node does.
    const pool = this.list.current.engines === undefined && this.list.current.poolReady !== undefined ? `pool: ${this.list.current.poolReady} ready` : undefined;
    if (this.treeView.description !== pool) this.treeView.description = pool;
  }

  private setContext(key: string, value: unknown): void {
    if (this.contextKeys.get(key) === value) return;
    this.contextKeys.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }
}

/** The sandboxes a selection is about: a sandbox row, or any row below one; each once. */
function selectedSandboxIds(selection: readonly TreeNode[]): string[] {
  return [
    ...new Set(
      selection.flatMap((node) => (node.kind === 'engine' || node.kind === 'group' || node.kind === 'snapshotSection' || node.kind === 'snapshot' ? [] : [node.sandboxId])),
    ),
  ];
}
