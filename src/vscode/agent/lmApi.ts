/**
 * The Language Model tool API of VS Code 1.95+ (stable in 1.100, which code-server 4.100.3 runs),
 * declared here because the project's @types/vscode (1.90, the engines floor) predates it, and
 * raising the floor would refuse editors this extension otherwise runs in. Only what this
 * extension uses; read off the running `vscode` module and feature-detected, so an editor without
 * it gets no tools and nothing breaks.
 */
import * as vscode from 'vscode';

export interface LanguageModelToolInvocationOptions<T> {
  readonly input: T;
  readonly toolInvocationToken: unknown;
}

export interface LanguageModelToolInvocationPrepareOptions<T> {
  readonly input: T;
}

export interface PreparedToolInvocation {
  invocationMessage?: string;
  confirmationMessages?: { title: string; message: string | vscode.MarkdownString };
}

export interface LanguageModelToolResultLike {
  content: unknown[];
}

export interface LanguageModelTool<T> {
  invoke(options: LanguageModelToolInvocationOptions<T>, token: vscode.CancellationToken): vscode.ProviderResult<LanguageModelToolResultLike>;
  prepareInvocation?(options: LanguageModelToolInvocationPrepareOptions<T>, token: vscode.CancellationToken): vscode.ProviderResult<PreparedToolInvocation>;
}

export interface LanguageModelToolInformation {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: object | undefined;
  readonly tags: readonly string[];
}

export interface LmNamespace {
  readonly tools: readonly LanguageModelToolInformation[];
  registerTool<T>(name: string, tool: LanguageModelTool<T>): vscode.Disposable;
  invokeTool(name: string, options: { input: object; toolInvocationToken: unknown }, token?: vscode.CancellationToken): Thenable<LanguageModelToolResultLike>;
  /** Stable from 1.101 (proposed in 1.100): feature-detected. */
  registerMcpServerDefinitionProvider?(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
}

export interface McpServerDefinitionProvider {
  provideMcpServerDefinitions(token: vscode.CancellationToken): vscode.ProviderResult<unknown[]>;
}

interface LmModule {
  lm?: Partial<LmNamespace>;
  LanguageModelToolResult?: new (content: unknown[]) => LanguageModelToolResultLike;
  LanguageModelTextPart?: new (value: string) => { value: string };
  McpStdioServerDefinition?: new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string) => unknown;
}

const api = vscode as unknown as LmModule;

/** `vscode.lm` when this editor has Language Model tools, else undefined. */
export function lmTools(): LmNamespace | undefined {
  const lm = api.lm;
  return lm && typeof lm.registerTool === 'function' && api.LanguageModelToolResult && api.LanguageModelTextPart ? (lm as LmNamespace) : undefined;
}

/** A tool result of one text part (what models read). */
export function textResult(text: string): LanguageModelToolResultLike {
  return new api.LanguageModelToolResult!([new api.LanguageModelTextPart!(text)]);
}

/** `new vscode.McpStdioServerDefinition(...)` where it exists. */
export function mcpStdioDefinition(label: string, command: string, args: string[]): unknown {
  // In desktop VS Code the extension host's executable is Electron's: this makes it run as Node.
  return api.McpStdioServerDefinition ? new api.McpStdioServerDefinition(label, command, args, { ELECTRON_RUN_AS_NODE: '1' }) : undefined;
}
