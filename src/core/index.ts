/**
 * gVisor Sandboxes engine: create, exec, terminate gVisor sandboxes on a Docker engine.
 * Shipped as `dist/core.js` (plain CommonJS, no `vscode`) and exported by the extension's
 * `activate()` to other extensions.
 */
export { connect, SandboxClient } from './client';
/** @internal For dist/reaper.js and dist/sessionHost.js only (esbuild.mjs, packagesFromCore). */
export { bundledPackages as __bundledPackages } from './bundledPackages';
export { Sandbox } from './sandbox';
export { SessionClient, SessionProcess } from './sessions/sessionClient';
export { SandboxError, isSandboxError } from './errors';
export { validateSpec, networkModeOf, withResourceDefaults, DEFAULT_RUNTIME, DEFAULT_MEMORY_MIB, DEFAULT_PIDS_LIMIT } from './spec';
export { LABEL } from './labels';
export { DEFAULT_MOUNT_TARGET } from './files/mountSpec';
export { sandboxPath } from './files/paths';
export { parseCidr, validatePolicy, modeOf } from './network/policy';
export { parseDomainEntry, validateDomainAllowlist } from './network/domains';
export { validResolvers } from './network/resolvers';
export type { NetworkPolicy } from './network/policy';
export type { RuntimeNetworking } from './network/runtimeMode';
export type * from './types';
export { parseListeningPorts, newlyListening, type ListeningPort } from './tunnels/listeningPorts';
export type { PortWatch, PortWatchEvent, PortWatchOptions } from './tunnels/portWatcher';
export type { LocalImage } from '../shared/localImages';
export type { SessionInfo, HostStats } from './sessions/sessionProtocol';
export type { PoolStatus, WarmOptions, WarmResult } from './pool/warmPool';
export { AGENT_TOOLS, AGENT_LIMITS, AgentSession, AgentToolError, agentToolDefinition } from './agent';
export type { AgentHost, AgentLimits, AgentToolDefinition, AgentToolName, AgentToolResult, NetworkDecision, NetworkRequest, RunView } from './agent';
