import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from './errors';
import { startExec } from './exec';
import { LABEL, tagsFromLabels } from './labels';
import type { ExecOptions, ExecProcess, NetworkMode, RunResult, SandboxInfo, SandboxState } from './types';

/**
 * A handle on one sandbox. It holds only identifiers: every question is answered by Docker, so
 * handles from different windows, reloads or scripts agree.
 */
export class Sandbox {
  constructor(
    private readonly docker: Docker,
    /** Our id (`sb-…`), stable across reloads. */
    readonly id: string,
    readonly containerId: string,
    readonly name: string,
  ) {}

  /** Current state from Docker. Throws NOT_FOUND when the container was removed behind our back. */
  async info(): Promise<SandboxInfo> {
    try {
      return infoFromInspect(await this.container().inspect());
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /** Run a process in the sandbox; see ExecProcess for its streams. */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecProcess> {
    return startExec(this.docker, this.containerId, argv, options);
  }

  /** Run to completion and collect output as text. */
  async run(argv: string[], options: ExecOptions & { stdin?: string | Buffer } = {}): Promise<RunResult> {
    const proc = await this.exec(argv, options);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    proc.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    proc.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    proc.stdin.end(options.stdin ?? undefined);
    const exitCode = await proc.wait();
    return { exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
  }

  /** null while running, else the main process's exit code (Modal's `poll`). */
  async poll(): Promise<number | null> {
    const info = await this.info();
    return info.state === 'running' || info.state === 'created' || info.state === 'restarting' || info.state === 'paused' ? null : info.exitCode;
  }

  /** Resolves with the exit code once the sandbox has ended. */
  async wait(): Promise<number> {
    try {
      const result = (await this.container().wait()) as { StatusCode: number };
      return result.StatusCode;
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /** Kill and remove the sandbox. Idempotent: terminating a sandbox that is gone succeeds. */
  async terminate(): Promise<void> {
    try {
      await this.container().remove({ force: true, v: true });
    } catch (error) {
      if (dockerStatus(error) === 404) return;
      // 409 "removal already in progress" means someone else is finishing the job.
      if (dockerStatus(error) === 409 && /already in progress/i.test(dockerMessage(error))) return;
      throw this.mapError(error);
    }
  }

  /** Output of the main process (stdout and stderr interleaved as written). */
  async logs(options: { tail?: number } = {}): Promise<string> {
    try {
      const raw = (await this.container().logs({ stdout: true, stderr: true, follow: false, tail: options.tail ?? 'all' } as never)) as unknown as Buffer;
      return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    } catch (error) {
      throw this.mapError(error);
    }
  }

  private container(): Docker.Container {
    return this.docker.getContainer(this.containerId);
  }

  private mapError(error: unknown): Error {
    if (error instanceof SandboxError) return error;
    if (dockerStatus(error) === 404) {
      return new SandboxError('NOT_FOUND', `Sandbox ${this.name} (${this.id}) no longer exists: it was removed outside the extension.`, 'Refresh the sandbox list; create a new sandbox if you need one.', { cause: error });
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

export function infoFromInspect(c: Docker.ContainerInspectInfo): SandboxInfo {
  const labels = c.Config.Labels ?? {};
  const state = c.State.Status as SandboxState;
  return {
    id: labels[LABEL.id] ?? c.Id.slice(0, 12),
    containerId: c.Id,
    name: labels[LABEL.name] ?? c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    runtime: c.HostConfig.Runtime ?? labels[LABEL.runtime] ?? 'runc',
    state,
    exitCode: state === 'running' || state === 'created' ? null : c.State.ExitCode,
    createdAt: new Date(labels[LABEL.createdAt] ?? c.Created),
    expiresAt: labels[LABEL.expiresAt] ? new Date(labels[LABEL.expiresAt]) : null,
    tags: tagsFromLabels(labels),
    networkMode: (labels[LABEL.networkMode] as NetworkMode) ?? 'open',
  };
}

/** Docker multiplexes non-TTY logs in frames: [stream, 0, 0, 0, size(4 bytes BE)] + payload. */
export function demuxLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (type > 2 || buffer[offset + 1] !== 0 || buffer[offset + 2] !== 0 || buffer[offset + 3] !== 0) {
      return buffer.toString('utf8'); // not multiplexed (TTY container)
    }
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  if (offset < buffer.length && parts.length === 0) return buffer.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}
