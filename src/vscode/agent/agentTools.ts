/**
 * Registers the agent tools as VS Code Language Model tools (`vscode.lm.registerTool`; their
 * schemas and descriptions are contributed in package.json from src/core/agent/toolDefinitions.ts)
 * and, where the editor has the API, this extension's MCP server (dist/mcp.js) as an MCP server
 * definition. Calls go to one AgentSession per window; a failure comes back as a tool result
 * naming its cause and fix, never as an exception into the chat.
 */
import * as vscode from 'vscode';
import { AgentSession } from '../../core';
import type { SandboxClientService } from '../client';
import type { CreateContext } from '../create/creationService';
import { Disposable } from '../dispose';
import { SettingKeys } from '../../shared/settingKeys';
import { readEffectiveSettings, readSandboxDefaults } from '../settings';
import { AgentTerminal } from './agentTerminal';
import { prepareMessages } from './confirmations';
import { lmTools, mcpStdioDefinition, textResult, type LanguageModelTool } from './lmApi';
import { vscodeAgentHost } from './vscodeAgentHost';

/** The tools package.json contributes (test/unit/agentTools.test.ts keeps them equal to the engine's AGENT_TOOLS). */
export function contributedToolNames(packageJSON: unknown): string[] {
  const tools = (packageJSON as { contributes?: { languageModelTools?: { name?: unknown }[] } }).contributes?.languageModelTools ?? [];
  return tools.map((tool) => tool.name).filter((name): name is string => typeof name === 'string');
}

/**
 * The MCP server as this window's settings describe the agent sandbox: the image, the network
 * policy and the first folder (copied). Settings that cannot be read leave the server's own
 * defaults (blocked network), never a looser one.
 */
function mcpArgsFromSettings(): string[] {
  const args: string[] = [];
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  args.push(...(folder ? ['--workspace', folder.uri.fsPath] : ['--no-workspace']));
  try {
    const spec = readSandboxDefaults();
    args.push('--image', spec.image);
    if (spec.runtime) args.push('--runtime', spec.runtime);
    args.push('--network', spec.blockNetwork ? 'blocked' : spec.cidrAllowlist?.length ? spec.cidrAllowlist.join(',') : 'open');
  } catch {
    // Invalid settings: the server's defaults.
  }
  return args;
}

export class AgentTools extends Disposable {
  private readonly terminal = this._register(new AgentTerminal());
  private session: AgentSession | undefined;

  constructor(
    private readonly context: CreateContext & { clients: SandboxClientService },
    extension: { extensionPath: string; packageJSON: unknown },
  ) {
    super();
    const lm = lmTools();
    if (!lm) {
      context.log.info('This editor has no Language Model tools API (VS Code 1.95+): the agent tools are not registered.');
      return;
    }
    for (const name of contributedToolNames(extension.packageJSON)) this._register(lm.registerTool(name, this.tool(name)));
    if (typeof lm.registerMcpServerDefinitionProvider === 'function') {
      try {
        this._register(
          lm.registerMcpServerDefinitionProvider('sandboxes.mcp', {
            provideMcpServerDefinitions: () => {
              const definition = mcpStdioDefinition('gVisor Sandboxes', process.execPath, [`${extension.extensionPath}/dist/mcp.js`, ...mcpArgsFromSettings()]);
              return definition ? [definition] : [];
            },
          }),
        );
      } catch (error) {
        // Proposed API in 1.100: present but refused without the proposal. Nothing else depends on it.
        context.log.info(`MCP server definition not registered: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private tool(name: string): LanguageModelTool<unknown> {
    return {
      prepareInvocation: (options) => {
        const prepared = prepareMessages(name, options.input, readEffectiveSettings().get(SettingKeys.agentConfirmCalls) !== false);
        return { invocationMessage: prepared.invocationMessage, confirmationMessages: prepared.confirmation };
      },
      invoke: async (options, token) => {
        const abort = new AbortController();
        const cancellation = token.onCancellationRequested(() => abort.abort());
        try {
          const result = await this.sessionOf().call(name, options.input, abort.signal);
          return textResult(result.text);
        } finally {
          cancellation.dispose();
        }
      },
    };
  }

  private sessionOf(): AgentSession {
    if (!this.session) {
      // The engine (dist/core.js) loads here, on the first tool call, not at activation.
      this.session = new AgentSession(vscodeAgentHost(this.context, this.terminal));
    }
    return this.session;
  }
}
