/**
 * The sandbox and the path in it that a file command acts on: named by the caller (a `sandbox:`
 * URI, an id, a tree node) or picked — the sandbox from the sandbox picker, the path with VS
 * Code's own file dialog browsing the sandbox through the `sandbox:` file system.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import { requireRunning, resolveSandbox } from '../commands/pickSandbox';
import type { CommandContext } from '../commands/commandContext';
import { readWorkspaceMountSettings } from '../settings';
import { fileTargetFromArg } from './fileArgs';
import { sandboxUri } from './sandboxFileSystemProvider';
import { sandboxLocation } from './sandboxUri';

export interface ResolvedTarget {
  sandbox: Sandbox;
  /** From a `sandbox:` URI argument; `undefined` when only the sandbox was named. */
  path: string | undefined;
}

/** `undefined` when the user dismissed the sandbox picker. */
export async function resolveFileTarget(context: CommandContext, arg: unknown, title: string, action: string): Promise<ResolvedTarget | undefined> {
  const target = fileTargetFromArg(arg);
  const sandbox = await resolveSandbox(context, target?.sandboxId, { title });
  if (!sandbox) {
    return undefined;
  }
  await requireRunning(sandbox, action);
  return { sandbox, path: target?.path };
}

export interface PathPickOptions {
  title: string;
  openLabel: string;
  files: boolean;
  folders: boolean;
  many?: boolean;
}

/** Paths in the sandbox picked in VS Code's file dialog, starting in the workspace folder when the sandbox has one. */
export async function pickSandboxPaths(sandbox: Sandbox, options: PathPickOptions): Promise<string[] | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: `${options.title} (sandbox ${sandbox.name})`,
    openLabel: options.openLabel,
    defaultUri: sandboxUri(sandbox.id, await startFolder(sandbox)),
    canSelectFiles: options.files,
    canSelectFolders: options.folders,
    canSelectMany: options.many ?? false,
  });
  return picked?.map((uri) => sandboxLocation(uri).path);
}

/** The workspace path from the settings when it exists in the sandbox, else `/`. */
export async function startFolder(sandbox: Sandbox): Promise<string> {
  let path = '/workspace';
  try {
    path = readWorkspaceMountSettings().path;
  } catch {
    // An invalid setting is reported where it matters (Create Sandbox); here it only picks a start.
  }
  const stat = await sandbox.files.stat(path).catch(() => undefined);
  return stat?.type === 'directory' ? path : '/';
}

/** The first folder of the window on this machine's disk, where host-side dialogs start. */
export function hostStartUri(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.find((folder) => folder.uri.scheme === 'file')?.uri;
}
