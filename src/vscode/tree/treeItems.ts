/** A node's presentation (nodePresentation.ts) as the `vscode.TreeItem` VS Code renders. */
import * as vscode from 'vscode';
import { CommandIds } from '../commands/commandIds';
import { presentNode, type NodePresentation } from './nodePresentation';
import type { TreeNode } from './treeNodes';
import { untrustedMarkdown } from '../uiText';

const COLLAPSIBLE: Record<NodePresentation['collapsible'], vscode.TreeItemCollapsibleState> = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
};

export function toTreeItem(node: TreeNode, now: Date): vscode.TreeItem {
  const presentation = presentNode(node, now);
  const item = new vscode.TreeItem(presentation.label, COLLAPSIBLE[presentation.collapsible]);
  item.id = presentation.id;
  item.description = presentation.description;
  item.tooltip = untrustedMarkdown(presentation.tooltip);
  item.iconPath = new vscode.ThemeIcon(presentation.icon.id, presentation.icon.color ? new vscode.ThemeColor(presentation.icon.color) : undefined);
  item.contextValue = presentation.contextValue;
  if (node.kind === 'terminal') {
    item.command = { command: CommandIds.showTerminalFromTree, title: 'Show Terminal', arguments: [node] };
  }
  return item;
}
