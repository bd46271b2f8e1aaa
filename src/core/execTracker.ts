import type Docker from 'dockerode';
import { ContainerStopWatch } from './stopWatch';
import type { ExecProcess } from './types';

/**
 * The exec connections a client opened, by container, so terminate() and dispose() can end them,
 * and so does the sandbox stopping from outside (stopWatch.ts explains why).
 */
export class ExecTracker {
  private readonly execs = new Map<string, Set<ExecProcess>>();
  private readonly stopWatch: ContainerStopWatch;

  constructor(docker: () => Docker) {
    this.stopWatch = new ContainerStopWatch(docker, (containerId) => this.close(containerId));
  }

  /** Remembers an exec's connection until it ends. */
  track(containerId: string, proc: ExecProcess): void {
    if (!this.execs.has(containerId)) this.execs.set(containerId, new Set());
    const set = this.execs.get(containerId)!;
    set.add(proc);
    const forget = () => {
      set.delete(proc);
      if (set.size === 0 && this.execs.get(containerId) === set) this.execs.delete(containerId);
      if (this.execs.size === 0) this.stopWatch.stop();
    };
    proc.stdout.once('close', forget);
    proc.stdout.once('end', forget);
    this.stopWatch.start();
  }

  /** Ends the execs of one container, or of all. */
  close(containerId?: string): void {
    for (const [id, set] of this.execs) {
      if (containerId !== undefined && id !== containerId) continue;
      for (const proc of set) proc.close();
      this.execs.delete(id);
    }
    if (this.execs.size === 0) this.stopWatch.stop();
  }
}
