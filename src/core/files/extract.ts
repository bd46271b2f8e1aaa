import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { SandboxError } from '../errors';
import { configFolderOf, formatCap, type ConfigFolderAnswer } from './downloadLimits';
import { HostDir, isSwapError } from './hostDir';
import { hostEntryPath, symlinkStaysWithin } from './hostPaths';
import { OpenDirs, openDestination, parentOf, removeLinksLeadingOut } from './extractDirs';
import type { ProgressTracker } from './progress';

export interface ExtractOptions {
  signal?: AbortSignal;
  /** Most bytes of file content written; the entry that would pass it stops the download (FILE_TOO_LARGE). */
  maxBytes: number;
  /** Most archive entries (files, folders, links); more stop the download (FILE_TOO_LARGE). */
  maxEntries: number;
  /**
   * What to do with an entry that lands in a .git or .vscode folder, asked with that folder's
   * path relative to the download root ('.' for the root itself): see downloadLimits.
   */
  configFolder: (folder: string) => ConfigFolderAnswer;
}

/**
 * Extracts a tar stream that came out of a sandbox into `hostRoot`, which the archive's first
 * path component maps to. Untrusted input, and the destination may itself be a folder a
 * sandbox can write (a readwrite mount), changing under us:
 * - every name is confined to `hostRoot`; hard links and devices are refused;
 * - everything is created through folders opened one by one from the root, never through a
 *   link (HostDir, O_NOFOLLOW): a link where a folder is expected, whether the archive planted
 *   it or something swapped it in, refuses that entry; files are opened with O_NOFOLLOW and
 *   their mode and times set through the open file;
 * - symlinks are created only when relative and lexically inside, and once everything is
 *   written each one is resolved again against what is really on disk (links chained through
 *   links: `l -> ../../..` then `up -> d/l/../../..`): one that leads out is removed;
 * - `maxBytes` and `maxEntries` bound what a sandbox can make this machine write (a sparse
 *   file of 1 TiB is 1 TiB here);
 * - entries into .git or .vscode (hooks, fsmonitor, tasks: code that would run here) are
 *   written only when `configFolder` says so.
 * What was refused is listed in one error after the rest is written.
 */
export async function extractToHost(archive: Readable, hostRoot: string, progress: ProgressTracker, options: ExtractOptions): Promise<void> {
  const root = path.resolve(hostRoot);
  await fs.mkdir(path.dirname(root), { recursive: true });
  // The folder the chosen path is in, opened once before the sandbox's first byte (following
  // the user's own links on the way, e.g. /tmp on macOS): everything else is reached from it.
  const parentDir = await HostDir.openChosen(path.dirname(root));
  const rootWasLink = (await parentDir.lstat(path.basename(root)).catch(() => null))?.isSymbolicLink() ?? false;
  const run = new Extraction(root, parentDir, rootWasLink, progress, options);
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    run.entry(header, stream).then(
      () => next(),
      (error: unknown) => {
        stream.resume();
        extract.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
  try {
    await pipeline(archive, extract);
    await run.setDirectoryModes();
  } finally {
    await run.close();
  }
  run.throwIfRefused();
}

/** One extraction's state: what was written, what was refused, and the folders it has open. */
class Extraction {
  private readonly rootName: string;
  private dirs: OpenDirs | undefined;
  private first: string | undefined;
  private entries = 0;
  private bytes = 0;
  private readonly directories: { rel: string; mode: number; mtime?: Date }[] = [];
  private readonly links: { rel: string; name: string; linkname: string }[] = [];
  // Links out of the folder are left out (a venv's bin/python → /usr/bin/python3 is common);
  // the rest is extracted, then the caller hears which ones were refused.
  private readonly refusedLinks: string[] = [];
  private readonly throughLinks: string[] = [];
  private readonly refusedConfig = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly parentDir: HostDir,
    private readonly rootWasLink: boolean,
    private readonly progress: ProgressTracker,
    private readonly options: ExtractOptions,
  ) {
    this.rootName = path.basename(root);
  }

  async entry(header: tar.Headers, stream: Readable): Promise<void> {
    const rel = this.relativeName(header);
    // Confines every name to the root (no "..", no absolute path), whatever its type.
    const target = hostEntryPath(this.root, rel);
    // Nothing is written through a link (below), so where an entry lands is what its name says.
    const folder = configFolderOf(this.rootName, rel);
    if (folder !== undefined) {
      const answer = this.options.configFolder(folder);
      if (answer !== 'write') {
        if (answer === 'refuse') this.refusedConfig.add(folder);
        stream.resume();
        return;
      }
    }
    // A single file (or link) is written at the chosen path itself, in the folder around it;
    // nothing else may come with it, nor a second top entry after the first.
    const single = rel === '' && header.type !== 'directory';
    if ((rel === '' && this.dirs) || (rel !== '' && this.dirs?.single)) {
      throw new SandboxError(
        'PATH_OUTSIDE',
        `The sandbox sent "${header.name}" where only one item was asked for; nothing was written for it.`,
        'Code inside the sandbox may be trying to escape: check the sandbox.',
      );
    }
    const dirs = (this.dirs ??= await openDestination(this.parentDir, this.root, this.rootWasLink, single));
    const parent = await dirs.get(single ? '' : parentOf(rel), true).catch((error: unknown) => (isSwapError(error) ? null : Promise.reject(error)));
    if (!parent) {
      this.throughLinks.push(header.name);
      stream.resume();
      return;
    }
    const name = rel === '' ? this.rootName : path.posix.basename(rel);
    switch (header.type) {
      case 'directory':
        if (!(await dirs.get(rel, true).catch((error: unknown) => (isSwapError(error) ? null : Promise.reject(error))))) this.throughLinks.push(header.name);
        else this.directories.push({ rel, mode: (header.mode ?? 0o755) & 0o777, mtime: header.mtime });
        break;
      case 'file':
      case 'contiguous-file':
        await this.file(header, stream, parent, name);
        return;
      case 'symlink':
        await this.symlink(header, rel, target, parent, name);
        break;
      default:
        throw new SandboxError(
          'PATH_OUTSIDE',
          `The sandbox sent "${header.name}" as a ${header.type}, which is not copied to this machine.`,
          'Download regular files, folders and relative symlinks only.',
        );
    }
    stream.resume();
  }

  /** The entry's path below the root; counts it, and refuses it when cancelled, past the cap or outside. */
  private relativeName(header: tar.Headers): string {
    if (this.options.signal?.aborted) throw cancelled();
    if (++this.entries > this.options.maxEntries) throw tooMany(this.options.maxEntries);
    // Names are `<item>/…`, the downloaded item's own name first: anything else is refused.
    const parts = header.name.replace(/^\.\//, '').replace(/\/$/, '').split('/');
    this.first ??= parts[0];
    if (header.name.startsWith('/') || parts[0] !== this.first) {
      throw new SandboxError(
        'PATH_OUTSIDE',
        `The sandbox sent an entry "${header.name}" outside the folder being downloaded; nothing was written for it.`,
        'Code inside the sandbox may be trying to escape: check the sandbox.',
      );
    }
    return parts.slice(1).join('/');
  }

  private async file(header: tar.Headers, stream: Readable, parent: HostDir, name: string): Promise<void> {
    const size = header.size ?? 0;
    if (this.bytes + size > this.options.maxBytes) throw tooLarge(this.options.maxBytes, `with ${header.name} it would be ${formatCap(this.bytes + size)}`, this.bytes + size);
    this.bytes += size;
    // A symlink where a file is about to go is replaced, never written through.
    await parent.unlinkIfLink(name);
    const handle = await parent.openForWrite(name);
    try {
      // Through the descriptor, not the path: a link swapped in meanwhile changes nothing elsewhere.
      await handle.chmod((header.mode ?? 0o644) & 0o777);
      // Written by hand: a FileHandle's own stream would keep close() waiting.
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        await handle.write(chunk);
        this.progress.addBytes(chunk.length);
      }
      if (header.mtime) await handle.utimes(header.mtime, header.mtime).catch(() => undefined);
    } finally {
      await handle.close().catch(() => undefined);
    }
    this.progress.fileDone();
  }

  private async symlink(header: tar.Headers, rel: string, target: string, parent: HostDir, name: string): Promise<void> {
    const linkname = header.linkname ?? '';
    if (!symlinkStaysWithin(this.root, target, linkname)) {
      this.refusedLinks.push(`${header.name} -> ${linkname}`);
      return;
    }
    await parent.unlinkIfLink(name);
    await parent.symlink(linkname, name);
    this.links.push({ rel, name: header.name, linkname });
  }

  /** Directory modes last: a read-only folder must not block writing its own contents. */
  async setDirectoryModes(): Promise<void> {
    for (const dir of this.directories.reverse()) {
      const opened = await this.dirs?.get(dir.rel, false).catch(() => null);
      await opened?.setModeAndTimes(dir.mode, dir.mtime);
    }
  }

  /** Also after a failure: what was written must not leave a way out behind. */
  async close(): Promise<void> {
    try {
      if (this.dirs && !this.dirs.single) this.refusedLinks.push(...(await removeLinksLeadingOut(this.links, this.dirs, await this.dirs.realRoot())));
      await this.dirs?.closeAll();
    } finally {
      await this.parentDir.close();
    }
  }

  throwIfRefused(): void {
    if (this.refusedLinks.length || this.throughLinks.length || this.refusedConfig.size)
      throw refusedError(this.root, this.refusedLinks, this.throughLinks, [...this.refusedConfig]);
  }
}

function refusedError(root: string, links: string[], through: string[], config: string[]): SandboxError {
  const list = (items: string[]) => items.slice(0, 5).join(', ') + (items.length > 5 ? ', …' : '');
  const parts: string[] = [];
  if (links.length) parts.push(`${links.length} symlink(s) leading outside it, which were not created or were removed: ${list(links)}`);
  if (through.length)
    parts.push(
      `${through.length} entr${through.length === 1 ? 'y' : 'ies'} that would have been written through a symlink (or into a file) in the way, which were not: ${list(through)}`,
    );
  if (config.length)
    parts.push(
      `what would go into ${list(config)} (git runs hooks and reads settings from .git, VS Code runs tasks and applies settings from .vscode: files from the sandbox there could run code on this machine), which was not written (download option configFolders)`,
    );
  const fixes: string[] = [];
  if (links.length || through.length)
    fixes.push("Download the links' targets separately if you need them; links are only kept when they resolve inside the chosen folder, and nothing is written through one.");
  if (config.length)
    fixes.push('If you trust what ran in the sandbox, download again with { configFolders: "write" }; { configFolders: "skip" } leaves them out without this error.');
  return new SandboxError(links.length || through.length ? 'PATH_OUTSIDE' : 'PERMISSION_DENIED', `Downloaded to ${root}, except ${parts.join('; and ')}.`, fixes.join(' '));
}

function tooLarge(max: number, detail: string, total: number): SandboxError {
  return new SandboxError(
    'FILE_TOO_LARGE',
    `The download is larger than its cap of ${formatCap(max)} (maxBytes): ${detail}. Nothing more was written; what was written before stays.`,
    `Download a smaller folder, or raise the cap: download(path, hostPath, { maxBytes: ${Math.max(max * 2, total)} }). A sparse file inside the sandbox is written here in full.`,
  );
}

function tooMany(max: number): SandboxError {
  return new SandboxError(
    'FILE_TOO_LARGE',
    `The download has more than ${max} entries (files, folders and links), its cap (maxEntries). Nothing more was written; what was written before stays.`,
    `Download a smaller folder, or raise the cap: download(path, hostPath, { maxEntries: ${max * 2} }).`,
  );
}

function cancelled(): SandboxError {
  return new SandboxError('CANCELLED', 'The copy was cancelled.', 'Run it again when you are ready; what was copied so far stays.');
}

export { tooLarge as downloadTooLarge, tooMany as downloadTooMany };
