/**
 * Command ids, used by the registry, by buttons that chain commands and by tests. package.json
 * contributes the same ids (test/unit/packageJson.test.ts keeps them in step).
 */
export const CommandIds = {
  createSandbox: 'sandboxes.createSandbox',
  openTerminal: 'sandboxes.openTerminal',
  runCommand: 'sandboxes.runCommand',
  terminateSandbox: 'sandboxes.terminateSandbox',
  /** "Set Network Policy…"; the id keeps its old name (Toggle Network) so keybindings, links and callers keep working. */
  toggleNetwork: 'sandboxes.toggleNetwork',
  checkSetup: 'sandboxes.checkSetup',
  forwardPort: 'sandboxes.forwardPort',
  stopForwarding: 'sandboxes.stopForwarding',
  openInBrowser: 'sandboxes.openInBrowser',
  copyTunnelUrl: 'sandboxes.copyTunnelUrl',
  exportCaCertificate: 'sandboxes.exportCaCertificate',
  refresh: 'sandboxes.refresh',
  goToSandbox: 'sandboxes.goToSandbox',
  runActiveFile: 'sandboxes.runActiveFile',
  openCreateForm: 'sandboxes.openCreateForm',
  showDetails: 'sandboxes.showDetails',
  openSandboxFolder: 'sandboxes.openSandboxFolder',
  downloadFromSandbox: 'sandboxes.downloadFromSandbox',
  uploadToSandbox: 'sandboxes.uploadToSandbox',
  syncWorkspace: 'sandboxes.syncWorkspace',
  snapshotSandbox: 'sandboxes.snapshotSandbox',
  createFromSnapshot: 'sandboxes.createFromSnapshot',
  removeSnapshot: 'sandboxes.removeSnapshot',
  reviewChanges: 'sandboxes.reviewChanges',
  // Source Control actions of a review (also from the Command Palette, for the review shown).
  applyReviewChanges: 'sandboxes.review.apply',
  discardReviewChanges: 'sandboxes.review.discard',
  refreshReview: 'sandboxes.review.refresh',
  closeReview: 'sandboxes.review.close',
  recreateSandbox: 'sandboxes.recreateSandbox',
  terminateWorkspaceSandboxes: 'sandboxes.terminateWorkspaceSandboxes',
  // Tree-only (hidden from the Command Palette): they adapt what a tree menu passes.
  createFromTree: 'sandboxes.tree.createSandbox',
  terminateFromTree: 'sandboxes.tree.terminateSandbox',
  showTerminalFromTree: 'sandboxes.tree.showTerminal',
  // Hidden: the refusal notification's actions (network/refusalWatcher.ts), callable by tests.
  allowRefusedName: 'sandboxes.allowRefusedName',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];

/** Titles as shown in the Command Palette, for messages such as "Create Sandbox failed: …". */
export const CommandTitles: Record<CommandId, string> = {
  [CommandIds.createSandbox]: 'Create Sandbox',
  [CommandIds.openTerminal]: 'Open Terminal',
  [CommandIds.runCommand]: 'Run Command in Sandbox…',
  [CommandIds.terminateSandbox]: 'Terminate Sandbox',
  [CommandIds.toggleNetwork]: 'Set Network Policy…',
  [CommandIds.checkSetup]: 'Check Setup',
  [CommandIds.forwardPort]: 'Forward Port…',
  [CommandIds.stopForwarding]: 'Stop Forwarding Port…',
  [CommandIds.openInBrowser]: 'Open Forwarded Port in Browser',
  [CommandIds.copyTunnelUrl]: 'Copy Forwarded Port URL',
  [CommandIds.exportCaCertificate]: 'Export CA Certificate…',
  [CommandIds.refresh]: 'Refresh',
  [CommandIds.goToSandbox]: 'Go to Sandbox…',
  [CommandIds.runActiveFile]: 'Run Active File in Sandbox',
  [CommandIds.openCreateForm]: 'Create Sandbox (Form)…',
  [CommandIds.showDetails]: 'Show Sandbox Details',
  [CommandIds.openSandboxFolder]: 'Open Sandbox Folder in Explorer',
  [CommandIds.downloadFromSandbox]: 'Download from Sandbox…',
  [CommandIds.uploadToSandbox]: 'Upload to Sandbox…',
  [CommandIds.syncWorkspace]: 'Sync Workspace to Sandbox',
  [CommandIds.snapshotSandbox]: 'Snapshot Sandbox',
  [CommandIds.createFromSnapshot]: 'Create Sandbox from Snapshot',
  [CommandIds.removeSnapshot]: 'Remove Snapshot…',
  [CommandIds.reviewChanges]: 'Review Sandbox Changes',
  [CommandIds.applyReviewChanges]: 'Apply to Workspace',
  [CommandIds.discardReviewChanges]: 'Discard in Sandbox',
  [CommandIds.refreshReview]: 'Refresh Sandbox Changes',
  [CommandIds.closeReview]: 'Close Sandbox Review',
  [CommandIds.recreateSandbox]: 'Recreate Sandbox…',
  [CommandIds.terminateWorkspaceSandboxes]: 'Terminate All in This Workspace…',
  [CommandIds.createFromTree]: 'Create Sandbox',
  [CommandIds.terminateFromTree]: 'Terminate Sandbox…',
  [CommandIds.showTerminalFromTree]: 'Show Terminal',
  [CommandIds.allowRefusedName]: 'Allow Refused Name',
};
