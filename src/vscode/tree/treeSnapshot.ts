/**
 * The tree as data, read through the provider exactly as VS Code reads it: what the in-host tests
 * assert on (the test-only command `sandboxes.tree.snapshot`), since a tree's rendering is out of
 * an extension's reach.
 */
import type * as vscode from 'vscode';

export interface NodeSnapshot {
  label: string;
  description: string;
  contextValue: string | undefined;
  tooltip: string;
  /** Present down to the requested depth. */
  children?: NodeSnapshot[];
}

/** `depth` 1: the sandboxes only; 2: with Network, Ports, Terminals; 3: with their entries. */
export async function snapshotTree<T>(provider: vscode.TreeDataProvider<T>, depth: number, parent?: T, top?: readonly T[]): Promise<NodeSnapshot[]> {
  const nodes = top ?? (await provider.getChildren(parent)) ?? [];
  return Promise.all(
    nodes.map(async (node) => {
      let item = await provider.getTreeItem(node);
      // As VS Code does on hover: a tooltip left undefined is resolved (the live network policy).
      if (item.tooltip === undefined && provider.resolveTreeItem) {
        item = (await provider.resolveTreeItem(item, node, NEVER_CANCELLED)) ?? item;
      }
      const snapshot: NodeSnapshot = {
        label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
        description: typeof item.description === 'string' ? item.description : '',
        contextValue: item.contextValue,
        tooltip: typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? ''),
      };
      if (depth > 1) {
        snapshot.children = await snapshotTree(provider, depth - 1, node);
      }
      return snapshot;
    }),
  );
}

/** A token nothing cancels (this module stays free of vscode values). */
const NEVER_CANCELLED = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) } as unknown as vscode.CancellationToken;
