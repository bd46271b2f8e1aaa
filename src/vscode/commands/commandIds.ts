/**
 * Command ids, used by the registry, by buttons that chain commands and by tests. package.json
 * contributes the same ids (test/unit/packageJson.test.ts keeps them in step).
 */
export const CommandIds = {
  createSandbox: 'sandboxes.createSandbox',
  openTerminal: 'sandboxes.openTerminal',
  runCommand: 'sandboxes.runCommand',
  terminateSandbox: 'sandboxes.terminateSandbox',
  toggleNetwork: 'sandboxes.toggleNetwork',
  checkSetup: 'sandboxes.checkSetup',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];

/** Titles as shown in the Command Palette, for messages such as "Create Sandbox failed: …". */
export const CommandTitles: Record<CommandId, string> = {
  [CommandIds.createSandbox]: 'Create Sandbox',
  [CommandIds.openTerminal]: 'Open Terminal',
  [CommandIds.runCommand]: 'Run Command in Sandbox…',
  [CommandIds.terminateSandbox]: 'Terminate Sandbox',
  [CommandIds.toggleNetwork]: 'Toggle Network',
  [CommandIds.checkSetup]: 'Check Setup',
};
