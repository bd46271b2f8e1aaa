/** What every node of the Sandboxes tree presents (nodePresentation.ts, enginePresentation.ts make them). */

/** The `contextValue`s package.json's menus match with `viewItem`. */
export const ContextValues = {
  runningSandbox: 'runningSandbox',
  stoppedSandbox: 'stoppedSandbox',
  networkPolicy: 'networkPolicy',
  allowlistEntry: 'allowlistEntry',
  ports: 'ports',
  forwardedPort: 'forwardedPort',
  terminals: 'terminals',
  sandboxTerminal: 'sandboxTerminal',
  snapshots: 'snapshots',
  snapshot: 'snapshot',
  workspaceGroup: 'workspaceGroup',
  othersGroup: 'othersGroup',
  snapshotSection: 'snapshotSection',
  engine: 'engine',
  unreachableEngine: 'unreachableEngine',
} as const;

export interface NodeIcon {
  /** A codicon id, e.g. `vm-running`. */
  id: string;
  /** A theme color id, e.g. `testing.iconPassed`. */
  color?: string;
}

export interface NodePresentation {
  /** Stable across refreshes, so VS Code keeps selection and expansion. */
  id: string;
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  icon: NodeIcon;
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}
