/**
 * What a `copy` mount holds in the sandbox now, path → state (content by SHA-256): the folder is
 * streamed out as a tar archive and hashed as it passes, nothing written to disk. Untrusted
 * input: names are checked, sizes and entry counts capped.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { SandboxError, isSandboxError } from '../errors';
import { formatCap } from '../files/downloadLimits';
import { FileTransport, type FilesHost } from '../files/fileTransport';
import { EXIT } from '../files/fileScripts';
import type { TreeState } from '../types';

/** Default caps on one review's read of a mount: bytes hashed, entries listed. */
export const DEFAULT_REVIEW_MAX_BYTES = 2 * 1024 ** 3;
export const DEFAULT_REVIEW_MAX_ENTRIES = 200_000;
/** .gitignore files bigger than this are not lists of patterns. */
const MAX_GITIGNORE = 1024 * 1024;

/**
 * The folder as an archive, `.git` folders left out (never reviewed: changeDiff.isReviewable).
 * GNU tar exits 1 when a file changed while it was read: the listing is still whole.
 */
const TREE_SCRIPT = `cd -- "$1" 2>/dev/null || exit ${EXIT.notFound}
exec tar -c -f - --exclude=.git .`;

export interface SandboxTree {
  entries: Map<string, TreeState>;
  /** Content of each .gitignore found (relative folder '' for the top) for the created-file filter. */
  gitignores: Map<string, string>;
}

export async function readSandboxTree(host: FilesHost, target: string, caps: { maxBytes?: number; maxEntries?: number } = {}): Promise<SandboxTree> {
  const maxBytes = caps.maxBytes ?? DEFAULT_REVIEW_MAX_BYTES;
  const maxEntries = caps.maxEntries ?? DEFAULT_REVIEW_MAX_ENTRIES;
  const tree: SandboxTree = { entries: new Map(), gitignores: new Map() };
  let bytes = 0;
  let count = 0;
  const consume = async (stdout: Readable) => {
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      void (async () => {
        const rel = relativeName(header.name);
        if (++count > maxEntries) throw tooLarge(target, `more than ${maxEntries} entries`, 'maxEntries');
        if (rel === null || rel === '') return stream.resume();
        if (header.type === 'symlink') {
          tree.entries.set(rel, { type: 'symlink', linkTarget: header.linkname ?? '', mode: (header.mode ?? 0o777) & 0o7777 });
          return stream.resume();
        }
        // A hard link: tar sends the content once, with the first name; this name has the same.
        if (header.type === 'link') {
          const first = relativeName(header.linkname ?? '');
          const state = first ? tree.entries.get(first) : undefined;
          if (state) tree.entries.set(rel, { ...state });
          return stream.resume();
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') return stream.resume();
        const size = header.size ?? 0;
        bytes += size;
        if (bytes > maxBytes) throw tooLarge(target, `more than ${formatCap(maxBytes)} of files`, 'maxBytes');
        const hash = createHash('sha256');
        const keep = rel.endsWith('.gitignore') && rel.split('/').pop() === '.gitignore' && size <= MAX_GITIGNORE;
        const kept: Buffer[] = [];
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          if (keep) kept.push(chunk);
        }
        tree.entries.set(rel, { type: 'file', hash: hash.digest('hex'), mode: (header.mode ?? 0o644) & 0o7777, size });
        if (keep) tree.gitignores.set(rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '', Buffer.concat(kept).toString('utf8'));
      })().then(
        () => next(),
        (error: unknown) => {
          stream.resume();
          extract.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    await pipeline(stdout, extract);
  };
  try {
    await new FileTransport(host).script('review', TREE_SCRIPT, [target], target, { consume, okCodes: [0, 1] });
  } catch (error) {
    // The whole folder removed in the sandbox: everything in it is deleted.
    if (isSandboxError(error, 'FILE_NOT_FOUND')) return { entries: new Map(), gitignores: new Map() };
    throw error;
  }
  return tree;
}

/** `./a/b` → `a/b`; null for a name that is absolute or climbs (never expected from `tar -C . .`). */
function relativeName(name: string): string | null {
  const rel = name.replace(/^\.\//, '').replace(/\/+$/, '');
  if (rel === '.' || rel === '') return '';
  if (name.startsWith('/') || rel.split('/').some((part) => part === '..' || part === '')) return null;
  return rel;
}

function tooLarge(target: string, what: string, option: string): SandboxError {
  return new SandboxError(
    'FILE_TOO_LARGE',
    `${target} in the sandbox holds ${what}, more than one review reads.`,
    `Remove build outputs there (or list them in .gitignore: created files it ignores are not reviewed, but still read), or raise the cap (${option}).`,
  );
}
