/**
 * How the files API runs its commands in a sandbox: one exec per operation, through a spare exec
 * started ahead when it can (fileScripts.ts says why), with output capped, cancellation, and a
 * watchdog for sandboxes that die under a running exec. A failure becomes a SandboxError naming
 * the operation and path (fileErrors.ts); a sandbox that ended is reported as that.
 */
import type { Readable } from 'node:stream';
import { SandboxError, isSandboxError } from '../errors';
import { FILES_SPARE_NAME } from '../labels';
import type { ExecOptions, ExecProcess, SandboxInfo } from '../types';
import { cancelled, fileFailure, tooLargeError, type ScriptResult } from './fileErrors';
import { EXIT, SPARE_SCRIPT, spareRequest } from './fileScripts';

/** What the files API needs from a sandbox handle. */
export interface FilesHost {
  readonly name: string;
  exec(argv: string[], options?: ExecOptions): Promise<ExecProcess>;
  info(): Promise<SandboxInfo>;
}

export interface RunOptions {
  stdin?: Buffer | Readable;
  maxStdout?: number;
  signal?: AbortSignal;
  consume?: (stdout: Readable) => Promise<void>;
  okCodes?: number[];
  /** Not through the spare: it had died before the request reached it. */
  fresh?: boolean;
}

const WATCHDOG_MS = 1000;
const SPARE_IDLE_MS = 3000;

/** Ends a running operation early (too large, cancelled, the sandbox died) with `error`. */
type Stop = (error: Error) => void;

export class FileTransport {
  private spare: Promise<ExecProcess | undefined> | undefined;
  private readonly deadSpares = new WeakSet<ExecProcess>();
  private spareTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: FilesHost) {}

  /** Runs one of the scripts; a failure becomes a SandboxError naming the operation and path. */
  script(op: string, script: string, args: string[], what: string, options: RunOptions = {}): Promise<ScriptResult> {
    return this.process(op, ['/bin/sh', '-c', script, `sandbox-${op}`, ...args], what, options);
  }

  async process(op: string, argv: string[], what: string, options: RunOptions = {}): Promise<ScriptResult> {
    if (options.signal?.aborted) throw cancelled(op);
    // Streamed stdin or stdout cannot be replayed if the spare turns out dead: those start fresh.
    const spare = options.fresh || options.consume || (options.stdin && !Buffer.isBuffer(options.stdin)) ? undefined : await this.takeSpare();
    let proc: ExecProcess;
    try {
      if (spare) {
        spare.stdin.write(spareRequest(argv));
        proc = spare;
      } else proc = await this.host.exec(argv);
    } catch (error) {
      throw await this.whenEnded(op, what, error);
    }
    const supervision = this.supervise(op, what, proc, options.signal);
    const output = collect(proc, what, options, supervision.stop);
    feed(proc, options.stdin, supervision.stop);
    let code: number;
    try {
      const [exit] = await Promise.race([Promise.all([proc.wait(), output.consumed]), supervision.stopped]);
      code = exit;
      this.keepSpare();
    } catch (error) {
      // NOT_RUNNING from the exec itself says less than whenEnded (which op, what to do).
      if (isSandboxError(error) && error.code !== 'EXEC_FAILED' && error.code !== 'NOT_FOUND' && error.code !== 'NOT_RUNNING') throw error;
      throw await this.whenEnded(op, what, error);
    } finally {
      supervision.dispose();
    }
    if (spare && code === EXIT.spareUnused && output.size() === 0) return this.process(op, argv, what, { ...options, fresh: true });
    const result = { code, stdout: output.stdout(), stderr: output.stderr() };
    if (!(options.okCodes ?? [0]).includes(code)) throw await this.whenEnded(op, what, fileFailure(op, what, result, this.host.name), code >= 128);
    return result;
  }

  /**
   * Stopping early (too large, cancelled) must not wait for an exit code: the process may still
   * be running inside, so it is killed and the caller answered at once. Docker does not always
   * end an exec's connection when its container dies (seen with runsc): an operation still going
   * after a second checks every second that the sandbox is running.
   */
  private supervise(op: string, what: string, proc: ExecProcess, signal: AbortSignal | undefined) {
    let stopEarly: Stop = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stopEarly = reject));
    stopped.catch(() => undefined);
    const stop: Stop = (error) => {
      void proc
        .kill('KILL')
        .catch(() => undefined)
        .finally(() => proc.close());
      stopEarly(error);
    };
    const onAbort = () => stop(cancelled(op));
    signal?.addEventListener('abort', onAbort, { once: true });
    const watchdog = setInterval(() => {
      void this.host.info().then(
        async (info) => {
          if (info.state !== 'running') stop(await this.whenEnded(op, what, new Error('the sandbox stopped')));
        },
        async (error: unknown) => {
          if (isSandboxError(error, 'NOT_FOUND')) stop(await this.whenEnded(op, what, error));
        },
      );
    }, WATCHDOG_MS);
    const dispose = () => {
      clearInterval(watchdog);
      signal?.removeEventListener('abort', onAbort);
    };
    return { stop, stopped, dispose };
  }

  /** The idle spare exec, if one is up; the next one is started once this operation is done. */
  private async takeSpare(): Promise<ExecProcess | undefined> {
    const pending = this.spare;
    this.spare = undefined;
    const proc = await pending;
    if (proc && this.deadSpares.has(proc)) return void discard(proc);
    return proc;
  }

  /** Called after each operation: have a spare ready, and give it up after SPARE_IDLE_MS unused. */
  private keepSpare(): void {
    clearTimeout(this.spareTimer);
    this.spare ??= this.host.exec(['/bin/sh', '-c', SPARE_SCRIPT, FILES_SPARE_NAME]).then(
      (proc) => {
        void proc
          .wait()
          .catch(() => undefined)
          .finally(() => this.deadSpares.add(proc));
        return proc;
      },
      () => undefined,
    );
    this.spareTimer = setTimeout(() => {
      const idle = this.spare;
      this.spare = undefined;
      void idle?.then((proc) => proc && discard(proc));
    }, SPARE_IDLE_MS);
    this.spareTimer.unref();
  }

  /** If the sandbox is gone or stopped, that is the error to report, not the symptom. */
  private async whenEnded(op: string, what: string, error: unknown, killed = false): Promise<Error> {
    const state = () => this.host.info().catch((e: unknown) => (isSandboxError(e, 'NOT_FOUND') ? null : undefined));
    let info = await state();
    // Killed by a signal: when the whole sandbox is going down, Docker may still say "running"
    // for a moment. Give it two seconds to tell.
    for (let i = 0; killed && info?.state === 'running' && i < 10; i++) {
      await new Promise((r) => setTimeout(r, 200));
      info = await state();
    }
    if (info === null || (info && info.state !== 'running')) {
      return new SandboxError(
        'NOT_RUNNING',
        `Sandbox ${this.host.name} is ${info ? `not running (${info.state})` : 'gone'}, so ${op} of ${what} could not ${info && info.state !== 'exited' ? 'run' : 'complete'}. Under gVisor a sandbox's own file changes live in its memory and end with it.`,
        'Create a new sandbox; keep files you need with download() or snapshotFilesystem() while a sandbox runs, or use a readwrite mount.',
        { cause: error },
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Reads the process's output: handed to `consume`, or kept up to `maxStdout` bytes (more stops it). */
function collect(proc: ExecProcess, what: string, options: RunOptions, stop: Stop) {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  const stderr: Buffer[] = [];
  proc.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  let consumed: Promise<void> | undefined;
  if (options.consume) {
    consumed = options.consume(proc.stdout).catch((error: unknown) => {
      stop(error instanceof Error ? error : new Error(String(error)));
      throw error;
    });
    consumed.catch(() => undefined);
  } else {
    proc.stdout.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (options.maxStdout !== undefined && size > options.maxStdout) {
        tooLarge = true;
        stop(tooLargeError(what, options.maxStdout));
        return;
      }
      chunks.push(chunk);
    });
  }
  return { consumed, size: () => size, stdout: () => Buffer.concat(chunks), stderr: () => Buffer.concat(stderr).toString('utf8') };
}

/** Sends the operation's input: a buffer at once, a stream piped (its failure stops the operation). */
function feed(proc: ExecProcess, stdin: Buffer | Readable | undefined, stop: Stop): void {
  if (stdin && !Buffer.isBuffer(stdin)) {
    stdin.on('error', (error) => stop(error));
    stdin.pipe(proc.stdin);
  } else proc.stdin.end(stdin);
}

/**
 * Lets an unused spare go: EOF on its stdin ends the shell's read and it exits by itself; its
 * output is drained so its streams end and the client stops tracking it (an exec tracked for
 * ever would keep the client's Docker event stream, and so Node, running).
 */
function discard(proc: ExecProcess): void {
  proc.stdout.resume();
  proc.stderr.resume();
  proc.stdin.end();
}
