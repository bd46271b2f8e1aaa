/**
 * The Sandboxes tree's data provider: sandboxes from the shared list, and below each running one
 * its network policy, forwarded ports, this window's terminals in it and its snapshots. `refresh(node?)` redraws;
 * what to load and when is decided elsewhere (refreshManager.ts).
 */
import * as vscode from 'vscode';
import type { Tunnel } from '../../core/types';
import { Disposable } from '../dispose';
import type { SandboxList } from './sandboxList';
import { sandboxNameOfTerminal, terminalsOfSandbox } from './sandboxTerminals';
import { toTreeItem } from './treeItems';
import { engineRoots, groupChildren, isRunning, sandboxChildren, treeRoots, type RootSources, type TreeNode } from './treeNodes';

/** Where the tree reads this window's tunnels; ports/tunnelService.ts's `TunnelService` fits. */
export interface TunnelSource {
  list(sandboxId: string): readonly Tunnel[];
  /** Fires when a sandbox's tunnels (and so its forwards) changed; `undefined`: any sandbox's. */
  readonly onDidChange?: vscode.Event<{ sandboxId: string | undefined }>;
}

export class SandboxTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly onDidChangeTreeDataEmitter = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.onDidChangeTreeDataEmitter.event;

  constructor(
    private readonly list: SandboxList,
    private readonly tunnels: TunnelSource,
    /** This window's workspace tag: its sandboxes are grouped first. */
    private readonly workspaceTag: () => string,
  ) {
    super();
    this._register(list.onDidChange(() => this.refresh()));
    const onSandboxTerminal = (terminal: vscode.Terminal | undefined) => {
      if (terminal && sandboxNameOfTerminal(terminal) !== undefined) this.refresh();
    };
    this._register(vscode.window.onDidOpenTerminal(onSandboxTerminal));
    this._register(vscode.window.onDidCloseTerminal(onSandboxTerminal));
    this._register(
      vscode.window.onDidChangeActiveTerminal(() => {
        if (vscode.window.terminals.some((t) => sandboxNameOfTerminal(t) !== undefined)) this.refresh();
      }),
    );
  }

  /** Redraws a node and what is below it, or the whole tree. */
  refresh(node?: TreeNode): void {
    this.onDidChangeTreeDataEmitter.fire(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = toTreeItem(node, new Date());
    // The policy in force is not known yet: left for resolveTreeItem, which reads it on hover, so
    // the tooltip shows the current policy, never the mode recorded at creation (issue #14).
    if (needsLiveNetwork(node)) item.tooltip = undefined;
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    if (!needsLiveNetwork(node) || node.kind !== 'sandbox') return item;
    const network = await this.list.networkState(node.info);
    item.tooltip = toTreeItem({ ...node, network: network instanceof Error ? undefined : network }, new Date()).tooltip;
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      await this.list.whenLoaded();
      return this.roots();
    }
    if (node.kind !== 'sandbox') {
      return groupChildren(node);
    }
    if (!isRunning(node.info)) {
      return [];
    }
    const [network, snapshots] = await Promise.all([this.list.networkState(node.info), this.list.snapshotsOf(node.sandboxId)]);
    return sandboxChildren(node, {
      network,
      snapshots,
      tunnels: this.tunnels.list(node.sandboxId),
      terminals: terminalsOfSandbox(vscode.window.terminals, node.info.name),
      activeTerminal: vscode.window.activeTerminal,
    });
  }

  /**
   * The top level as it is now, from the shared list: groups and snapshots, or with more than one
   * engine one node per engine with its groups and snapshots below it.
   */
  async roots(): Promise<TreeNode[]> {
    const sources: RootSources = {
      workspaceTag: this.workspaceTag(),
      knownNetwork: (id) => this.list.knownNetworkState(id),
      endingOf: (id) => {
        const info = this.list.current.sandboxes.find((s) => s.id === id);
        return info && this.list.endingOf(info);
      },
    };
    const engines = this.list.current.engines;
    if (engines) {
      const snapshots = await Promise.all(engines.map((e) => (e.unreachable ? [] : this.list.allSnapshots(e.engine.key))));
      return engineRoots(
        engines.map((listing, i) => ({ ...listing, snapshots: snapshots[i] })),
        sources,
      );
    }
    return treeRoots(this.list.current.sandboxes, { ...sources, snapshots: await this.list.allSnapshots() });
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }
}

function needsLiveNetwork(node: TreeNode): boolean {
  return node.kind === 'sandbox' && node.network === undefined && isRunning(node.info);
}
