/**
 * Whether the user has created a sandbox in this workspace before (VS Code's `workspaceState`):
 * the automatic `sandboxes.pool.size` keeps a sandbox started ahead only where people create them
 * (create/poolSettings.ts `poolSizeFor`). Set by Create Sandbox (creationService.ts).
 */
import type * as vscode from 'vscode';

const CREATED_HERE = 'sandboxes.pool.createdHere';

export class PoolPreference {
  constructor(private readonly state: vscode.Memento) {}

  createdHere(): boolean {
    return this.state.get<boolean>(CREATED_HERE) === true;
  }

  noteCreated(): void {
    if (!this.createdHere()) void this.state.update(CREATED_HERE, true);
  }
}
