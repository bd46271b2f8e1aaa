/**
 * Why a sandbox stopped when nobody asked it to, from what Docker kept about it. Pure (no Docker
 * call), so every rule is unit-tested; sandbox.ts `ending()` gathers the facts.
 *
 * Docker records no "who": a `docker kill`, the lifetime reaper and a daemon shutdown all end the
 * main process with a signal. What tells them apart is what else they do: the reaper and the
 * daemon end the sandbox's network guard too, `docker kill` of the sandbox leaves it running; the
 * reaper ends a sandbox only past its deadline (label) or with an idle timeout (label).
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
  /** Killed by a signal from outside (`docker kill`, `docker stop`), the guard left running. */
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
  /** The idle-timeout label, if the sandbox had one. */
  idleTimeoutSeconds: number | null;
  /**
   * The network guard: `running` (still up), `ended` with when, or `none` (no guard: runtimes
   * without kernel networking, or already removed).
   */
  guard: { state: 'running' } | { state: 'ended'; finishedAt: Date | null } | { state: 'none' };
  /** A client saw the engine go away while the sandbox ran (it knows of the restart first hand). */
  engineWentAway?: boolean;
}

/** Within this of each other, the sandbox and its guard ended together (one cause ended both). */
const TOGETHER_MS = 15_000;
/** The reaper looks at least every second and kills at once: a deadline kill lands just after it. */
const DEADLINE_SLACK_MS = 2_000;

const SIGKILL_EXIT = 128 + 9;
const SIGTERM_EXIT = 128 + 15;

export function endReason(facts: EndFacts): EndReason {
  if (facts.oomKilled) return 'outOfMemory';
  const bySignal = facts.exitCode === SIGKILL_EXIT || facts.exitCode === SIGTERM_EXIT;
  if (facts.expiresAt && facts.finishedAt && facts.finishedAt.getTime() >= facts.expiresAt.getTime() - DEADLINE_SLACK_MS && bySignal) {
    return 'timeout';
  }
  if (facts.engineWentAway) return 'daemonRestart';
  const guardEndedToo =
    facts.guard.state === 'ended' &&
    facts.finishedAt !== null &&
    facts.guard.finishedAt !== null &&
    Math.abs(facts.guard.finishedAt.getTime() - facts.finishedAt.getTime()) <= TOGETHER_MS;
  if (guardEndedToo && facts.exitCode === SIGKILL_EXIT && facts.idleTimeoutSeconds !== null) return 'idleTimeout';
  // A daemon shutdown stops every container, whatever its main process does with the signal
  // (the issue saw `exited (0)` after a dockerd restart): the guard ending with it is the tell.
  if (guardEndedToo) return 'daemonRestart';
  if (bySignal) return 'killed';
  return 'exited';
}
