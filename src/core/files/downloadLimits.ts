import type { ConfigFolderAnswer, ConfigFoldersFound } from '../types';

export type { ConfigFolderAnswer };

// Pure (no Node modules): what a download may write, decided before and while it is written.

/** Default cap on a download's file content: a sparse file inside is written here in full. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 1024 ** 3;
/** Default cap on a download's entries (files, folders, links). */
export const DEFAULT_MAX_DOWNLOAD_ENTRIES = 100_000;

/**
 * Folders whose files make this machine run code: git runs .git/hooks and obeys .git/config
 * (core.fsmonitor, core.hooksPath, aliases), VS Code runs .vscode/tasks.json and applies
 * .vscode/settings.json (interpreter and tool paths). A download writes into them only on request.
 */
export const CONFIG_FOLDER_NAMES: readonly string[] = ['.git', '.vscode'];

/**
 * The .git or .vscode folder a path lands in, relative to the download root ('.' when the
 * root itself is one), or undefined. `rootName` is the root's name on this machine, `rel` the
 * path below it (POSIX or native separators), already resolved through any links.
 */
export function configFolderOf(rootName: string, rel: string): string | undefined {
  if (CONFIG_FOLDER_NAMES.includes(rootName)) return '.';
  const parts = rel.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  const at = parts.findIndex((p) => CONFIG_FOLDER_NAMES.includes(p));
  return at < 0 ? undefined : parts.slice(0, at + 1).join('/');
}

/** What the sandbox said it will send, before the archive: for progress, the caps and the question. */
export interface DownloadSurvey extends ConfigFoldersFound {
  files: number;
  bytes: number;
  entries: number;
}

/** Inside the sandbox: one line per entry, `<raw mode, hex> <size> <path>` (GNU and busybox stat alike). */
export const SURVEY_COMMAND = 'exec find "$1" -exec stat -c "%f %s %n" -- {} +';

/**
 * Reads SURVEY_COMMAND's output for `source` (a normalised sandbox path), to be written at a
 * host folder named `rootName`. Lines it cannot read (a name with a newline) are skipped: the
 * survey informs; the extraction enforces.
 */
export function parseSurvey(output: string, source: string, rootName: string): DownloadSurvey {
  const survey: DownloadSurvey = { files: 0, bytes: 0, entries: 0, folders: [], hooks: [] };
  const folders = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /^([0-9a-f]+) (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, mode, size, name] = m;
    let rel: string;
    if (name === source) rel = '';
    else if (name.startsWith(source + '/')) rel = name.slice(source.length + 1);
    else continue;
    survey.entries++;
    const isFile = (parseInt(mode, 16) & 0o170000) === 0o100000;
    if (isFile) {
      survey.files++;
      survey.bytes += Number(size);
    }
    const folder = configFolderOf(rootName, rel);
    if (folder !== undefined) folders.add(folder);
    const parts = [rootName, ...rel.split('/').filter(Boolean)];
    const git = parts.indexOf('.git');
    if (isFile && git >= 0 && parts[git + 1] === 'hooks' && parts.length === git + 3 && !parts[git + 2].endsWith('.sample')) survey.hooks.push(rel);
  }
  survey.folders = [...folders].sort();
  survey.hooks.sort();
  return survey;
}

/** "1 GiB", "16 MiB", "1500 bytes": caps as people set them. */
export function formatCap(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}
