import { closeSync, constants, lstatSync, openSync, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * A host folder held open while what is in it is read. A folder the sandbox can write (a
 * readwrite mount) can change between two system calls: a file swapped for a symlink to
 * ~/.ssh/id_rsa, a folder for a symlink to /etc. So nothing is looked up by a path that could
 * lead elsewhere: names are looked up *in the open folder* (Linux: through /proc/self/fd/N,
 * which is openat() for Node), never through a link (O_NOFOLLOW), and each opened folder or
 * file is checked against what the walk saw (device and inode, fstat of the descriptor).
 *
 * Where /proc/self/fd is missing (macOS), lookups fall back to paths, still with O_NOFOLLOW on
 * the last component and the device and inode checks; a folder swapped for a link between
 * opening it and opening something in it is then not caught, so the guarantee is Linux's.
 */
export class HostDir {
  private constructor(
    private readonly handle: fs.FileHandle,
    /** The path it was opened by, for messages and the fallback. */
    readonly path: string,
    readonly stat: Stats,
  ) {}

  /** Opens the folder at `abs`, which must be a folder itself, not a link to one (ELOOP, ENOTDIR). */
  static async open(abs: string): Promise<HostDir> {
    return HostDir.opened(await fs.open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW), abs);
  }

  /**
   * Opens the folder at `abs` following links, for a folder the user chose (a download's
   * destination may be a link they made); what is below it is then reached only through it.
   */
  static async openChosen(abs: string): Promise<HostDir> {
    return HostDir.opened(await fs.open(abs, O_RDONLY | O_DIRECTORY), abs);
  }

  private static async opened(handle: fs.FileHandle, where: string): Promise<HostDir> {
    try {
      return new HostDir(handle, where, await handle.stat());
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get dev(): number {
    return this.stat.dev;
  }

  get ino(): number {
    return this.stat.ino;
  }

  /** The path by which `name` in this very folder is reached. */
  at(name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new Error(`not a plain name: ${JSON.stringify(name)}`);
    return procFd() ? `/proc/self/fd/${this.handle.fd}/${name}` : path.join(this.path, name);
  }

  /**
   * A path naming this folder itself, for a child process's working directory: /proc/<pid>/fd/N
   * resolves (in the child, before it runs anything) to the folder this process holds.
   */
  selfPath(): string {
    return procFd() ? `/proc/${process.pid}/fd/${this.handle.fd}` : this.path;
  }

  readdir(): Promise<string[]> {
    return fs.readdir(procFd() ? `/proc/self/fd/${this.handle.fd}` : this.path);
  }

  lstat(name: string): Promise<Stats> {
    return fs.lstat(this.at(name));
  }

  readlink(name: string): Promise<string> {
    return fs.readlink(this.at(name));
  }

  /** The folder `name` in this one; ELOOP or ENOTDIR if it is (now) a link or not a folder. */
  async child(name: string): Promise<HostDir> {
    return HostDir.opened(await fs.open(this.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW), path.join(this.path, name));
  }

  /**
   * Opens `name` for reading, never through a link (ELOOP), and without blocking on a FIFO
   * swapped in for it. The caller checks what it got (fstat): a device or FIFO is not a file.
   */
  openFile(name: string): Promise<fs.FileHandle> {
    return fs.open(this.at(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  }

  /** Where this folder really is now (the kernel's name for the open folder). */
  async realPath(): Promise<string> {
    return procFd() ? fs.readlink(`/proc/self/fd/${this.handle.fd}`) : fs.realpath(this.path);
  }

  /** Creates the folder `name` here (EEXIST if anything is there, a link included: never followed). */
  mkdir(name: string, mode = 0o700): Promise<void> {
    return fs.mkdir(this.at(name), { mode }).then(() => undefined);
  }

  /** Opens `name` here for writing, created or truncated, never through a link (ELOOP). */
  openForWrite(name: string): Promise<fs.FileHandle> {
    return fs.open(this.at(name), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600);
  }

  symlink(target: string, name: string): Promise<void> {
    return fs.symlink(target, this.at(name));
  }

  /** Removes `name` here if it is a symlink (the link, not what it points to). */
  async unlinkIfLink(name: string): Promise<void> {
    const stat = await this.lstat(name).catch(() => null);
    if (stat?.isSymbolicLink()) await fs.unlink(this.at(name));
  }

  /** Mode and times of this folder itself, through its descriptor. */
  async setModeAndTimes(mode: number, mtime?: Date): Promise<void> {
    await this.handle.chmod(mode);
    if (mtime) await this.handle.utimes(mtime, mtime).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

/** Opens the file at `abs` for reading as HostDir.openFile does (for a single file, no folder around it). */
export function openFileNoFollow(abs: string): Promise<fs.FileHandle> {
  return fs.open(abs, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
}

/** Same file system object: device and inode. */
export function sameObject(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Error codes that say "this name is now a link, or not the kind of thing it was". */
export function isSwapError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ELOOP' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EINVAL' || code === 'ENXIO';
}

export function isGone(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'ENOENT';
}

let procFdWorks: boolean | undefined;

/** Whether names can be looked up through an open folder (/proc/self/fd/N/name), tried once. */
function procFd(): boolean {
  if (procFdWorks === undefined) {
    procFdWorks = false;
    try {
      const fd = openSync('/', O_RDONLY | O_DIRECTORY);
      try {
        procFdWorks = lstatSync(`/proc/self/fd/${fd}/.`).ino === lstatSync('/').ino;
      } finally {
        closeSync(fd);
      }
    } catch {
      procFdWorks = false;
    }
  }
  return procFdWorks;
}
