/**
 * Why a sandbox stopped when nobody asked it to, from what Docker kept about it and what the
 * lifetime reaper recorded. Pure (no Docker call), so every rule is unit-tested; sandbox.ts
 * `ending()` gathers the facts.
 *
 * Docker records no "who": `docker kill`, the reaper and a daemon shutdown all end the main
 * process with a signal. The reaper writes down what it ended (reapRecord.ts); a deadline is a
 * label; a daemon restart is seen by a client whose connection to the engine broke while the
 * sandbox ran (nothing on the engine records it). A signal with none of these is a kill from
 * outside. (The network guard is no witness: every client stops the guard of an ended sandbox.)
 */

export type EndReason =
  /** The kernel's OOM killer ended it: the spec's memory limit was reached. */
  | 'outOfMemory'
  /** The reaper ended it: its `timeoutSeconds` passed. */
  | 'timeout'
  /** The reaper ended it: no command ran for `idleTimeoutSeconds`. */
  | 'idleTimeout'
  /** The Docker engine stopped (restart, shutdown) and took its containers with it. */
  | 'daemonRestart'
  /** Killed by a signal from outside (`docker kill`, `docker stop`). */
  | 'killed'
  /** The main process exited by itself with `exitCode`. */
  | 'exited';

export interface EndFacts {
  /** The main process's exit code (128 + n: ended by signal n). */
  exitCode: number;
  oomKilled: boolean;
  /** When Docker saw the main process end. */
  finishedAt: Date | null;
  /** The deadline label, if the sandbox had one. */
  expiresAt: Date | null;
  /** What this user's reaper recorded when it ended the container, if it did. */
  reapedFor: 'timeout' | 'idle' | null;
  /** A client saw the engine go away while the sandbox ran. */
  engineWentAway?: boolean;
}

/** The reaper looks at least every second and kills at once: a deadline kill lands just after it. */
const DEADLINE_SLACK_MS = 2_000;

const SIGKILL_EXIT = 128 + 9;
const SIGTERM_EXIT = 128 + 15;

export function endReason(facts: EndFacts): EndReason {
  if (facts.oomKilled) return 'outOfMemory';
  if (facts.reapedFor === 'timeout') return 'timeout';
  if (facts.reapedFor === 'idle') return 'idleTimeout';
  const bySignal = facts.exitCode === SIGKILL_EXIT || facts.exitCode === SIGTERM_EXIT;
  // Another user's reaper (its record is not ours to read) ends it at the deadline too.
  if (bySignal && facts.expiresAt && facts.finishedAt && facts.finishedAt.getTime() >= facts.expiresAt.getTime() - DEADLINE_SLACK_MS) {
    return 'timeout';
  }
  // Whatever the exit code: the issue saw `exited (0)` after a dockerd restart.
  if (facts.engineWentAway) return 'daemonRestart';
  if (bySignal) return 'killed';
  return 'exited';
}
