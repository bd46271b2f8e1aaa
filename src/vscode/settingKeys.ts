/**
 * Every setting this extension reads, as full keys (`<prefix>.<area>.<setting>`), so code, tests
 * and `affectsConfiguration` checks never spell one by hand. package.json contributes the same
 * keys; test/unit/packageJson.test.ts keeps the two in step.
 */
export const SettingKeys = {
  image: 'sandboxes.defaults.image',
  command: 'sandboxes.defaults.command',
  env: 'sandboxes.defaults.env',
  workdir: 'sandboxes.defaults.workdir',
  cpu: 'sandboxes.defaults.cpu',
  memoryMiB: 'sandboxes.defaults.memoryMiB',
  timeoutSeconds: 'sandboxes.defaults.timeoutSeconds',
  idleTimeoutSeconds: 'sandboxes.defaults.idleTimeoutSeconds',
  runtime: 'sandboxes.defaults.runtime',
  dockerHost: 'sandboxes.docker.host',
} as const;

export type SettingKey = (typeof SettingKeys)[keyof typeof SettingKeys];

/** The runtime that means "gVisor"; any other one is the user's explicit opt-out. */
export const GVISOR_RUNTIME = 'runsc';
