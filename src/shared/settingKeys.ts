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
  pidsLimit: 'sandboxes.defaults.pidsLimit',
  timeoutSeconds: 'sandboxes.defaults.timeoutSeconds',
  idleTimeoutSeconds: 'sandboxes.defaults.idleTimeoutSeconds',
  runtime: 'sandboxes.defaults.runtime',
  dockerHost: 'sandboxes.docker.host',
  blockNetwork: 'sandboxes.network.blockNetwork',
  cidrAllowlist: 'sandboxes.network.cidrAllowlist',
  domainAllowlist: 'sandboxes.network.domainAllowlist',
  guardImage: 'sandboxes.network.guardImage',
  gatewayResolvers: 'sandboxes.network.gatewayResolvers',
  encryptedPorts: 'sandboxes.ports.encrypted',
  unencryptedPorts: 'sandboxes.ports.unencrypted',
  h2Ports: 'sandboxes.ports.h2',
  bindAddress: 'sandboxes.ports.bindAddress',
  onAutoForward: 'sandboxes.ports.onAutoForward',
  portsAttributes: 'sandboxes.ports.attributes',
  workspaceMount: 'sandboxes.workspace.mount',
  workspacePath: 'sandboxes.workspace.path',
  includeIgnored: 'sandboxes.workspace.includeIgnored',
  agentIdleTimeoutSeconds: 'sandboxes.agent.idleTimeoutSeconds',
  agentConfirmCalls: 'sandboxes.agent.confirmCalls',
  agentNetworkRequestTimeoutSeconds: 'sandboxes.agent.networkRequestTimeoutSeconds',
  poolSize: 'sandboxes.pool.size',
  poolMemoryBudget: 'sandboxes.pool.memoryBudgetMiB',
  dockerEngines: 'sandboxes.docker.engines',
} as const;

/** The section of the network settings, for `affectsConfiguration`. */
export const NETWORK_SETTINGS_SECTION = 'sandboxes.network';

/** Where forwarded ports listen unless the user widens it: only this machine can connect. */
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';

export type SettingKey = (typeof SettingKeys)[keyof typeof SettingKeys];

/** The runtime new sandboxes get by default (shared/runtimes.ts decides what counts as gVisor). */
export { GVISOR_RUNTIME } from './runtimes';
