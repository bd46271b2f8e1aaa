/**
 * How the editor says why a sandbox ended (core/endReason.ts decides why): the word the tree
 * shows first, the sentence of the notification and tooltip, and one notification for many.
 * Pure, so it is unit-tested.
 */
import type { EndReason, SandboxEnding } from '../../core/types';

/** The tree's first word for a sandbox that ended: what happened, not Docker's `exited (0)`. */
export function endingWord(ending: Pick<SandboxEnding, 'reason' | 'exitCode'>): string {
  switch (ending.reason) {
    case 'outOfMemory':
      return 'out of memory';
    case 'timeout':
      return 'timed out';
    case 'idleTimeout':
      return 'idle timeout';
    case 'daemonRestart':
      return 'killed by Docker restart';
    case 'killed':
      return 'killed';
    case 'exited':
      return `exited (${ending.exitCode})`;
  }
}

/** Completes "Sandbox "x" …". */
export function endingSentence(ending: Pick<SandboxEnding, 'reason' | 'exitCode'>): string {
  const sentences: Record<EndReason, string> = {
    outOfMemory: 'ran out of memory and was killed (raise its memory limit, sandboxes.defaults.memoryMiB)',
    timeout: 'reached its lifetime timeout and was ended by the reaper',
    idleTimeout: 'ran no command for its idle timeout and was ended by the reaper',
    daemonRestart: 'was killed when the Docker engine stopped or restarted',
    killed: 'was killed from outside the editor (docker kill or docker stop)',
    exited: `exited by itself with code ${ending.exitCode}`,
  };
  return sentences[ending.reason];
}

/** The tree's icon for a sandbox that ended: trouble in the error colour, a clean exit plain. */
export function endingIcon(ending: Pick<SandboxEnding, 'reason' | 'exitCode'>): { id: string; color?: string } {
  switch (ending.reason) {
    case 'outOfMemory':
    case 'killed':
    case 'daemonRestart':
      return { id: 'error', color: 'problemsErrorIcon.foreground' };
    case 'timeout':
    case 'idleTimeout':
      return { id: 'watch' };
    case 'exited':
      return ending.exitCode === 0 ? { id: 'vm-outline' } : { id: 'error', color: 'problemsErrorIcon.foreground' };
  }
}

/**
 * One notification for every sandbox that ended since the last one: a Docker restart ends them
 * all at once, and five toasts say less than one.
 */
export function endedNotice(ended: readonly { name: string; ending: Pick<SandboxEnding, 'reason' | 'exitCode'> }[]): string {
  if (ended.length === 1) {
    const [{ name, ending }] = ended;
    return `Sandbox "${name}" ${endingSentence(ending)}.`;
  }
  const reasons = new Set(ended.map(({ ending }) => endingWord(ending)));
  const names = ended.map(({ name }) => `"${name}"`).join(', ');
  if (reasons.size === 1) {
    const [{ ending }] = ended;
    return `${ended.length} sandboxes of this workspace ${endingSentence(ending)
      .replace(/\bits\b/g, 'their')
      .replace(/^was /, 'were ')
      .replace(/^ran /, 'ran ')}: ${names}.`;
  }
  return `${ended.length} sandboxes of this workspace stopped: ${ended.map(({ name, ending }) => `"${name}" ${endingWord(ending)}`).join(', ')}.`;
}

/** "5 sandboxes running": one toast for many that became ready together (e.g. restored forwards). */
export function countNotice(count: number, what: string): string {
  return `${count} sandbox${count === 1 ? '' : 'es'} ${what}`;
}
