/**
 * Which host folders a new sandbox gets, from the `sandboxes.workspace.*` settings and the
 * window's folders. Pure (folders as plain data), so the choice is unit-tested;
 * chooseWorkspaceMounts.ts asks the user when there is something to choose.
 */
import { basename, posix } from 'node:path';
import type { SandboxSpec, WorkspaceMount } from '../../core/types';
import type { WorkspaceMountSettings } from './mountSettings';

/** The part of `vscode.WorkspaceFolder` needed here. */
export interface FolderLike {
  readonly name: string;
  readonly uri: { readonly scheme: string; readonly fsPath: string };
}

export interface MountChoice {
  /** For the QuickPick. */
  label: string;
  description: string;
  mounts: WorkspaceMount[];
  /** When several folders are mounted side by side: their common parent, rather than the first one. */
  workdir?: string;
}

/**
 * What the user may choose between: nothing when the mode is `none` or no folder is on this
 * machine's disk (a `sandbox:` folder cannot be mounted into another sandbox); one choice for one
 * folder; with several, first all of them side by side under the path, then each one alone at it.
 */
export function mountChoices(settings: WorkspaceMountSettings, folders: readonly FolderLike[]): MountChoice[] {
  if (settings.mode === 'none') {
    return [];
  }
  const local = folders.filter((folder) => folder.uri.scheme === 'file');
  const mount = (folder: FolderLike, target: string): WorkspaceMount => ({
    source: folder.uri.fsPath,
    mode: settings.mode as WorkspaceMount['mode'],
    target,
    // Bind mounts show the folder as it is; only a copy can leave ignored files out.
    ...(settings.mode === 'copy' ? { includeIgnored: settings.includeIgnored } : {}),
  });
  const single = local.map((folder) => ({
    label: folder.name,
    description: `${folder.uri.fsPath} → ${settings.path}`,
    mounts: [mount(folder, settings.path)],
  }));
  if (local.length < 2) {
    return single;
  }
  const names = targetNames(local.map((folder) => folder.name));
  return [
    {
      label: 'All folders',
      description: `each under ${settings.path}/<name>`,
      mounts: local.map((folder, i) => mount(folder, posix.join(settings.path, names[i] ?? `folder-${i + 1}`))),
      workdir: settings.path,
    },
    ...single,
  ];
}

/** Without a question to ask (a caller passing spec fields): the one folder, or all of them. */
export function defaultMountChoice(choices: readonly MountChoice[]): MountChoice | undefined {
  return choices[0];
}

/**
 * The spec fields a choice adds; no choice is an explicit "no folder" (`mounts: []`). A workdir
 * from the settings (or the caller) wins; otherwise the engine starts in the first mount's
 * target, or here in the folders' common parent.
 */
export function mountOverrides(choice: MountChoice | undefined, defaults: Pick<SandboxSpec, 'workdir'>): Pick<SandboxSpec, 'mounts' | 'workdir'> {
  if (!choice) {
    return { mounts: [] };
  }
  return defaults.workdir || !choice.workdir ? { mounts: choice.mounts } : { mounts: choice.mounts, workdir: choice.workdir };
}

/**
 * Folder names as path segments: unique, and never `.`, `..` or containing `/` — a name comes
 * from a `.code-workspace` file, which a cloned repository can write.
 */
export function targetNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name, i) => {
    let base = name.replace(/[/\\\0]/g, '_').trim();
    if (base === '' || base === '.' || base === '..') {
      base = `folder-${i + 1}`;
    }
    let candidate = base;
    for (let n = 2; used.has(candidate); n++) {
      candidate = `${base}-${n}`;
    }
    used.add(candidate);
    return candidate;
  });
}

/** "the workspace copied to /workspace", "2 folders mounted read-only under /workspace". */
export function describeMounts(mounts: readonly WorkspaceMount[] | undefined): string {
  const [first] = mounts ?? [];
  if (!first || !mounts) {
    return 'no workspace files';
  }
  const how = { copy: 'copied to', readonly: 'mounted read-only at', readwrite: 'mounted read-write at' }[first.mode];
  if (mounts.length === 1) {
    return `${basename(first.source) || first.source} ${how} ${first.target}`;
  }
  return `${mounts.length} folders ${how} ${posix.dirname(first.target ?? '/workspace/x')}/…`;
}

/**
 * The settings as they apply to a sandbox made from a snapshot. A copy is in the snapshot
 * already, with what the sandbox changed in it, which copying again would overwrite; bind mounts
 * are not (Docker commits the container's own layer only), so they are mounted again.
 */
export function mountSettingsForSnapshot(settings: WorkspaceMountSettings): WorkspaceMountSettings {
  return settings.mode === 'copy' ? { ...settings, mode: 'none' } : settings;
}

export type SyncPlan =
  /** Upload these folders again. */
  | { kind: 'copy'; mounts: WorkspaceMount[] }
  /** Only bind mounts: the sandbox sees the folders themselves, nothing to copy. */
  | { kind: 'live'; mounts: WorkspaceMount[] }
  /** No folder on this machine's disk to copy. */
  | { kind: 'nothing' };

/**
 * What "Sync Workspace to Sandbox" copies: the sandbox's own copy mounts when it recorded them;
 * otherwise (made without the workspace, or by an engine that did not record them) the folders
 * the settings would give a new sandbox, as copies: the user asked for them to be copied.
 */
export function syncPlan(recorded: readonly WorkspaceMount[] | undefined, settings: WorkspaceMountSettings, folders: readonly FolderLike[]): SyncPlan {
  if (recorded && recorded.length > 0) {
    const copies = recorded.filter((mount) => mount.mode === 'copy');
    return copies.length > 0 ? { kind: 'copy', mounts: copies } : { kind: 'live', mounts: [...recorded] };
  }
  const choice = defaultMountChoice(mountChoices({ ...settings, mode: 'copy' }, folders));
  return choice ? { kind: 'copy', mounts: choice.mounts } : { kind: 'nothing' };
}
