/**
 * A file as it was copied into a sandbox, read from Docker's side of the container: the copy went
 * into the container's root filesystem before start (files/mounts.ts), and gVisor keeps the
 * sandbox's own writes in its overlay, which Docker never sees, so Docker's archive endpoint
 * still returns the copied original (seen with runsc 20240729). Used by discard when the
 * workspace's file changed meanwhile. Never trusted as such: the caller checks it against the
 * baseline's hash, so a runtime that wrote through to the root filesystem gives "not found",
 * never a wrong file.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import type { TreeState } from '../types';

export type CopiedOriginal = (path: string, maxBytes: number) => Promise<{ state: TreeState; data?: Buffer } | null>;

export function copiedOriginalReader(docker: Docker, containerId: string): CopiedOriginal {
  return async (p, maxBytes) => {
    let archive: Readable;
    try {
      archive = (await docker.getContainer(containerId).getArchive({ path: p })) as unknown as Readable;
    } catch {
      return null;
    }
    return new Promise((resolve) => {
      let found: { state: TreeState; data?: Buffer } | null = null;
      const extract = tar.extract();
      extract.on('entry', (header, stream, next) => {
        // The first entry is the path itself; a folder's contents are not wanted.
        if (found !== null || (header.type !== 'file' && header.type !== 'symlink') || (header.size ?? 0) > maxBytes) {
          stream.resume();
          stream.on('end', next);
          return;
        }
        if (header.type === 'symlink') {
          found = { state: { type: 'symlink', linkTarget: header.linkname ?? '', mode: 0o777 } };
          stream.resume();
          stream.on('end', next);
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const data = Buffer.concat(chunks);
          found = { state: { type: 'file', hash: createHash('sha256').update(data).digest('hex'), mode: (header.mode ?? 0o644) & 0o7777, size: data.length }, data };
          next();
        });
      });
      extract.on('finish', () => resolve(found));
      extract.on('error', () => resolve(null));
      archive.on('error', () => resolve(null));
      archive.pipe(extract);
    });
  };
}
