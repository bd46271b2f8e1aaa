import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { SandboxError, isSandboxError } from '../errors';
import { FILES_SPARE_NAME } from '../labels';
import type { ConfigFolderAnswer, CopyProgress, DownloadOptions, ExecOptions, ExecProcess, FileEntry, FileStat, SandboxFiles, SandboxInfo } from '../types';
import { DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_DOWNLOAD_ENTRIES, SURVEY_COMMAND, formatCap, parseSurvey } from './downloadLimits';
import { downloadTooLarge, downloadTooMany, extractToHost } from './extract';
import { changedDuringCopy, walkHost } from './hostTree';
import { parentOf, sandboxPath } from './paths';
import { ProgressTracker } from './progress';
import { STATF_SHELL, parseStatOutput, toEntries, toFileStat } from './statOutput';
import { packHostTree } from './tar';

/** What the files API needs from a sandbox handle. */
export interface FilesHost {
  readonly name: string;
  exec(argv: string[], options?: ExecOptions): Promise<ExecProcess>;
  info(): Promise<SandboxInfo>;
}

export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024;
/** A download's listing (one short line per entry) past this is more entries than any cap allows. */
const SURVEY_MAX_OUTPUT = 256 * 1024 * 1024;
const WATCHDOG_MS = 1000;

/**
 * Exit codes the scripts below use for conditions the caller must tell apart; anything else is
 * read from the tool's own message (e.g. "Read-only file system").
 */
const EXIT = { notFound: 70, exists: 71, notDirectory: 72, isDirectory: 73, spareUnused: 74, notEmpty: 75, denied: 76, noTool: 127 } as const;

/**
 * Starting a process through Docker costs ≈ 100 ms under gVisor, most of a small operation and
 * half of a 10 MiB read. So after an operation one exec is started ahead, idle in `read`: the
 * next operation sends it its command line and it becomes that command (exec), output, stdin
 * and exit code as if started fresh — the stream still ends with the process, so no framing is
 * needed and reads stay the sandbox's current view. It is given up after SPARE_IDLE_MS unused.
 * The idle reaper knows it by its name (FILES_SPARE_NAME) and does not count it as activity, so
 * file operations through it do not keep a sandbox alive (as before, when they were short execs
 * its once-a-second check rarely saw). A request is one line: the argv as shell words, newlines
 * spelled "$nl".
 */
export const SPARE_SCRIPT = `nl='
'
IFS= read -r request || exit ${EXIT.spareUnused}
eval "set -- $request"
exec "$@"`;
const SPARE_IDLE_MS = 3000;

export function spareRequest(argv: string[]): string {
  const word = (arg: string) => arg.split('\n').map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join('"$nl"');
  return `${argv.map(word).join(' ')}\n`;
}

const PRELUDE = `set -u
missing() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
parent_ok() { d=$(dirname -- "$1"); if [ ! -d "$d" ]; then if [ -e "$d" ]; then exit ${EXIT.notDirectory}; else exit ${EXIT.notFound}; fi; fi; }
`;

const SCRIPTS = {
  stat: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
${STATF_SHELL}
statf "$1"`,
  list: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
[ -d "$1" ] || exit ${EXIT.notDirectory}
[ -r "$1" ] && [ -x "$1" ] || exit ${EXIT.denied}
cd -- "$1" || exit ${EXIT.denied}
${STATF_SHELL}
statfind`,
  write: `${PRELUDE}if [ -e "$1" ] || [ -L "$1" ]; then
  [ -d "$1" ] && exit ${EXIT.isDirectory}
  [ "$3" = 1 ] || exit ${EXIT.exists}
else
  [ "$2" = 1 ] || exit ${EXIT.notFound}
  if [ "$4" = 1 ]; then mkdir -p -- "$(dirname -- "$1")" || exit; else parent_ok "$1"; fi
fi
exec cat > "$1"`,
  mkdir: `${PRELUDE}if [ "$2" = 1 ]; then
  [ -d "$1" ] && exit 0
  exec mkdir -p -- "$1"
fi
missing "$1" || exit ${EXIT.exists}
parent_ok "$1"
exec mkdir -- "$1"`,
  remove: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
if [ -d "$1" ] && [ ! -L "$1" ]; then
  [ "$2" = 1 ] && exec rm -rf -- "$1"
  [ -z "$(ls -A -- "$1")" ] || exit ${EXIT.notEmpty}
  exec rmdir -- "$1"
fi
exec rm -f -- "$1"`,
  rename: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
parent_ok "$2"
if ! missing "$2"; then
  [ "$3" = 1 ] || exit ${EXIT.exists}
  if [ -d "$2" ] && [ ! -L "$2" ]; then
    [ -d "$1" ] && [ ! -L "$1" ] || exit ${EXIT.isDirectory}
    rm -rf -- "$2" || exit
  fi
fi
exec mv -f -- "$1" "$2"`,
  // What a download will hold (see parseSurvey): totals for progress, the caps, .git and .vscode.
  survey: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
${SURVEY_COMMAND}`,
  tarOut: `${PRELUDE}cd -- "$(dirname -- "$1")" || exit ${EXIT.notFound}
exec tar -c -f - -- "$(basename -- "$1")"`,
  tarIn: `${PRELUDE}mkdir -p -- "$1" || exit
exec tar -x -f - -C "$1"`,
};

interface RunOptions {
  stdin?: Buffer | Readable;
  maxStdout?: number;
  signal?: AbortSignal;
  consume?: (stdout: Readable) => Promise<void>;
  okCodes?: number[];
  /** Not through the spare: it had died before the request reached it. */
  fresh?: boolean;
}

interface ScriptResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Files of a running sandbox through exec: see SandboxFiles for the contract. */
export class ExecSandboxFiles implements SandboxFiles {
  private spare: Promise<ExecProcess | undefined> | undefined;
  private readonly deadSpares = new WeakSet<ExecProcess>();
  private spareTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: FilesHost) {}

  async stat(input: string): Promise<FileStat> {
    const p = sandboxPath(input);
    const result = await this.script('stat', SCRIPTS.stat, [p], p);
    const [record] = parseStatOutput(result.stdout);
    if (!record) throw this.failure('stat', p, { ...result, code: EXIT.notFound });
    return toFileStat(record, p);
  }

  async list(input: string): Promise<FileEntry[]> {
    const p = sandboxPath(input);
    const result = await this.script('list', SCRIPTS.list, [p], p);
    return toEntries(parseStatOutput(result.stdout), p);
  }

  async read(input: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const p = sandboxPath(input);
    const max = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    if (!Number.isInteger(max) || max < 0) throw new SandboxError('INVALID_SPEC', `maxBytes must be a whole number of bytes (got ${max}).`, 'Pass e.g. { maxBytes: 10 * 1024 * 1024 }.');
    // cat alone, no shell around it (process start is what costs in gVisor: ≈ 40 ms a shell) and
    // no size check first: the caller stops reading at maxBytes, which also holds for files that
    // grow and for devices. Its conditions come back as its messages (see failure()).
    return (await this.process('read', ['cat', '--', p], p, { maxStdout: max })).stdout;
  }

  async write(input: string, data: Buffer | string, options: { create?: boolean; overwrite?: boolean; mkdirs?: boolean } = {}): Promise<void> {
    const p = sandboxPath(input);
    const flags = [options.create !== false, options.overwrite !== false, options.mkdirs === true].map((b) => (b ? '1' : '0'));
    await this.script('write', SCRIPTS.write, [p, ...flags], p, { stdin: typeof data === 'string' ? Buffer.from(data, 'utf8') : data });
  }

  async mkdir(input: string, options: { parents?: boolean } = {}): Promise<void> {
    const p = sandboxPath(input);
    await this.script('mkdir', SCRIPTS.mkdir, [p, options.parents ? '1' : '0'], p);
  }

  async remove(input: string, options: { recursive?: boolean } = {}): Promise<void> {
    const p = sandboxPath(input);
    if (p === '/') throw new SandboxError('PATH_OUTSIDE', 'Refusing to remove the sandbox\'s root folder.', 'Remove the folders inside it instead, or terminate the sandbox.');
    await this.script('remove', SCRIPTS.remove, [p, options.recursive ? '1' : '0'], p);
  }

  async rename(fromInput: string, toInput: string, options: { overwrite?: boolean } = {}): Promise<void> {
    const from = sandboxPath(fromInput);
    const to = sandboxPath(toInput);
    if (from === to) return;
    if (to.startsWith(from + '/')) throw new SandboxError('PATH_OUTSIDE', `Cannot move ${from} into itself (${to}).`, 'Choose a destination outside the folder being moved.');
    await this.script('rename', SCRIPTS.rename, [from, to, options.overwrite ? '1' : '0'], `${from} → ${to}`);
  }

  async upload(hostPath: string, input: string, options: { includeIgnored?: boolean; onProgress?: (p: CopyProgress) => void; signal?: AbortSignal } = {}): Promise<void> {
    const target = sandboxPath(input);
    if (target === '/') throw new SandboxError('PATH_OUTSIDE', 'Uploading onto the sandbox\'s root folder is not supported.', 'Upload to a folder, e.g. "/workspace".');
    const tree = await walkHost(path.resolve(hostPath), { includeIgnored: options.includeIgnored }).catch((error: unknown) => {
      throw hostError(error, hostPath);
    });
    const progress = new ProgressTracker(tree.totalFiles, tree.totalBytes, options.onProgress);
    const archive = packHostTree(tree, path.posix.basename(target), progress, { signal: options.signal });
    await this.script('upload', SCRIPTS.tarIn, [parentOf(target)], target, { stdin: archive, signal: options.signal });
    progress.finish();
    if (tree.changed.length) throw changedDuringCopy(tree.changed);
  }

  async download(input: string, hostPath: string, options: DownloadOptions = {}): Promise<void> {
    const source = sandboxPath(input);
    if (source === '/') throw new SandboxError('PATH_OUTSIDE', 'Downloading the whole sandbox filesystem is not supported.', 'Download a folder, e.g. "/workspace", or snapshot the sandbox (snapshotFilesystem).');
    const maxBytes = cap('maxBytes', options.maxBytes, DEFAULT_MAX_DOWNLOAD_BYTES);
    const maxEntries = cap('maxEntries', options.maxEntries, DEFAULT_MAX_DOWNLOAD_ENTRIES);
    const listed = await this.script('download', SCRIPTS.survey, [source], source, { maxStdout: SURVEY_MAX_OUTPUT }).catch((error: unknown) => {
      throw isSandboxError(error, 'FILE_TOO_LARGE') ? downloadTooMany(maxEntries) : error;
    });
    const survey = parseSurvey(listed.stdout.toString('utf8'), source, path.basename(path.resolve(hostPath)));
    // Refused before a byte is written; the extraction enforces the same caps on what really comes.
    if (survey.entries > maxEntries) throw downloadTooMany(maxEntries);
    if (survey.bytes > maxBytes) throw downloadTooLarge(maxBytes, `${source} holds ${formatCap(survey.bytes)} in ${survey.files} file(s)`, survey.bytes);
    const answers = new Map<string, ConfigFolderAnswer>();
    let otherwise: ConfigFolderAnswer = 'refuse';
    if (typeof options.configFolders === 'function') {
      if (survey.folders.length) {
        const answer = await options.configFolders({ folders: survey.folders, hooks: survey.hooks });
        for (const folder of survey.folders) answers.set(folder, answer);
      }
    } else if (options.configFolders) otherwise = options.configFolders;
    const progress = new ProgressTracker(survey.files, survey.bytes, options.onProgress);
    await this.script('download', SCRIPTS.tarOut, [source], source, {
      signal: options.signal,
      consume: (stdout) =>
        extractToHost(stdout, hostPath, progress, { signal: options.signal, maxBytes, maxEntries, configFolder: (folder) => answers.get(folder) ?? otherwise }),
      // GNU tar exits 1 when a file changed while it was read: the archive is still complete.
      okCodes: [0, 1],
    });
    progress.finish();
  }

  /** Runs one of the scripts; a failure becomes a SandboxError naming the operation and path. */
  private script(op: string, script: string, args: string[], what: string, options: RunOptions = {}): Promise<ScriptResult> {
    return this.process(op, ['/bin/sh', '-c', script, `sandbox-${op}`, ...args], what, options);
  }

  private async process(op: string, argv: string[], what: string, options: RunOptions = {}): Promise<ScriptResult> {
    if (options.signal?.aborted) throw cancelled(op);
    let proc: ExecProcess;
    // Streamed stdin or stdout cannot be replayed if the spare turns out dead: those start fresh.
    const spare = options.fresh || options.consume || (options.stdin && !Buffer.isBuffer(options.stdin)) ? undefined : await this.takeSpare();
    try {
      if (spare) {
        spare.stdin.write(spareRequest(argv));
        proc = spare;
      } else proc = await this.host.exec(argv);
    } catch (error) {
      throw await this.whenEnded(op, what, error);
    }
    // Stopping early (too large, cancelled) must not wait for an exit code: the process may
    // still be running inside, so it is killed and the caller answered at once.
    let stopEarly: (error: Error) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stopEarly = reject));
    stopped.catch(() => undefined);
    const stop = (error: Error) => {
      void proc.kill('KILL').catch(() => undefined).finally(() => proc.close());
      stopEarly(error);
    };
    const onAbort = () => stop(cancelled(op));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Docker does not always end an exec's connection when its container dies (seen with runsc):
    // an operation still going after a second checks every second that the sandbox is running.
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
    if (options.stdin && !Buffer.isBuffer(options.stdin)) {
      const source = options.stdin;
      source.on('error', (error) => stop(error));
      source.pipe(proc.stdin);
    } else proc.stdin.end(options.stdin);
    let code: number;
    try {
      const [exit] = await Promise.race([Promise.all([proc.wait(), consumed]), stopped]);
      code = exit;
      this.keepSpare();
    } catch (error) {
      // NOT_RUNNING from the exec itself says less than whenEnded (which op, what to do).
      if (isSandboxError(error) && error.code !== 'EXEC_FAILED' && error.code !== 'NOT_FOUND' && error.code !== 'NOT_RUNNING') throw error;
      throw await this.whenEnded(op, what, error);
    } finally {
      clearInterval(watchdog);
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (spare && code === EXIT.spareUnused && size === 0) return this.process(op, argv, what, { ...options, fresh: true });
    const result = { code, stdout: Buffer.concat(chunks), stderr: Buffer.concat(stderr).toString('utf8') };
    if (!(options.okCodes ?? [0]).includes(code)) throw await this.whenEnded(op, what, this.failure(op, what, result), code >= 128);
    return result;
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
        void proc.wait().catch(() => undefined).finally(() => this.deadSpares.add(proc));
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

  private failure(op: string, what: string, result: ScriptResult): SandboxError {
    const detail = result.stderr.trim().split('\n').pop() ?? '';
    switch (op === 'read' ? catExit(result.code, detail) : result.code) {
      case EXIT.notFound:
        return new SandboxError('FILE_NOT_FOUND', `${what} does not exist in sandbox ${this.host.name}${op === 'write' || op === 'mkdir' || op === 'rename' ? ' (or its parent folder does not)' : ''}.`, 'Check the path; list the parent folder to see what is there.');
      case EXIT.exists:
        return new SandboxError('FILE_EXISTS', `${what} already exists in sandbox ${this.host.name}.`, 'Pass { overwrite: true } to replace it, or choose another name.');
      case EXIT.notDirectory:
        return new SandboxError('NOT_A_DIRECTORY', `${what}: a part of the path is a file, not a folder.`, 'Check the path.');
      case EXIT.isDirectory:
        return new SandboxError('IS_A_DIRECTORY', `${what} is a folder, so it cannot be ${op === 'read' ? 'read as a file' : 'replaced by a file'}.`, op === 'read' ? 'Use list() for folders.' : 'Remove the folder first, or choose another path.');
      case EXIT.notEmpty:
        return new SandboxError('IS_A_DIRECTORY', `${what} is a folder that is not empty.`, 'Pass { recursive: true } to remove it with everything in it.');
      case EXIT.denied:
        return denied(op, what, detail);
      case EXIT.noTool:
        return new SandboxError('EXEC_FAILED', `The sandbox's image lacks a tool the files API needs for ${op} (${detail}).`, 'Use an image with a POSIX shell and coreutils or busybox (sh, stat, cat, find, tar, mv, rm).');
    }
    if (/Read-only file system|Permission denied|Operation not permitted/i.test(detail)) return denied(op, what, detail);
    if (/No such file/i.test(detail)) return new SandboxError('FILE_NOT_FOUND', `${what}: ${detail}`, 'Check the path.');
    if (/Not a directory/i.test(detail)) return new SandboxError('NOT_A_DIRECTORY', `${what}: ${detail}`, 'Check the path.');
    if (/Is a directory/i.test(detail)) return new SandboxError('IS_A_DIRECTORY', `${what}: ${detail}`, 'Choose a file, not a folder.');
    if (/File exists/i.test(detail)) return new SandboxError('FILE_EXISTS', `${what}: ${detail}`, 'Choose another name, or remove it first.');
    if (/No space left/i.test(detail)) return new SandboxError('EXEC_FAILED', `${what}: ${detail}`, 'Free space in the sandbox, or give it more memory (its own files are kept in memory under gVisor).');
    return new SandboxError('EXEC_FAILED', `${op} of ${what} failed in sandbox ${this.host.name} (exit ${result.code})${detail ? `: ${detail}` : ''}.`, 'See the message above; check that the sandbox is healthy (Run Command: ls -la).');
  }
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

/** read runs cat without a shell: its messages (GNU and busybox alike) name the condition. */
function catExit(code: number, detail: string): number {
  if (code !== 1) return code;
  if (/No such file/i.test(detail)) return EXIT.notFound;
  if (/Is a directory/i.test(detail)) return EXIT.isDirectory;
  if (/Permission denied/i.test(detail)) return EXIT.denied;
  return code;
}

function denied(op: string, what: string, detail: string): SandboxError {
  return new SandboxError(
    'PERMISSION_DENIED',
    `${op} of ${what} was refused${detail ? `: ${detail}` : ''}.`,
    /Read-only/i.test(detail) ? 'It is on a read-only mount: change it on the host, or create the sandbox with a readwrite or copy mount.' : "Check the file's permissions and the sandbox's user (operations run as the image's default user).",
  );
}

function tooLargeError(what: string, max: number): SandboxError {
  return new SandboxError('FILE_TOO_LARGE', `${what} is larger than ${max} bytes.`, 'Pass a larger { maxBytes }, or download() the file to disk.');
}

function cap(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new SandboxError('INVALID_SPEC', `${name} must be a whole number (got ${value}).`, `Pass e.g. { ${name}: ${fallback} }, or leave it out for that default.`);
  return value;
}

function cancelled(op: string): SandboxError {
  return new SandboxError('CANCELLED', `The ${op} was cancelled.`, 'Run it again when you are ready.');
}

export function hostError(error: unknown, hostPath: string): SandboxError {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return new SandboxError('FILE_NOT_FOUND', `${hostPath} does not exist on this machine.`, 'Choose an existing file or folder.', { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new SandboxError('PERMISSION_DENIED', `${hostPath} cannot be read on this machine (${code}).`, 'Check its permissions.', { cause: error });
  return error instanceof SandboxError ? error : new SandboxError('EXEC_FAILED', `Reading ${hostPath}: ${String((error as Error)?.message ?? error)}`, 'Check the path.', { cause: error });
}
