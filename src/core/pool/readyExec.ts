/**
 * The first command ready (issue #16, item 2): starting an exec is most of a claimed sandbox's
 * first-command time under gVisor, so a pool starts one ahead, a small shell that waits for one
 * line on stdin, the command shell-quoted, and then `exec`s it. The caller's first plain exec (no
 * PTY, environment, working directory or user of its own) gets that process: the command line is
 * written, and everything the caller writes to stdin follows it. The shell reads stdin one byte at
 * a time, so nothing of the caller's input is lost; the process keeps the exec's environment
 * (the same as a fresh one's) and its exit code is the command's.
 *
 * A ready exec is never used for a sandbox with an idle timeout: a waiting exec counts as
 * activity for the reaper. One not used within READY_EXEC_MS is closed (its shell exits on EOF).
 */
import type Docker from 'dockerode';
import { startExec } from '../exec';
import type { ExecOptions, ExecProcess } from '../types';

/** `$0` of the waiting shell, so it can be told from a command in `ps` and Docker's exec list. */
export const READY_EXEC_NAME = 'sandboxes-ready-exec';
const LAUNCHER = 'IFS= read -r line || exit 0; eval "exec $line"';
export const READY_EXEC_MS = 60_000;

/** The command as one line `sh` turns back into exactly this argv, or null (a newline cannot be passed). */
export function commandLine(argv: string[]): string | null {
  if (argv.length === 0 || argv.some((a) => typeof a !== 'string' || a.includes('\n') || a.includes('\0'))) return null;
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

/** Whether an exec with these options may be served by a ready exec (it has none of its own settings). */
export function servable(options: ExecOptions): boolean {
  return !options.pty && !options.env && !options.workdir && !options.user;
}

/** Ready execs per container, handed out once. */
export class ReadyExecs {
  private readonly ready = new Map<string, { proc: Promise<ExecProcess | null>; timer?: NodeJS.Timeout }>();

  constructor(private readonly docker: Docker) {}

  /** Starts a waiting shell in the container (in the background; failures just mean none is ready). */
  prepare(containerId: string): void {
    if (this.ready.has(containerId)) return;
    const proc = startExec(this.docker, containerId, ['/bin/sh', '-c', LAUNCHER, READY_EXEC_NAME]).catch(() => null);
    this.ready.set(containerId, { proc });
  }

  /** The sandbox is claimed: its ready exec waits READY_EXEC_MS for the first command, then goes. */
  arm(containerId: string): void {
    const entry = this.ready.get(containerId);
    if (entry && !entry.timer) entry.timer = setTimeout(() => this.drop(containerId), READY_EXEC_MS).unref();
  }

  /** Drops the unclaimed ones whose pool member is no longer in `keep` (claimed by another client, or gone). */
  keepOnly(keep: ReadonlySet<string>): void {
    for (const [id, entry] of this.ready) if (!entry.timer && !keep.has(id)) this.drop(id);
  }

  /** The waiting shell of this container running `argv`, or undefined (the caller starts an exec). */
  async take(containerId: string, argv: string[], options: ExecOptions): Promise<ExecProcess | undefined> {
    const entry = this.ready.get(containerId);
    if (!entry || !servable(options)) return undefined;
    const cmd = options.timeoutSeconds && options.timeoutSeconds > 0 ? ['timeout', '-s', 'KILL', String(Math.ceil(options.timeoutSeconds)), ...argv] : argv;
    const line = commandLine(cmd);
    if (line === null) return undefined;
    this.ready.delete(containerId);
    clearTimeout(entry.timer);
    const proc = await entry.proc;
    if (!proc) return undefined;
    proc.stdin.write(`${line}\n`);
    return proc;
  }

  /** Closes the waiting shell of one container (unused). */
  drop(containerId: string): void {
    const entry = this.ready.get(containerId);
    if (!entry) return;
    this.ready.delete(containerId);
    clearTimeout(entry.timer);
    void entry.proc.then((p) => p?.close());
  }

  dispose(): void {
    for (const id of [...this.ready.keys()]) this.drop(id);
  }
}
