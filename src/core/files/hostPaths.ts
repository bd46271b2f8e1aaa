import * as path from 'node:path';
import { SandboxError } from '../errors';

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
