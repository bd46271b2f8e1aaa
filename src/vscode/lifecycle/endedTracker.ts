/**
 * Which sandboxes of this workspace stopped since the last look without anyone here asking:
 * those seen running before and now listed as stopped. Pure, so it is unit-tested; the
 * notifier (endedNotifier.ts) feeds it every load of the shared list and tells the user once.
 */
import type { SandboxInfo } from '../../core/types';

export class EndedTracker {
  /** Container ids seen running; `undefined` before the first look (nothing is news then). */
  private running: Set<string> | undefined;

  /**
   * `mine`: whether a sandbox is this workspace's. `asked`: whether this window ended it on
   * purpose. Returns the ones that stopped behind the user's back since the last call, each once.
   */
  update(sandboxes: readonly SandboxInfo[], mine: (info: SandboxInfo) => boolean, asked: (sandboxId: string) => boolean): SandboxInfo[] {
    const before = this.running;
    this.running = new Set(sandboxes.filter((info) => info.state === 'running' && mine(info)).map((info) => info.containerId));
    if (!before) return [];
    return sandboxes.filter((info) => before.has(info.containerId) && (info.state === 'exited' || info.state === 'dead') && mine(info) && !asked(info.id));
  }
}
