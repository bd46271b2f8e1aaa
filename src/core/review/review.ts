/**
 * Review Sandbox Changes, the engine's half: which files a sandbox created, changed and deleted
 * in its `copy` mounts since the copy (baseline: manifest.ts; now: sandboxTree.ts; diff:
 * changeDiff.ts), applying them to the workspace (workspaceFiles.ts: never through a link,
 * conflicts reported, not overwritten) and discarding them in the sandbox (the original put
 * back, a created file removed). Applied changes become the new baseline, as a merged pull
 * request's do: they are not listed again.
 */
import * as path from 'node:path';
import { SandboxError, isSandboxError } from '../errors';
import { IgnoreRules } from '../files/hostTree';
import type { FilesHost } from '../files/fileTransport';
import type { ApplyChangesOptions, ChangeOutcome, FileChange, RunResult, SandboxFiles, TreeState } from '../types';
import { diffTrees, isConfigPath, sameContent, underAny } from './changeDiff';
import type { CopiedOriginal } from './copiedOriginal';
import type { CopyManifest, ManifestStore, MountBaseline } from './manifest';
import { readSandboxTree } from './sandboxTree';
import { readWorkspace, removeWorkspaceEntry, sha256, writeWorkspaceFile, writeWorkspaceLink } from './workspaceFiles';

export const DEFAULT_APPLY_MAX_BYTES = 64 * 1024 * 1024;

/** What the review needs of a sandbox handle. */
export interface ReviewHost extends FilesHost {
  readonly id: string;
  readonly files: SandboxFiles;
  run(argv: string[]): Promise<RunResult>;
}

export class SandboxReview {
  constructor(
    private readonly sandbox: ReviewHost,
    private readonly store: ManifestStore,
    /** The file as copied in, from Docker's side of the container (copiedOriginal.ts). */
    private readonly copiedOriginal?: CopiedOriginal,
  ) {}

  /** Files created, changed and deleted in the sandbox's copy mounts since the copy (or the last apply). */
  async changes(): Promise<FileChange[]> {
    const manifest = this.manifest();
    const out: FileChange[] = [];
    for (const mount of manifest.mounts) {
      const now = await readSandboxTree(this.sandbox, mount.target);
      const skipped = new Set(mount.skipped);
      const rules = ignoreRulesOf(now.gitignores);
      const leftOut = (rel: string) => underAny(rel, skipped) || ignoredByRules(rules, rel);
      for (const d of diffTrees(mount.entries, now.entries, leftOut)) {
        const workspace = await readWorkspace(mount.source, d.rel, DEFAULT_APPLY_MAX_BYTES).catch(() => ({ other: 'unreadable' }));
        const conflict = !('state' in workspace) || (!sameContent(workspace.state, d.before) && !sameContent(workspace.state, d.after));
        out.push({
          kind: d.kind,
          path: path.posix.join(mount.target, d.rel),
          hostPath: path.join(mount.source, ...d.rel.split('/')),
          mount: { source: mount.source, target: mount.target },
          rel: d.rel,
          ...(d.before ? { before: d.before } : {}),
          ...(d.after ? { after: d.after } : {}),
          ...(isConfigPath(d.rel) ? { configFolder: true } : {}),
          ...(conflict ? { conflict: true } : {}),
        });
      }
    }
    return out;
  }

  /**
   * Writes the sandbox's version of each change into the workspace. A workspace file that
   * changed since the copy is a `conflict` and is left alone unless `overwriteConflicts`.
   */
  apply(changes: FileChange[], options: ApplyChangesOptions = {}): Promise<ChangeOutcome[]> {
    return oneAtATime(this.sandbox.id, () => this.applyNow(changes, options));
  }

  private async applyNow(changes: FileChange[], options: ApplyChangesOptions): Promise<ChangeOutcome[]> {
    const manifest = this.manifest();
    const maxBytes = options.maxBytes ?? DEFAULT_APPLY_MAX_BYTES;
    const outcomes: ChangeOutcome[] = [];
    try {
      for (const change of changes) {
        const mount = mountOf(manifest, change);
        const outcome = await this.applyOne(change, mount, options, maxBytes).catch((error: unknown) => failed(change, error));
        outcomes.push(outcome);
        if (outcome.result === 'applied') {
          if (change.after) mount.entries[change.rel] = change.after;
          else delete mount.entries[change.rel];
        }
      }
    } finally {
      this.store.write(manifest);
    }
    return outcomes;
  }

  /** Puts each change back as it was copied in: the original restored in the sandbox, a created file removed. */
  discard(changes: FileChange[]): Promise<ChangeOutcome[]> {
    return oneAtATime(this.sandbox.id, () => this.discardNow(changes));
  }

  private async discardNow(changes: FileChange[]): Promise<ChangeOutcome[]> {
    const manifest = this.manifest();
    const outcomes: ChangeOutcome[] = [];
    for (const change of changes) {
      const mount = mountOf(manifest, change);
      outcomes.push(await this.discardOne(change, mount).catch((error: unknown) => failed(change, error)));
    }
    return outcomes;
  }

  private manifest(): CopyManifest {
    const manifest = this.store.read(this.sandbox.id);
    if (!manifest) {
      throw new SandboxError(
        'NOT_FOUND',
        `There is no record of what was copied into sandbox ${this.sandbox.name}, so its changes cannot be reviewed.`,
        'Review works for sandboxes created with a copy mount by this engine (and the same state folder); create one with mounts: [{ source, mode: "copy" }].',
      );
    }
    return manifest;
  }

  private async applyOne(change: FileChange, mount: MountBaseline, options: ApplyChangesOptions, maxBytes: number): Promise<ChangeOutcome> {
    if (change.configFolder && !options.configFolders) {
      return outcome(
        change,
        'refused',
        `${change.rel} is in a .vscode folder: VS Code runs tasks and applies settings from there, so it is applied only when asked for (configFolders).`,
      );
    }
    // What the sandbox holds now must be what was reviewed.
    const current = await this.sandboxState(change.path, maxBytes);
    if ('tooLarge' in current) return outcome(change, 'refused', `${change.rel} is larger than ${maxBytes} bytes (maxBytes).`);
    if (!sameContent(current.state, change.after)) return outcome(change, 'stale', `${change.rel} changed in the sandbox since the review; review again.`);
    const workspace = await readWorkspace(mount.source, change.rel, maxBytes);
    if ('other' in workspace) return outcome(change, 'refused', `${change.rel} in the workspace cannot be replaced: ${workspace.other}.`);
    if (sameContent(workspace.state, change.after) && (change.after?.type !== 'file' || workspace.state?.type !== 'file' || sameModeBits(workspace.state, change.after))) {
      return outcome(change, 'applied', 'already so in the workspace');
    }
    if (!sameContent(workspace.state, change.before) && !options.overwriteConflicts) {
      return outcome(change, 'conflict', `${change.rel} changed in the workspace since the sandbox was created; nothing was overwritten.`);
    }
    const after = change.after;
    if (!after) await removeWorkspaceEntry(mount.source, change.rel);
    else if (after.type === 'symlink') await writeWorkspaceLink(mount.source, change.rel, after.linkTarget);
    else await writeWorkspaceFile(mount.source, change.rel, current.data!, after.mode);
    return outcome(change, 'applied');
  }

  private async discardOne(change: FileChange, mount: MountBaseline): Promise<ChangeOutcome> {
    const before = change.before;
    if (!before) {
      await this.sandbox.files.remove(change.path).catch((error: unknown) => {
        if (!isSandboxError(error, 'FILE_NOT_FOUND')) throw error;
      });
      return outcome(change, 'discarded');
    }
    // The original: from the workspace while it still holds exactly it, else as Docker still
    // has it in the container; either way only when its hash is the baseline's.
    const maxBytes = Math.max(before.type === 'file' ? before.size : 0, 1);
    let original: { state: TreeState | null; data?: Buffer } | null = await readWorkspace(mount.source, change.rel, maxBytes).then((w) => ('state' in w ? w : null));
    if (!original || !sameContent(original.state, before)) original = (await this.copiedOriginal?.(change.path, maxBytes)) ?? null;
    if (!original || !sameContent(original.state, before)) {
      return outcome(
        change,
        'conflict',
        `${change.rel} changed in the workspace since the sandbox was created, and its original could not be found as it was copied; nothing was changed in the sandbox.`,
      );
    }
    const workspace = original;
    const existing = await this.sandbox.files.stat(change.path).catch((error: unknown) => (isSandboxError(error, 'FILE_NOT_FOUND') ? null : Promise.reject(error)));
    if (existing && existing.type !== 'file') await this.sandbox.files.remove(change.path, { recursive: existing.type === 'directory' });
    if (before.type === 'symlink') {
      await this.must(['mkdir', '-p', '--', path.posix.dirname(change.path)]);
      await this.must(['ln', '-sfn', '--', before.linkTarget, change.path]);
    } else {
      await this.sandbox.files.write(change.path, workspace.data!, { mkdirs: true });
      await this.must(['chmod', (before.mode & 0o7777).toString(8), '--', change.path]);
    }
    return outcome(change, 'discarded');
  }

  /** The sandbox's file or link at `p` now (content for a file), or null when it is gone. */
  private async sandboxState(p: string, maxBytes: number): Promise<{ state: TreeState | null; data?: Buffer } | { tooLarge: true }> {
    const stat = await this.sandbox.files.stat(p).catch((error: unknown) => (isSandboxError(error, 'FILE_NOT_FOUND') ? null : Promise.reject(error)));
    if (!stat) return { state: null };
    if (stat.type === 'symlink') return { state: { type: 'symlink', linkTarget: stat.linkTarget ?? '', mode: 0o777 } };
    if (stat.type !== 'file') return { state: { type: 'symlink', linkTarget: `\0${stat.type}`, mode: 0 } };
    const data = await this.sandbox.files.read(p, { maxBytes }).catch((error: unknown) => (isSandboxError(error, 'FILE_TOO_LARGE') ? null : Promise.reject(error)));
    if (!data) return { tooLarge: true };
    return { state: { type: 'file', hash: sha256(data), mode: stat.mode ?? 0o644, size: data.length }, data };
  }

  private async must(argv: string[]): Promise<void> {
    const result = await this.sandbox.run(argv);
    if (result.exitCode !== 0)
      throw new SandboxError(
        'EXEC_FAILED',
        `${argv.join(' ')} failed in sandbox ${this.sandbox.name} (exit ${result.exitCode}): ${result.stderr.trim()}`,
        'Check the path in the sandbox.',
      );
  }
}

/**
 * Applies and discards of one sandbox run one after the other in this process: each reads the
 * baseline, changes files and writes the baseline back, and two at once (quick clicks) would
 * lose one's update. (Across processes the last write wins; the lost update only lists an
 * applied file again, which a second apply finds "already so".)
 */
const running = new Map<string, Promise<unknown>>();
function oneAtATime<T>(sandboxId: string, task: () => Promise<T>): Promise<T> {
  const previous = running.get(sandboxId) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(task);
  running.set(sandboxId, next);
  void next
    .catch(() => undefined)
    .finally(() => {
      if (running.get(sandboxId) === next) running.delete(sandboxId);
    });
  return next;
}

function sameModeBits(a: TreeState, b: TreeState): boolean {
  return a.type === 'file' && b.type === 'file' && (a.mode & 0o777) === (b.mode & 0o777);
}

function mountOf(manifest: CopyManifest, change: FileChange): MountBaseline {
  const mount = manifest.mounts.find((m) => m.target === change.mount.target && m.source === change.mount.source);
  if (!mount) throw new SandboxError('NOT_FOUND', `${change.path} is not in a copy mount of this sandbox.`, "Pass changes from this sandbox's changes().");
  return mount;
}

function outcome(change: FileChange, result: ChangeOutcome['result'], message?: string): ChangeOutcome {
  return { path: change.path, rel: change.rel, result, ...(message ? { message } : {}) };
}

function failed(change: FileChange, error: unknown): ChangeOutcome {
  const message = error instanceof SandboxError ? error.message : String((error as Error)?.message ?? error);
  return outcome(change, 'refused', message);
}

/** The sandbox's .gitignore files, outermost first, as git layers them. */
function ignoreRulesOf(gitignores: Map<string, string>): IgnoreRules | null {
  if (!gitignores.size) return null;
  const rules = new IgnoreRules();
  const folders = [...gitignores.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.split('/').length - b.split('/').length));
  for (const folder of folders) rules.add(folder, gitignores.get(folder)!);
  return rules;
}

/** Ignored itself, or inside an ignored folder (git does not look into those). */
function ignoredByRules(rules: IgnoreRules | null, rel: string): boolean {
  if (!rules) return false;
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) if (rules.ignores(parts.slice(0, i).join('/'), true)) return true;
  return rules.ignores(rel, false);
}
