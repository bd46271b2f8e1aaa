/** The part of `vscode.WorkspaceConfiguration` the pure settings readers use, so tests need no VS Code. */
export interface SettingsReader {
  get(key: string): unknown;
}
