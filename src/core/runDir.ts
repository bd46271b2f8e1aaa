/**
 * The reaper's run directory: where its pid file and log live. It must be a directory only this
 * user can write. The reaper used to keep them in $TMPDIR/gvisor-sandboxes, which any local user
 * can create first: a pid file there naming any live process (`1`) stopped every client from
 * starting a reaper, so no lifetime was enforced, and its log was appended to through a planted
 * symlink (finding 9 of issue #10).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SandboxError } from './errors';

/**
 * `$XDG_RUNTIME_DIR/gvisor-sandboxes` (per user, 0700, on tmpfs: gone at reboot with the
 * reaper), else `~/.cache/gvisor-sandboxes/run`.
 */
export function defaultRunDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, 'gvisor-sandboxes');
  return path.join(home, '.cache', 'gvisor-sandboxes', 'run');
}

/**
 * Creates `dir` with mode 0700 when it is missing, then checks it is what it must be: a real
 * directory (not a symlink), owned by this user, with no group or other permission bits. A
 * directory that is not is refused, not repaired: someone else may already have put files in it.
 */
export function ensurePrivateDir(dir: string): string {
  const uid = process.getuid?.();
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unsafe(dir, `cannot be created (${(error as Error).message})`, error);
  }
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) throw unsafe(dir, 'is a symbolic link');
  if (!st.isDirectory()) throw unsafe(dir, 'is not a directory');
  // No uid where there are no POSIX users (Windows): the per-user profile folder protects it there.
  if (uid === undefined) return dir;
  if (st.uid !== uid) throw unsafe(dir, `is owned by uid ${st.uid}, not by you (uid ${uid})`);
  if (st.mode & 0o077) throw unsafe(dir, `is open to other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`);
  return dir;
}

function unsafe(dir: string, problem: string, cause?: unknown): SandboxError {
  return new SandboxError(
    'UNSAFE_RUN_DIR',
    `The sandbox reaper's run directory ${dir} ${problem}, so the pid file and log in it could be someone else's: sandbox lifetimes (timeoutSeconds, idleTimeoutSeconds) cannot be enforced.`,
    `Remove ${dir} (the next sandbox creates it again, mode 0700), or point the engine at a private directory (the runDir option, or XDG_RUNTIME_DIR).`,
    { cause },
  );
}

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** Reads a small file without following a symlink in its place; null when it is missing or a link. */
export function readNoFollow(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch {
    return null;
  }
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates `file` (0600) with this content; fails with EEXIST when anything, a symlink too, is there. */
export function createExclusive(file: string, content: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o600);
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `file` atomically (a temporary file renamed over it: a symlink there is replaced, never followed). */
export function replaceFile(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  createExclusive(temporary, content);
  try {
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Opens `file` for appending (0600) without following a symlink. One found in its place is
 * removed and a file of its own made: the directory is private, so the link was put there by
 * this user or root, and logging through it would write wherever it points.
 */
export function openAppendNoFollow(file: string): number {
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | NOFOLLOW;
  try {
    return fs.openSync(file, flags, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
    fs.unlinkSync(file);
    return fs.openSync(file, flags | fs.constants.O_EXCL, 0o600);
  }
}
