/**
 * Caps on agent tool calls: an agent (or a prompt injected into one) must not be able to flood
 * the editor, the model's context or the machine. Each cap is named in the error that hits it.
 */
export const AGENT_LIMITS = {
  /** stdout and stderr of one command, each: beyond it the middle is cut. */
  outputBytes: 64 * 1024,
  /** One file read. */
  readBytes: 1024 * 1024,
  /** One file write. */
  writeBytes: 1024 * 1024,
  /** Entries returned by one listing. */
  listEntries: 1000,
  defaultTimeoutSeconds: 120,
  maxTimeoutSeconds: 900,
  /** Commands running at once in one agent session. */
  concurrentRuns: 2,
  /** Agent sandboxes end after this long without a command (unless settings say otherwise). */
  idleTimeoutSeconds: 1800,
} as const;

export type AgentLimits = { -readonly [K in keyof typeof AGENT_LIMITS]: number };
