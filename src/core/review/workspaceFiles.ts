/**
 * Reading and writing one path of the workspace on this machine for Review Sandbox Changes,
 * never through a symlink: the path is walked from the workspace folder one folder at a time
 * through open descriptors (HostDir: O_NOFOLLOW, openat through /proc/self/fd), so a link in
 * the way, whether the sandbox's change put it there, the user did or something swapped it in
 * meanwhile, stops the write instead of leading it out. Files are written to a temporary name
 * in their folder and renamed over the old one (rename replaces a link, it never follows it).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { SandboxError } from '../errors';
import { HostDir, isGone, isSwapError } from '../files/hostDir';
import { symlinkStaysWithin } from '../files/hostPaths';
import { resolvesWithin } from '../files/linkCheck';
import type { TreeState } from '../types';

/** What the workspace holds at a path now: a file or link, nothing, or something a review cannot replace. */
export type WorkspaceState = { state: TreeState; data?: Buffer } | { state: null; data?: undefined } | { other: string };

/** Checks a relative path from a review before it names anything on this machine. */
export function checkedRel(rel: string): string[] {
  const parts = rel.split('/');
  if (rel === '' || rel.includes('\0') || rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new SandboxError(
      'PATH_OUTSIDE',
      `"${rel}" is not a plain path inside the workspace; nothing was written.`,
      'Review again; code in the sandbox may be trying to escape.',
    );
  }
  return parts;
}

/**
 * The folder `rel` is in, opened from `root` (the user's workspace folder, which may itself be
 * a link they made) without following any link below it; missing folders made when `create`.
 * Null when a folder on the way is missing (and not created). ELOOP / ENOTDIR when a link or a
 * file is in the way.
 */
async function openParent(root: string, parts: string[], create: boolean): Promise<{ dir: HostDir; close: () => Promise<void> } | null> {
  const opened: HostDir[] = [await HostDir.openChosen(root)];
  const close = async () => {
    for (const d of opened.reverse()) await d.close();
  };
  try {
    for (const name of parts.slice(0, -1)) {
      const top = opened[opened.length - 1];
      if (create) {
        await top.mkdir(name, 0o755).catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'EEXIST') throw error;
        });
      }
      const child = await top.child(name).catch((error: unknown) => (isGone(error) ? null : Promise.reject(error)));
      if (!child) {
        await close();
        return null;
      }
      opened.push(child);
    }
    return { dir: opened[opened.length - 1], close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The workspace's file or link at `rel` (its content read when a file, up to `maxBytes`). */
export async function readWorkspace(root: string, rel: string, maxBytes: number): Promise<WorkspaceState> {
  const parts = checkedRel(rel);
  const name = parts[parts.length - 1];
  let parent;
  try {
    parent = await openParent(root, parts, false);
  } catch (error) {
    if (isSwapError(error)) return { other: 'a folder on its path is a symlink or a file' };
    throw error;
  }
  if (!parent) return { state: null };
  try {
    const stat = await parent.dir.lstat(name).catch((error: unknown) => (isGone(error) ? null : Promise.reject(error)));
    if (!stat) return { state: null };
    if (stat.isSymbolicLink()) return { state: { type: 'symlink', linkTarget: await parent.dir.readlink(name), mode: stat.mode & 0o7777 } };
    if (stat.isDirectory()) return { other: 'it is a folder' };
    if (!stat.isFile()) return { other: 'it is not a regular file' };
    const handle = await parent.dir.openFile(name);
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) return { other: 'it is not a regular file' };
      if (opened.size > maxBytes) return { other: `it is larger than ${maxBytes} bytes` };
      const data = await handle.readFile();
      return { state: { type: 'file', hash: sha256(data), mode: opened.mode & 0o7777, size: data.length }, data };
    } finally {
      await handle.close();
    }
  } finally {
    await parent.close();
  }
}

/** Writes a file at `rel` (made or replaced), folders made as needed; never through a link. */
export async function writeWorkspaceFile(root: string, rel: string, data: Buffer, mode: number): Promise<void> {
  await replaceAt(root, rel, async (dir, tmp) => {
    const handle = await dir.openForWrite(tmp);
    try {
      await handle.writeFile(data);
      // Permission bits only: no setuid or setgid from the sandbox onto this machine.
      await handle.chmod(mode & 0o777);
    } finally {
      await handle.close();
    }
  });
}

/**
 * Makes a symlink at `rel`, only when it is relative and leads inside the workspace, checked
 * again on disk once made (links chained through links): one that leads out is removed.
 */
export async function writeWorkspaceLink(root: string, rel: string, target: string): Promise<void> {
  const realRoot = await fs.realpath(root);
  const at = path.join(realRoot, ...checkedRel(rel));
  if (!symlinkStaysWithin(realRoot, at, target)) throw linkOut(rel, target);
  await replaceAt(root, rel, (dir, tmp) => dir.symlink(target, tmp));
  if (!(await resolvesWithin(at, realRoot))) {
    await removeWorkspaceEntry(root, rel);
    throw linkOut(rel, target);
  }
}

/** Removes the file or link at `rel` (the link itself, never what it points to). */
export async function removeWorkspaceEntry(root: string, rel: string): Promise<void> {
  const parts = checkedRel(rel);
  const parent = await openParent(root, parts, false).catch((error: unknown) => {
    throw isSwapError(error) ? throughLink(rel) : error;
  });
  if (!parent) return;
  try {
    const name = parts[parts.length - 1];
    const stat = await parent.dir.lstat(name).catch((error: unknown) => (isGone(error) ? null : Promise.reject(error)));
    if (!stat) return;
    if (stat.isDirectory()) throw new SandboxError('IS_A_DIRECTORY', `${rel} is a folder in the workspace; it was left as it is.`, 'Remove it yourself if you mean to.');
    await fs.unlink(parent.dir.at(name));
  } finally {
    await parent.close();
  }
}

async function replaceAt(root: string, rel: string, make: (dir: HostDir, tmp: string) => Promise<void>): Promise<void> {
  const parts = checkedRel(rel);
  const name = parts[parts.length - 1];
  const parent = await openParent(root, parts, true).catch((error: unknown) => {
    throw isSwapError(error) ? throughLink(rel) : error;
  });
  if (!parent) throw throughLink(rel);
  const tmp = `.${name.slice(0, 100)}.sandbox-${randomBytes(6).toString('hex')}`;
  try {
    await make(parent.dir, tmp);
    const existing = await parent.dir.lstat(name).catch(() => null);
    if (existing?.isDirectory())
      throw new SandboxError(
        'IS_A_DIRECTORY',
        `${rel} is a folder in the workspace; the sandbox's file was not written over it.`,
        'Move the folder away first, or leave this change.',
      );
    await fs.rename(parent.dir.at(tmp), parent.dir.at(name));
  } catch (error) {
    await fs.unlink(parent.dir.at(tmp)).catch(() => undefined);
    throw error;
  } finally {
    await parent.close();
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function throughLink(rel: string): SandboxError {
  return new SandboxError(
    'PATH_OUTSIDE',
    `${rel}: a folder on its path in the workspace is a symlink (or a file), so nothing was written through it.`,
    'Check that folder in the workspace; a sandbox change may have tried to write outside it.',
  );
}

function linkOut(rel: string, target: string): SandboxError {
  return new SandboxError(
    'PATH_OUTSIDE',
    `${rel} is a symlink to "${target}", which leads outside the workspace; it was not created.`,
    'Only relative links that stay inside the workspace are applied; make it by hand if you trust it.',
  );
}
