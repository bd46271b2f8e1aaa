/**
 * Recent command lines of "Run Command in Sandbox…", per workspace (VS Code's `workspaceState`):
 * most recent first, each once, at most `HISTORY_SIZE`. The list operations are pure and
 * unit-tested; `CommandHistory` only reads and writes them.
 */

export const HISTORY_SIZE = 20;
const STATE_KEY = 'sandboxes.runCommand.history';

/** `line` moved (or added) to the front; an older copy removed; the oldest dropped past `size`. */
export function withCommand(history: readonly string[], line: string, size = HISTORY_SIZE): string[] {
  const entry = line.trim();
  if (entry === '') {
    return [...history];
  }
  return [entry, ...history.filter((old) => old !== entry)].slice(0, size);
}

export function withoutCommand(history: readonly string[], line: string): string[] {
  return history.filter((old) => old !== line);
}

/** What was stored, keeping only strings: the state may come from another version of the extension. */
export function historyFromState(value: unknown, size = HISTORY_SIZE): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '').slice(0, size);
}

/** The part of `vscode.Memento` used here. */
export interface HistoryState {
  get(key: string): unknown;
  update(key: string, value: unknown): Thenable<void>;
}

export class CommandHistory {
  constructor(private readonly state: HistoryState) {}

  get entries(): string[] {
    return historyFromState(this.state.get(STATE_KEY));
  }

  async add(line: string): Promise<void> {
    await this.state.update(STATE_KEY, withCommand(this.entries, line));
  }

  async remove(line: string): Promise<void> {
    await this.state.update(STATE_KEY, withoutCommand(this.entries, line));
  }

  async clear(): Promise<void> {
    await this.state.update(STATE_KEY, []);
  }
}
