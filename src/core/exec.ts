import { randomUUID } from 'node:crypto';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from './errors';
import type { ExecOptions, ExecProcess, RunResult } from './types';

/**
 * Starts a process in a running container through the Docker Engine API (never the CLI): one
 * hijacked HTTP connection carries stdin and output; a PTY exec gets a real terminal whose size
 * follows `resize`.
 */
export async function startExec(docker: Docker, containerId: string, argv: string[], options: ExecOptions = {}): Promise<ExecProcess> {
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new SandboxError('EXEC_FAILED', 'exec needs a non-empty array of strings (the command and its arguments).', 'Pass argv like ["ls", "-la"].');
  }
  const tty = Boolean(options.pty);
  const size = typeof options.pty === 'object' ? options.pty : undefined;
  let cmd = options.timeoutSeconds && options.timeoutSeconds > 0 ? ['timeout', '-s', 'KILL', String(Math.ceil(options.timeoutSeconds)), ...argv] : argv;
  // Engines before API 1.42 ignore ConsoleSize, and a resize after start races the first output:
  // there the terminal is sized by stty inside it before the command runs.
  const sizedByEngine = size !== undefined && (await supportsConsoleSize(docker));
  if (size && !sizedByEngine) {
    cmd = ['/bin/sh', '-c', `stty rows ${Math.floor(size.rows)} cols ${Math.floor(size.cols)} 2>/dev/null; exec "$@"`, 'sh', ...cmd];
  }
  // Docker cannot signal an exec, so each one is marked with an environment variable that its
  // children inherit; kill() finds the whole tree by that mark through /proc inside the sandbox.
  const marker = `SANDBOXES_EXEC=${randomUUID()}`;
  const container = docker.getContainer(containerId);
  let exec: Docker.Exec;
  let socket: Duplex;
  try {
    exec = await container.exec({
      Cmd: cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      Env: [...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`), marker],
      WorkingDir: options.workdir,
      User: options.user,
      ConsoleSize: sizedByEngine && size ? [Math.floor(size.rows), Math.floor(size.cols)] : undefined,
    });
    socket = (await exec.start({ hijack: true, stdin: true, Tty: tty })) as unknown as Duplex;
  } catch (error) {
    throw execError(containerId, argv, error);
  }
  return new DockerExecProcess(container, exec, socket, tty, marker, size);
}

const consoleSizeSupport = new WeakMap<Docker, Promise<boolean>>();

/** Exec ConsoleSize arrived in Docker Engine API 1.42 (Docker 23). */
function supportsConsoleSize(docker: Docker): Promise<boolean> {
  let known = consoleSizeSupport.get(docker);
  if (!known) {
    known = docker.version().then(
      (v) => {
        const [major, minor] = String(v.ApiVersion).split('.').map(Number);
        return major > 1 || (major === 1 && minor >= 42);
      },
      () => false,
    );
    consoleSizeSupport.set(docker, known);
  }
  return known;
}

export function execError(containerId: string, argv: string[], error: unknown): SandboxError {
  const status = dockerStatus(error);
  const message = dockerMessage(error);
  if (status === 404) {
    return new SandboxError(
      'NOT_FOUND',
      `The sandbox's container ${containerId.slice(0, 12)} no longer exists (removed outside the extension?).`,
      'Refresh the sandbox list and create a new sandbox.',
      { cause: error },
    );
  }
  if (status === 409) {
    return new SandboxError(
      'NOT_RUNNING',
      `The sandbox is not running, so "${argv[0]}" cannot start in it (${message}).`,
      'Create a new sandbox; an ended sandbox cannot run commands.',
      { cause: error },
    );
  }
  return new SandboxError(
    'EXEC_FAILED',
    `Could not run "${argv.join(' ')}" in the sandbox: ${message}`,
    'Check that the command exists in the image and that the sandbox is running.',
    { cause: error },
  );
}

/**
 * Splits Docker's multiplexed exec stream (Tty off: frames of an 8-byte header — stream type,
 * three zero bytes, payload length big-endian — then the payload) into stdout and stderr.
 * Payloads are handed on as views of the socket's chunks, never copied: dockerode's demuxStream
 * concatenates every chunk onto what is pending, which cost ≈ 100 ms of a 10 MiB read
 * (docs/benchmarks.md, files).
 */
export class StreamDemuxer {
  private readonly header = Buffer.alloc(8);
  private headerBytes = 0;
  private stream = 1;
  private remaining = 0;

  constructor(private readonly emit: (stream: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.headerBytes, chunk.length - offset);
        chunk.copy(this.header, this.headerBytes, offset, offset + take);
        this.headerBytes += take;
        offset += take;
        if (this.headerBytes < 8) return;
        this.headerBytes = 0;
        this.stream = this.header[0];
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      this.emit(this.stream, chunk.subarray(offset, offset + take));
      offset += take;
      this.remaining -= take;
    }
  }
}

export class DockerExecProcess implements ExecProcess {
  readonly stdin: Writable;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  private readonly ended: Promise<void>;
  private exitCode: Promise<number> | undefined;

  constructor(
    private readonly container: Docker.Container,
    private readonly exec: Docker.Exec,
    private readonly socket: Duplex,
    private readonly tty: boolean,
    private readonly marker: string,
    initialSize: { cols: number; rows: number } | undefined,
  ) {
    this.ended = new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.stdout.end();
        this.stderr.end();
        resolve();
      };
      socket.once('end', finish);
      socket.once('close', finish);
      socket.once('error', finish);
    });
    if (tty) socket.pipe(this.stdout, { end: false });
    else {
      const demux = new StreamDemuxer((stream, payload) => (stream === 2 ? this.stderr : this.stdout).write(payload));
      socket.on('data', (chunk: Buffer) => demux.push(chunk));
    }

    // Writes go straight to the connection; ending stdin half-closes it, which Docker turns into
    // EOF on the process's stdin while output keeps flowing.
    this.stdin = new Writable({
      write: (chunk, _encoding, callback) => {
        if (socket.writableEnded || socket.destroyed) return callback();
        socket.write(chunk, callback);
      },
      final: (callback) => {
        if (!socket.writableEnded && !socket.destroyed) socket.end();
        callback();
      },
    });
    this.stdin.on('error', () => undefined);
    if (initialSize) void this.resize(initialSize.cols, initialSize.rows).catch(() => undefined);
  }

  close(): void {
    this.socket.destroy();
  }

  wait(): Promise<number> {
    this.exitCode ??= this.ended.then(() => this.readExitCode());
    return this.exitCode;
  }

  /** Resizes reach Docker one after another: the initial size must never land after a later one. */
  private resizing: Promise<void> = Promise.resolve();

  resize(cols: number, rows: number): Promise<void> {
    const next = this.resizing.then(() => this.resizeNow(cols, rows));
    this.resizing = next.catch(() => undefined);
    return next;
  }

  private async resizeNow(cols: number, rows: number): Promise<void> {
    if (!this.tty) return;
    const w = Math.max(1, Math.floor(cols));
    const h = Math.max(1, Math.floor(rows));
    try {
      await this.exec.resize({ w, h });
    } catch (error) {
      // A resize racing the process's exit is harmless; anything else is worth surfacing.
      if (dockerStatus(error) !== 404 && dockerStatus(error) !== 409 && !/not running|no such exec/i.test(dockerMessage(error))) throw error;
    }
  }

  async kill(signal = 'TERM'): Promise<void> {
    const name = signal.replace(/^SIG/i, '').toUpperCase();
    if (!/^[A-Z0-9]+$/.test(name)) throw new SandboxError('EXEC_FAILED', `"${signal}" is not a signal name.`, 'Use a name such as TERM, INT, HUP or KILL.');
    const info = await this.exec.inspect().catch(() => null);
    if (!info?.Running) return;
    const script = [
      'for env in /proc/[0-9]*/environ; do',
      '  pid=${env#/proc/}; pid=${pid%/environ}',
      '  [ "$pid" = "$$" ] && continue',
      '  tr "\\000" "\\n" < "$env" 2>/dev/null | grep -qxF "$2" && kill -"$1" "$pid" 2>/dev/null',
      'done; exit 0',
    ].join('\n');
    const killer = await this.container.exec({ Cmd: ['/bin/sh', '-c', script, 'sandbox-kill', name, this.marker], AttachStdout: true, AttachStderr: true });
    const stream = await killer.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
      stream.resume();
    });
  }

  /**
   * The output stream has ended; Docker may need a moment to record the exit code. A sandbox
   * stopped or removed from outside takes the process with it, and there is no exit code.
   */
  private async readExitCode(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      let info: Docker.ExecInspectInfo;
      try {
        info = await this.exec.inspect();
      } catch (error) {
        if (dockerStatus(error) === 404) throw this.sandboxGone(error);
        throw error;
      }
      if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
      if (attempt % 20 === 19 && !(await this.containerRunning())) throw this.sandboxGone();
      if (attempt > 200)
        throw new SandboxError('EXEC_FAILED', 'The command closed its output but Docker never reported its exit code.', 'Check the Docker engine log; retry the command.');
      await new Promise((r) => setTimeout(r, attempt < 20 ? 5 : 50));
    }
  }

  private async containerRunning(): Promise<boolean> {
    try {
      return (await this.container.inspect()).State.Running;
    } catch (error) {
      if (dockerStatus(error) === 404) return false;
      throw error;
    }
  }

  private sandboxGone(cause?: unknown): SandboxError {
    return new SandboxError(
      'NOT_RUNNING',
      'The sandbox stopped or was removed while the process ran, so it has no exit code.',
      'Create a new sandbox; an ended sandbox cannot run commands.',
      { cause },
    );
  }
}

/** Runs `proc` to completion with `stdin` written and closed, and collects its output as text (`Sandbox.run`). */
export async function collectOutput(proc: ExecProcess, stdin: string | Buffer | undefined): Promise<RunResult> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  proc.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  proc.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  proc.stdin.end(stdin ?? undefined);
  const exitCode = await proc.wait();
  return { exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}
