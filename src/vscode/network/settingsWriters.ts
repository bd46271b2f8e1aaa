/**
 * Which running sandboxes could have written this window's workspace settings themselves: those
 * with a host folder bind-mounted (a `readwrite` mount) that holds one of the settings files. A
 * policy change that allows more network access is not applied to sandboxes on its own word while
 * such a sandbox runs (networkDefaults.ts asks the user first). Pure: the listing of containers and
 * the settings files' paths are passed in.
 *
 * Any bind mount counts, read-only or not: the engine makes read-only mounts as kernel read-only
 * volumes, never as binds, because runsc lets `open(O_TRUNC)` empty a file through a `:ro` bind
 * (docs/security.md) — and an emptied settings file drops every tightening in it.
 */
import { posix } from 'node:path';

/** A container as `docker ps` lists it (the fields read here). */
export interface ListedContainer {
  name: string;
  state: string;
  mounts: { type: string; source: string }[];
}

/** A sandbox that can write a settings file, and which. */
export interface SettingsWriter {
  name: string;
  file: string;
}

/** States after which a container writes nothing (the engine never starts a sandbox again); `created` still counts: it is about to start. */
const DONE_STATES = new Set(['exited', 'dead', 'removing']);

/**
 * `settingsFiles`: absolute host paths of the files the window's workspace settings come from
 * (each folder's `.vscode/settings.json`, the `.code-workspace` file), in every spelling known
 * (as opened and with symlinks resolved): Docker reports a bind's source as it was given.
 */
export function sandboxesThatCanWrite(containers: readonly ListedContainer[], settingsFiles: readonly string[]): SettingsWriter[] {
  const writers: SettingsWriter[] = [];
  for (const container of containers) {
    if (DONE_STATES.has(container.state)) continue;
    for (const mount of container.mounts) {
      if (mount.type !== 'bind') continue;
      const file = settingsFiles.find((candidate) => isInside(candidate, mount.source));
      if (file) {
        writers.push({ name: container.name, file });
        break;
      }
    }
  }
  return writers;
}

/** Whether `path` is `folder` or below it. */
export function isInside(path: string, folder: string): boolean {
  if (!posix.isAbsolute(path) || !posix.isAbsolute(folder)) return false;
  const p = posix.normalize(path);
  const f = posix.normalize(folder).replace(/\/+$/, '');
  return f === '' || p === f || p.startsWith(`${f}/`);
}
