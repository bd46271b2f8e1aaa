/**
 * Reads which TCP ports a sandbox listens on, as cheaply as its setup allows, in any image:
 *
 * - kernel networking (runc, or runsc registered with --network=host): the sandbox's sockets are
 *   the kernel's, in the guard's network namespace. When the engine runs on this machine, the
 *   guard's `/proc/<pid>/net/tcp{,6}` are read directly (no process started, well under 1 ms);
 *   otherwise (a remote engine, a Docker VM) through an exec of `cat` in the guard, whose image is
 *   ours.
 * - gVisor's own network stack (netstack): only the sandbox sees its sockets; gVisor serves
 *   `/proc/net/tcp{,6}` itself, read by an exec of `cat` in the sandbox (an image without `cat`
 *   says so in the error).
 *
 * The texts go to listeningPorts.ts.
 */
import { promises as fs } from 'node:fs';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import { startExec } from '../exec';
import type { RuntimeNetworking } from '../network/runtimeMode';
import { parseListeningPorts, type ListeningPort } from './listeningPorts';

const PROC_FILES = ['/proc/net/tcp', '/proc/net/tcp6'];

/** How the last scan read the ports (reported by tests and the benchmark). */
export type ScanSource = 'host-proc' | 'guard-exec' | 'sandbox-exec';

export interface PortScanTarget {
  containerId: string;
  guardId: string | undefined;
  networking: RuntimeNetworking;
}

/** One sandbox's scanner; keeps what it learnt (the guard's pid, whether /proc is readable here). */
export class PortScanner {
  private hostProc: Promise<string | undefined> | undefined;
  source: ScanSource | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly target: PortScanTarget,
  ) {}

  async scan(): Promise<ListeningPort[]> {
    const { networking, guardId, containerId } = this.target;
    if (networking === 'none') {
      throw new SandboxError(
        'TUNNEL_FAILED',
        'The sandbox has no network (its runtime gives it loopback only), so no port of it can be forwarded.',
        'Use a runtime with a network (runsc registered with --network=host, or runc).',
      );
    }
    if (networking === 'kernel' && guardId) {
      const dir = await (this.hostProc ??= this.hostProcDir(guardId));
      if (dir) {
        try {
          const texts = await Promise.all(
            ['tcp', 'tcp6'].map((f) => fs.readFile(`${dir}/${f}`, 'utf8').catch((e: NodeJS.ErrnoException) => (f === 'tcp6' && e.code === 'ENOENT' ? '' : Promise.reject(e)))),
          );
          this.source = 'host-proc';
          return parseListeningPorts(texts.join('\n'));
        } catch {
          // The guard's process is gone (it ended or restarted): look it up again next time.
          this.hostProc = undefined;
        }
      }
      this.source = 'guard-exec';
      return parseListeningPorts(await this.catInside(guardId));
    }
    this.source = 'sandbox-exec';
    return parseListeningPorts(await this.catInside(containerId));
  }

  /**
   * `/proc/<pid>/net` of the guard, when this process can see the guard's process: the engine is
   * on this machine and its pid is the guard's here (checked by the container id in its cgroup,
   * since a remote engine's or a VM's pid may name an unrelated local process).
   */
  private async hostProcDir(guardId: string): Promise<string | undefined> {
    if (process.platform !== 'linux') return undefined;
    try {
      const pid = (await this.docker.getContainer(guardId).inspect()).State?.Pid;
      if (!pid) return undefined;
      const cgroup = await fs.readFile(`/proc/${pid}/cgroup`, 'utf8');
      if (!cgroup.includes(guardId)) return undefined;
      await fs.access(`/proc/${pid}/net/tcp`);
      return `/proc/${pid}/net`;
    } catch {
      return undefined;
    }
  }

  private async catInside(containerId: string): Promise<string> {
    const proc = await startExec(this.docker, containerId, ['cat', ...PROC_FILES]);
    let output = '';
    let errors = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    proc.stdin.end();
    const code = await proc.wait();
    // `cat` exits 1 when tcp6 is missing (IPv6 off) but still prints tcp.
    if (code !== 0 && !output.includes('local_address')) {
      throw new SandboxError(
        'EXEC_FAILED',
        `Could not read the sandbox's listening ports (cat ${PROC_FILES.join(' ')} exited with ${code}: ${errors.trim().slice(0, 200) || 'no output'}).`,
        'Port detection reads /proc/net/tcp with `cat`: use an image that has it, or forward ports by hand with "Forward Port…".',
      );
    }
    return output;
  }
}
