#!/usr/bin/env node
/**
 * The MCP server (dist/mcp.js, `gvisor-sandboxes-mcp`): the agent tools of src/core/agent over
 * stdio, for Claude Code, Cursor or any MCP client, with the engine and no editor. One agent
 * sandbox per server process, created on the first call that needs one (copying the workspace
 * in), ended when the client goes away (or, with --keep or after a crash, by its idle timeout).
 * Network requests ask the user through the client (MCP elicitation) when it can; otherwise
 * they are declined. stdout carries the protocol: everything else goes to stderr.
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { AGENT_TOOLS, AgentSession, connect, type NetworkDecision, type NetworkRequest } from '../core';
import type { Logger } from '../core/types';
import { McpUsageError, parseMcpOptions } from './options';

const log = (line: string) => process.stderr.write(`[gvisor-sandboxes-mcp] ${line}\n`);
const logger: Logger = { trace: () => undefined, debug: () => undefined, info: log, warn: log, error: log };

/** A network change asked of the user through the MCP client's elicitation; declined when it cannot ask. */
async function askThroughClient(server: Server, request: NetworkRequest): Promise<NetworkDecision> {
  if (!server.getClientCapabilities()?.elicitation) {
    return { approved: false, note: 'this MCP client cannot ask the user; restart the server with the --network you want' };
  }
  const what = request.change === 'allow' ? `allow ${request.cidrs.join(', ')}` : request.change === 'open' ? 'open all outbound traffic' : 'block all network';
  const answer = await server.elicitInput({
    message: `The agent asks to ${what} for sandbox ${request.sandboxName} (now ${request.current.mode}). Reason given: ${request.reason}`,
    requestedSchema: { type: 'object', properties: { approve: { type: 'boolean', title: 'Approve this network change' } }, required: ['approve'] },
  });
  const approved = answer.action === 'accept' && answer.content?.approve === true;
  return { approved, note: approved ? 'approved by the user' : `the user answered ${answer.action === 'accept' ? 'no' : answer.action}` };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseMcpOptions(process.argv.slice(2), process.cwd(), randomUUID().slice(0, 12));
  } catch (error) {
    if (error instanceof McpUsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const client = connect({ dockerHost: options.dockerHost, logger });
  const server = new Server({ name: 'gvisor-sandboxes', version: '0.1.0' }, { capabilities: { tools: {} } });

  const askNetwork = (request: NetworkRequest) => askThroughClient(server, request);

  const session = new AgentSession({
    client: () => client,
    tags: options.spec.tags!,
    createSandbox: (signal) => client.create(options.spec, { signal }),
    forwardPort: (sandbox, port, forward) => sandbox.forwardPort(port, forward),
    setNetworkPolicy: (sandbox, policy) => sandbox.setNetworkPolicy(policy),
    askNetwork,
    log,
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: AGENT_TOOLS.map((tool) => ({
      name: tool.name,
      title: tool.displayName,
      description: tool.modelDescription,
      inputSchema: tool.inputSchema as { type: 'object' },
      annotations: { title: tool.displayName, readOnlyHint: tool.readOnly, openWorldHint: false },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const result = await session.call(request.params.name, request.params.arguments ?? {}, extra.signal);
    return { content: [{ type: 'text', text: result.text }], structuredContent: result.data, isError: !result.ok };
  });

  const transport = new StdioServerTransport();
  onShutdown(transport, async () => {
    if (!options.keep) await session.terminate();
    await client.close().catch(() => undefined);
  });
  await server.connect(transport);
  log(
    `ready (image ${options.spec.image}, network ${options.spec.blockNetwork ? 'blocked' : options.spec.cidrAllowlist?.length ? options.spec.cidrAllowlist.join(',') : 'open'}${options.spec.mounts ? `, workspace ${options.spec.mounts[0]!.source} copied to /workspace` : ''})`,
  );
}

/** Ends the agent sandbox (unless kept) and the process when the client goes away or a signal comes. */
function onShutdown(transport: StdioServerTransport, cleanUp: () => Promise<void>): void {
  let closing = false;
  const shutdown = async (why: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log(`shutting down: ${why}`);
    const deadline = setTimeout(() => process.exit(1), 40_000);
    deadline.unref();
    try {
      await cleanUp();
    } catch (error) {
      log(`could not end the agent sandbox (its idle timeout will): ${String(error)}`);
    }
    process.exit(0);
  };
  transport.onclose = () => void shutdown('transport closed');
  process.stdin.on('end', () => void shutdown('the client closed stdin'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
