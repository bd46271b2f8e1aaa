/** The agent bridge's engine-level part (no editor API): tool definitions, caps and the session. */
export { AGENT_TOOLS, agentToolDefinition } from './toolDefinitions';
export type { AgentToolDefinition, AgentToolName } from './toolDefinitions';
export { AGENT_LIMITS } from './limits';
export type { AgentLimits } from './limits';
export { AgentSession, failure as agentFailure } from './agentSession';
export type { AgentHost, AgentToolResult, NetworkDecision, NetworkRequest, RunView } from './agentSession';
export { AgentToolError, runInput } from './toolInput';
