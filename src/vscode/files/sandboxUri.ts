/**
 * `sandbox://<sandbox-id>/<absolute path>`: how the editor names a file inside a sandbox. Pure
 * (URIs as their components, no `vscode`), so the mapping is unit-tested; the provider builds
 * `vscode.Uri`s from these components, and `vscode.Uri` does the percent-encoding.
 */
import { posix } from 'node:path';

export const SANDBOX_SCHEME = 'sandbox';

/** The components of a URI this module reads or builds (a `vscode.Uri` has them). */
export interface UriParts {
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
}

export interface SandboxLocation {
  readonly sandboxId: string;
  /** Absolute and normalised: no `.`/`..` segments, no trailing slash (except `/` itself). */
  readonly path: string;
}

/** Sandbox ids as the engine makes them (`sb-` and 12 lowercase letters or digits). */
const SANDBOX_ID = /^sb-[a-z0-9]{12}$/;

/**
 * The sandbox and path a URI names. `..` is resolved lexically and stops at `/`, as inside the
 * sandbox; an authority that is no sandbox id is refused with the reason, so a hand-typed
 * `sandbox://my-box/…` says what to write instead.
 */
export function sandboxLocation(uri: UriParts): SandboxLocation {
  if (uri.scheme !== SANDBOX_SCHEME) {
    throw new TypeError(`Expected a ${SANDBOX_SCHEME}: URI, got a ${uri.scheme}: one.`);
  }
  // URI authorities are case-insensitive, and some code paths lower-case them; ids are lower case anyway.
  const sandboxId = uri.authority.toLowerCase();
  if (!SANDBOX_ID.test(sandboxId)) {
    throw new InvalidSandboxUriError(
      uri.authority === ''
        ? `A ${SANDBOX_SCHEME}: URI names its sandbox by id, as in ${SANDBOX_SCHEME}://sb-abc123def456/workspace; this one names none.`
        : `"${uri.authority}" is not a sandbox id: ${SANDBOX_SCHEME}: URIs name the sandbox by its id, as in ${SANDBOX_SCHEME}://sb-abc123def456/workspace.`,
    );
  }
  return { sandboxId, path: normalizeSandboxPath(uri.path) };
}

/** The components of the URI of `path` in a sandbox. */
export function sandboxUriParts(sandboxId: string, path: string): UriParts {
  return { scheme: SANDBOX_SCHEME, authority: sandboxId, path: normalizeSandboxPath(path) };
}

/** `/a/./b/../c/` → `/a/c`; relative paths are taken from `/`; `..` never climbs above `/`. */
export function normalizeSandboxPath(path: string): string {
  const normalized = posix.normalize(`/${path}`);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** The last segment of a path, or `/` for the root. */
export function baseName(path: string): string {
  return path === '/' ? '/' : posix.basename(path);
}

/** Where a symlink at `linkPath` points, as an absolute path (relative targets are from its folder). */
export function resolveLinkTarget(linkPath: string, linkTarget: string): string {
  return normalizeSandboxPath(posix.isAbsolute(linkTarget) ? linkTarget : posix.join(posix.dirname(linkPath), linkTarget));
}

export class InvalidSandboxUriError extends Error {
  override readonly name = 'InvalidSandboxUriError';
}

/** A sandbox folder's name among the workspace folders: "web:/workspace", as `scp` writes a remote path. */
export function workspaceFolderName(sandboxName: string, path: string): string {
  return `${sandboxName}:${path}`;
}
