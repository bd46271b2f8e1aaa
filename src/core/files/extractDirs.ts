/**
 * A download's destination folders (extract.ts): opened from the root one by one without following
 * links, and, once everything is written, the links that lead out of the destination removed.
 */
import * as path from 'node:path';
import { SandboxError } from '../errors';
import { HostDir, isSwapError } from './hostDir';
import { resolvesWithin } from './linkCheck';

/**
 * The folders entries go into, opened from the root one by one without following links, and
 * created where missing. The chain for the last folder used is kept open: archives list a
 * folder's contents together, so most entries reuse it.
 */
export class OpenDirs {
  private readonly stack: { rel: string; dir: HostDir }[];

  /** `single`: a one-file download, whose "root" is the folder the file goes into. */
  constructor(
    root: HostDir,
    readonly single = false,
  ) {
    this.stack = [{ rel: '', dir: root }];
  }

  realRoot(): Promise<string> {
    return this.stack[0].dir.realPath();
  }

  /** The folder `rel` (relative to the root), opened, and made if `create`; ELOOP/ENOTDIR if a link or file is in the way. */
  async get(rel: string, create: boolean): Promise<HostDir> {
    const within = (ancestor: string) => ancestor === '' || rel === ancestor || rel.startsWith(ancestor + '/');
    while (this.stack.length > 1 && !within(this.stack[this.stack.length - 1].rel)) await this.stack.pop()!.dir.close();
    let top = this.stack[this.stack.length - 1];
    const rest = (top.rel === '' ? rel : rel.slice(top.rel.length + 1)).split('/').filter(Boolean);
    for (const name of rest) {
      if (create) {
        await top.dir.mkdir(name).catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'EEXIST') throw error;
        });
      }
      const child = await top.dir.child(name);
      top = { rel: top.rel === '' ? name : `${top.rel}/${name}`, dir: child };
      this.stack.push(top);
    }
    return top.dir;
  }

  async closeAll(): Promise<void> {
    while (this.stack.length) await this.stack.pop()!.dir.close();
  }
}

/**
 * Every link created, resolved against what is on disk now that all is written; those leading
 * out of the folder (or nowhere sensible: a loop, `..` after a missing folder) are removed.
 * Again until none is removed: removing one can change where others lead.
 */
export async function removeLinksLeadingOut(links: { rel: string; name: string; linkname: string }[], dirs: OpenDirs, realRoot: string): Promise<string[]> {
  const removed: string[] = [];
  let remaining = links;
  for (let round = 0; round <= links.length && remaining.length; round++) {
    const kept: typeof links = [];
    for (const link of remaining) {
      if (await resolvesWithin(path.join(realRoot, link.rel), realRoot)) kept.push(link);
      else {
        const parent = await dirs.get(parentOf(link.rel), false).catch(() => null);
        await parent?.unlinkIfLink(path.posix.basename(link.rel));
        removed.push(`${link.name} -> ${link.linkname}`);
      }
    }
    if (kept.length === remaining.length) break;
    remaining = kept;
  }
  return removed;
}

export function parentOf(rel: string): string {
  return rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
}

/**
 * The destination, opened: the chosen folder (made if missing), or for a single file the
 * folder it goes into. The chosen folder is followed if it was a link before the download
 * began (the user's own); one that appears since is not.
 */
export async function openDestination(parentDir: HostDir, root: string, rootWasLink: boolean, single: boolean): Promise<OpenDirs> {
  if (single) return new OpenDirs(parentDir, true);
  const name = path.basename(root);
  await parentDir.mkdir(name).catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  });
  try {
    return new OpenDirs(rootWasLink ? await HostDir.openChosen(root) : await parentDir.child(name));
  } catch (error) {
    if (!isSwapError(error)) throw error;
    throw new SandboxError(
      'PATH_OUTSIDE',
      `${root} is not a folder (a file, or a symlink that appeared during the download); nothing was written there.`,
      'Choose a folder to download into, or a path that does not exist yet.',
      { cause: error },
    );
  }
}
