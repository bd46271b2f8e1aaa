import * as path from 'node:path';
import { SandboxError } from '../errors';

/**
 * Normalises a path inside the sandbox: absolute, `.` and `..` resolved lexically, no trailing
 * slash. `..` that would climb above `/` is refused rather than silently clamped: it is a bug or
 * an attempt to escape, and either way the caller should hear about it.
 */
export function sandboxPath(input: string): string {
  if (typeof input !== 'string' || input === '') {
    throw new SandboxError('PATH_OUTSIDE', 'A sandbox path must be a non-empty string.', 'Pass an absolute path inside the sandbox, e.g. "/workspace/main.py".');
  }
  if (input.includes('\0')) {
    throw new SandboxError('PATH_OUTSIDE', `The path ${JSON.stringify(input)} contains a NUL byte.`, 'Remove the NUL byte; no file name can contain one.');
  }
  if (!input.startsWith('/')) {
    throw new SandboxError('PATH_OUTSIDE', `"${input}" is not an absolute path inside the sandbox.`, 'Start the path with "/", e.g. "/workspace/' + input.replace(/^\.\//, '') + '".');
  }
  const parts: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) {
        throw new SandboxError('PATH_OUTSIDE', `"${input}" climbs above the sandbox's root with "..".`, 'Use a path that stays inside the sandbox, without leading "..".');
      }
      parts.pop();
    } else parts.push(part);
  }
  return '/' + parts.join('/');
}

/** True when `candidate` (normalised) is `root` or lies below it. */
export function isWithin(root: string, candidate: string): boolean {
  if (root === '/') return candidate.startsWith('/');
  return candidate === root || candidate.startsWith(root + '/');
}

/** The parent of a normalised sandbox path (`/` for `/`). */
export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/**
 * Where an archive entry lands under a host folder, or a PATH_OUTSIDE error. Archives come from
 * the sandbox, i.e. from code we do not trust: absolute names, `..` and anything else that
 * would resolve outside `hostRoot` are refused before a byte is written.
 */
export function hostEntryPath(hostRoot: string, entryName: string): string {
  const root = path.resolve(hostRoot);
  if (entryName.includes('\0') || path.isAbsolute(entryName) || entryName.split(/[\\/]/).includes('..')) {
    throw escape(entryName, root);
  }
  const target = path.resolve(root, entryName);
  if (target !== root && !target.startsWith(root + path.sep)) throw escape(entryName, root);
  return target;
}

/**
 * Whether a symlink stored at `linkPath` (under `hostRoot`) with `target` stays inside
 * `hostRoot`. Links that leave it are refused on download: a later write through the link, by
 * us or by the user's tools, would land somewhere the user never chose.
 */
export function symlinkStaysWithin(hostRoot: string, linkPath: string, target: string): boolean {
  if (path.isAbsolute(target)) return false;
  const root = path.resolve(hostRoot);
  const resolved = path.resolve(path.dirname(linkPath), target);
  return resolved === root || resolved.startsWith(root + path.sep);
}

function escape(entryName: string, root: string): SandboxError {
  return new SandboxError(
    'PATH_OUTSIDE',
    `The sandbox sent an entry "${entryName}" that would be written outside ${root}; nothing outside was written.`,
    'Download a folder whose contents have plain relative names; code inside the sandbox may be trying to escape.',
  );
}
