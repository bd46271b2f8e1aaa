/**
 * Arguments of the file and snapshot commands: what tree menus, the Explorer's context menu,
 * tests and other extensions pass. Pure, so the parsing is unit-tested; bad arguments are
 * programming errors and throw `TypeError`s, as in commands/commandArgs.ts.
 */
import { sandboxIdFromArg } from '../commands/commandArgs';
import { SANDBOX_SCHEME, sandboxLocation, normalizeSandboxPath, type UriParts } from './sandboxUri';

export interface FileTarget {
  sandboxId: string;
  /** The path when the caller named one (a `sandbox:` URI), else `undefined`: ask. */
  path: string | undefined;
}

/**
 * A `sandbox:` URI (the Explorer passes the clicked resource), or anything that names a sandbox
 * (an id, a `Sandbox`, a tree node). `undefined`: ask for the sandbox too.
 */
export function fileTargetFromArg(arg: unknown): FileTarget | undefined {
  if (isUriLike(arg)) {
    if (arg.scheme !== SANDBOX_SCHEME) {
      throw new TypeError(`Expected a ${SANDBOX_SCHEME}: URI, got a ${arg.scheme}: one.`);
    }
    return sandboxLocation(arg);
  }
  const sandboxId = sandboxIdFromArg(arg);
  return sandboxId === undefined ? undefined : { sandboxId, path: undefined };
}

/** An absolute path inside a sandbox, normalised; `undefined`: ask. */
export function sandboxPathFromArg(arg: unknown): string | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  if (typeof arg === 'string' && arg.startsWith('/')) {
    return normalizeSandboxPath(arg);
  }
  throw new TypeError(`Expected an absolute path inside the sandbox such as "/workspace", got ${describe(arg)}.`);
}

/**
 * Paths on this machine: a string, a `file:` URI, or a list of them. `undefined`: ask. Relative
 * paths are refused: there is no obvious folder they would be relative to.
 */
export function hostPathsFromArg(arg: unknown): string[] | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  const list = Array.isArray(arg) ? (arg as unknown[]) : [arg];
  if (list.length === 0) {
    throw new TypeError('Expected at least one path on this machine, got an empty list.');
  }
  return list.map((item) => {
    if (typeof item === 'string' && isAbsoluteHostPath(item)) return item;
    if (isUriLike(item) && item.scheme === 'file' && typeof (item as { fsPath?: unknown }).fsPath === 'string') {
      return (item as unknown as { fsPath: string }).fsPath;
    }
    throw new TypeError(`Expected an absolute path on this machine or a file: URI, got ${describe(item)}.`);
  });
}

/**
 * The Explorer calls its context-menu commands as `(clicked resource, selected resources)`: the
 * selection is not an argument of ours (such as host paths), so it reads as "not given".
 */
export function withoutExplorerSelection(arg: unknown): unknown {
  return Array.isArray(arg) && arg.length > 0 && arg.every((item) => isUriLike(item) && item.scheme === SANDBOX_SCHEME) ? undefined : arg;
}

/** A snapshot's image reference: a string, a `SnapshotInfo` (`{ ref }`) or a snapshot tree node. `undefined`: ask. */
export function snapshotRefFromArg(arg: unknown): string | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  const ref = typeof arg === 'object' ? ((arg as { ref?: unknown }).ref ?? (arg as { snapshot?: { ref?: unknown } }).snapshot?.ref) : arg;
  if (typeof ref === 'string' && ref.trim() !== '') {
    return ref.trim();
  }
  throw new TypeError(`Expected a snapshot's image reference or an object with a string "ref", got ${describe(arg)}.`);
}

/** A ref string is a script's or a test's exact request; a click in a menu deserves a question. */
export function confirmsSnapshotRemoval(arg: unknown): boolean {
  return typeof arg !== 'string';
}

function isUriLike(value: unknown): value is UriParts {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as UriParts).scheme === 'string' &&
    typeof (value as UriParts).authority === 'string' &&
    typeof (value as UriParts).path === 'string'
  );
}

function isAbsoluteHostPath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

function describe(arg: unknown): string {
  if (typeof arg === 'object' && arg !== null) {
    return Array.isArray(arg) ? 'an array' : `an object with keys [${Object.keys(arg).join(', ')}]`;
  }
  return JSON.stringify(arg) ?? typeof arg;
}
