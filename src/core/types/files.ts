/**
 * The files part of the engine's type contract: workspace mounts, the files API of a running
 * sandbox, downloads and snapshots. Re-exported by src/core/types.ts (import from there).
 */
/** How a host folder reaches a sandbox; `none` is simply no mount. */
export type WorkspaceMountMode = 'none' | 'copy' | 'readonly' | 'readwrite';

export interface WorkspaceMount {
  /** Absolute host folder; must exist (INVALID_SPEC otherwise). */
  source: string;
  /**
   * `copy`: copied in before the sandbox starts; nothing inside can touch the originals, and
   * nothing is written back unless you download it. `readonly`: bind mount that even root
   * inside cannot write. `readwrite`: bind mount; writes inside change your files at once.
   */
  mode: 'copy' | 'readonly' | 'readwrite';
  /** Absolute path inside the sandbox, default `/workspace`. */
  target?: string;
  /** `copy` mode: also copy paths that the folder's .gitignore files exclude (default false: node_modules etc. stay out). */
  includeIgnored?: boolean;
}

/** Progress of a copy into or out of a sandbox; totals are known before the first byte moves. */
export interface CopyProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  /** Absolute, normalised path inside the sandbox. */
  path: string;
  type: FileType;
  size: number;
  mtimeMs: number;
  /** Permission bits (e.g. 0o644), without the file type. */
  mode: number;
  /** Symlinks: where the link points (as stored, not resolved). */
  linkTarget?: string;
}

export interface FileEntry extends FileStat {
  name: string;
}

/**
 * Files of a running sandbox, through the Docker API (no bind mount needed). Paths are absolute
 * inside the sandbox; `..` is resolved lexically and may not climb above `/`. Operations run as
 * root inside the sandbox: gVisor, not file permissions, is the boundary. Under gVisor a
 * sandbox's own writes live in its memory-backed overlay, so they are read through the sandbox
 * itself and are gone once it stops: a sandbox that is not running answers NOT_RUNNING.
 */
export interface SandboxFiles {
  /** Whole file contents; FILE_TOO_LARGE when bigger than `maxBytes` (default 64 MiB). */
  read(path: string, options?: { maxBytes?: number }): Promise<Buffer>;
  /** `create` (default true): may create the file; `overwrite` (default true): may replace it; `mkdirs`: create missing parents. */
  write(path: string, data: Buffer | string, options?: { create?: boolean; overwrite?: boolean; mkdirs?: boolean }): Promise<void>;
  /** Entries of a directory (not `.`/`..`), sorted by name; symlinks are not followed. */
  list(path: string): Promise<FileEntry[]>;
  /** Metadata of a path; a symlink is reported as a symlink (lstat). */
  stat(path: string): Promise<FileStat>;
  mkdir(path: string, options?: { parents?: boolean }): Promise<void>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  rename(from: string, to: string, options?: { overwrite?: boolean }): Promise<void>;
  /**
   * Copy a host file or folder to `sandboxPath` (created or replaced). Folders skip what git
   * ignores (.gitignore, .git/info/exclude, the global excludes file) unless `includeIgnored`;
   * git config files go without credentials. A path that changes under the copy (swapped for a
   * symlink, replaced) is left out and named in a PATH_OUTSIDE error once the rest is copied.
   */
  upload(hostPath: string, sandboxPath: string, options?: { includeIgnored?: boolean; onProgress?: (p: CopyProgress) => void; signal?: AbortSignal }): Promise<void>;
  /**
   * Copy a sandbox file or folder to `hostPath` (created or replaced). Nothing is written outside
   * `hostPath`: entries that would escape it, and symlinks that resolve out of it once all is
   * written, are refused. See DownloadOptions for the caps and for .git and .vscode folders.
   */
  download(sandboxPath: string, hostPath: string, options?: DownloadOptions): Promise<void>;
}

/** What a download does with files that would land in a .git or .vscode folder. */
export type ConfigFolderAnswer = 'refuse' | 'skip' | 'write';

/** The .git and .vscode folders a download holds (relative to its root, '.' for the root), and the git hooks among them. */
export interface ConfigFoldersFound {
  folders: string[];
  hooks: string[];
}

export interface DownloadOptions {
  onProgress?: (p: CopyProgress) => void;
  signal?: AbortSignal;
  /** Most bytes of file content to write (default 1 GiB); more: FILE_TOO_LARGE before they are written. */
  maxBytes?: number;
  /** Most files, folders and links to write (default 100,000); more: FILE_TOO_LARGE. */
  maxEntries?: number;
  /**
   * Files into a `.git` or `.vscode` folder make this machine run code from the sandbox (git
   * hooks, core.fsmonitor; VS Code tasks and settings). `'refuse'` (default): not written, and
   * the download ends with a PERMISSION_DENIED error naming them once the rest is written.
   * `'skip'`: not written, no error. `'write'`: written as they are, hooks executable. A
   * function is asked once, before anything is written, with what the download holds; folders
   * that appear after it answered are refused.
   */
  configFolders?: ConfigFolderAnswer | ((found: ConfigFoldersFound) => ConfigFolderAnswer | Promise<ConfigFolderAnswer>);
}

/** A filesystem snapshot image (Modal's `snapshot_filesystem`), labelled with its sandbox. */
export interface SnapshotInfo {
  /** Image reference; pass it as `image` to create a sandbox from the snapshot. */
  ref: string;
  sandboxId: string;
  sandboxName: string;
  createdAt: Date;
  sizeBytes: number;
}
