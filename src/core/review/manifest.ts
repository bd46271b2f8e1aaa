/**
 * The baseline of "Review Sandbox Changes": for each `copy` mount, path → state of what the copy
 * really sent (recorded while packing, tar.ts's CopyRecorder), kept on this machine in the
 * user's state directory, one file per sandbox id (`$XDG_STATE_HOME/gvisor-sandboxes/review/<id>.json`,
 * 0600 in a 0700 folder; ConnectOptions.reviewDir), shared by every client of this user. Not in the sandbox: code there could rewrite its own baseline and hide a change
 * or fake a conflict check. Not a label: labels are fixed at creation, before the copy, and a
 * big workspace would bloat every `docker inspect`. Survives reloads and restarts of the editor;
 * removed when the sandbox is terminated through the engine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SandboxError } from '../errors';
import { ensurePrivateDir, readNoFollow } from '../runDir';
import type { TreeState } from '../types';

export interface MountBaseline {
  source: string;
  target: string;
  /** Paths the copy left out as ignored (relative): created files there are not reviewed. */
  skipped: string[];
  entries: Record<string, TreeState>;
}

export interface CopyManifest {
  version: 1;
  sandboxId: string;
  createdAt: string;
  mounts: MountBaseline[];
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class ManifestStore {
  constructor(private readonly dir: string) {}

  private file(sandboxId: string): string {
    // The id names a file: nothing that could climb out of the folder.
    if (!ID_PATTERN.test(sandboxId)) throw new SandboxError('INVALID_SPEC', `"${sandboxId}" is not a sandbox id.`, 'Pass the id of a sandbox (sb-…).');
    return path.join(this.dir, `${sandboxId}.json`);
  }

  /** Written whole (temporary file, then rename): a reader never sees half a manifest. */
  write(manifest: CopyManifest): void {
    const file = this.file(manifest.sandboxId);
    ensurePrivateDir(this.dir);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(manifest));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }

  /** The sandbox's baseline, or null when none was recorded (not a copy-mode sandbox, or made elsewhere). */
  read(sandboxId: string): CopyManifest | null {
    const file = this.file(sandboxId);
    const text = readNoFollow(file);
    if (text === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null;
    }
    return isManifest(parsed, sandboxId) ? parsed : null;
  }

  remove(sandboxId: string): void {
    try {
      fs.unlinkSync(this.file(sandboxId));
    } catch {
      // Already gone (or never written): nothing to remove.
    }
  }
}

function isManifest(value: unknown, sandboxId: string): value is CopyManifest {
  const m = value as CopyManifest | null;
  return (
    !!m &&
    m.version === 1 &&
    m.sandboxId === sandboxId &&
    Array.isArray(m.mounts) &&
    m.mounts.every(
      (mount) =>
        typeof mount?.source === 'string' && typeof mount.target === 'string' && Array.isArray(mount.skipped) && typeof mount.entries === 'object' && mount.entries !== null,
    )
  );
}

/** A mount's baseline, filled by the copy (tar.ts's CopyRecorder). */
export function newBaseline(source: string, target: string, skipped: string[]): MountBaseline {
  return { source, target, skipped: [...skipped], entries: Object.create(null) as Record<string, TreeState> };
}
