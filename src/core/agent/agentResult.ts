/** What an agent tool call gives back, and where a running command's output is shown. */

export interface AgentToolResult {
  ok: boolean;
  /** What the model reads: the outcome in words, with output. */
  text: string;
  /** The same, structured (MCP `structuredContent`). Failures: `{ error: { code, message, fix } }`. */
  data: Record<string, unknown>;
}

/** Where a running command's output is shown live (VS Code: a terminal the user can stop it from). */
export interface RunView {
  output(chunk: Buffer): void;
  end(summary: string): void;
  /** Called when the user stops the command there. */
  onStop(stop: () => void): void;
}
