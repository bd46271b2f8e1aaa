/**
 * The review part of the engine's type contract: changes in `copy` mounts and applying them.
 * Re-exported by src/core/types.ts (import from there).
 */
/**
 * A file or symlink of a `copy` mount, as it was copied in (the review's baseline) or as it is
 * in the sandbox now: content by SHA-256, never the content itself.
 */
export type TreeState = { type: 'file'; hash: string; mode: number; size: number } | { type: 'symlink'; linkTarget: string; mode: number };

export type FileChangeKind = 'created' | 'changed' | 'deleted';

/** One file created, changed or deleted in a sandbox relative to the copy it started from (`sandbox.changes()`). */
export interface FileChange {
  kind: FileChangeKind;
  /** Absolute path in the sandbox. */
  path: string;
  /** Where it lands in the workspace on this machine. */
  hostPath: string;
  /** The `copy` mount it belongs to. */
  mount: { source: string; target: string };
  /** POSIX path below the mount (the same on both sides). */
  rel: string;
  /** As copied in (or as last applied); absent for a created file. */
  before?: TreeState;
  /** In the sandbox at review time; absent for a deleted file. */
  after?: TreeState;
  /** In a .vscode folder (VS Code runs tasks and applies settings from there): applied only with `configFolders: true`. */
  configFolder?: boolean;
  /**
   * The workspace's file changed too since the copy (and is not the sandbox's version): applying
   * would overwrite that change, so apply reports a `conflict` unless `overwriteConflicts`.
   */
  conflict?: boolean;
}

/** What became of one change on apply or discard. */
export interface ChangeOutcome {
  path: string;
  rel: string;
  /**
   * `applied` / `discarded`: done. `conflict`: the workspace file changed since the copy, nothing
   * written (apply again with `overwriteConflicts` once the user agreed). `stale`: the sandbox's
   * file changed since the review, nothing written (review again). `refused`: not allowed (a
   * symlink leading out of the workspace, a path through a symlink, a .vscode file, too large).
   */
  result: 'applied' | 'discarded' | 'conflict' | 'stale' | 'refused';
  message?: string;
}

export interface ApplyChangesOptions {
  /** Overwrite (or delete) workspace files that changed since the copy. Only after asking the user. */
  overwriteConflicts?: boolean;
  /** Apply files in .vscode folders too. Default false (refused). */
  configFolders?: boolean;
  /** Largest file applied, bytes. Default 64 MiB. */
  maxBytes?: number;
}
