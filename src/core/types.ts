/**
 * Public types of the sandbox engine. Modelled on Modal's Sandbox API (create, exec, tunnels,
 * terminate) in TypeScript names. This file is the contract shared by `dist/core.js`, the
 * VS Code adapters and the API the extension exports to other extensions.
 */
import type { Readable, Writable } from 'node:stream';

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ConnectOptions {
  /** Warm pools to keep from the start (`client.warm(spec, size)` for each; see there). */
  pool?: { spec: SandboxSpec; size: number }[];
  /** Docker endpoint: `unix:///path/docker.sock`, `tcp://host:2375`, or a bare socket path. Falls back to DOCKER_HOST, then the default socket. */
  dockerHost?: string;
  logger?: Logger;
  /** Where the local CA and tunnel state live. Default `$XDG_STATE_HOME/gvisor-sandboxes` (~/.local/state/…). */
  stateDir?: string;
  /**
   * Where the baselines of copy-mode sandboxes (what was copied in, for `sandbox.changes()`) are
   * kept: a folder only this user can use (0700). Default `$XDG_STATE_HOME/gvisor-sandboxes/review`,
   * whatever `stateDir` is, so every client of this user (the editor, scripts, the MCP server)
   * can review a sandbox another one created.
   */
  reviewDir?: string;
  /**
   * Where the lifetime reaper keeps its pid file and log: a directory only this user can write
   * (created 0700; one owned by someone else or open to others is refused). Default
   * `$XDG_RUNTIME_DIR/gvisor-sandboxes`, else `~/.cache/gvisor-sandboxes/run`. Clients that
   * share it share one reaper per Docker endpoint.
   */
  runDir?: string;
  /** Address tunnel listeners bind to. Default 127.0.0.1: only this machine. */
  tunnelBindHost?: string;
  /** Image of the network guard containers (needs /bin/sh, iptables, ip6tables; nodejs for domain allowlists). Default `sandboxes/guard:2`. */
  guardImage?: string;
  /**
   * The resolvers Docker's embedded DNS forwards outside lookups to: open sandboxes may reach
   * them on port 53 (and only there) even when they are private addresses. Default: read as
   * dockerd does (its `dns` setting, else /etc/resolv.conf) when the engine is on this machine;
   * none for a remote engine (newer Docker versions record them in the guard's resolv.conf,
   * which is used too). `[]`: none, so outside names do not resolve in open sandboxes.
   */
  dnsServers?: string[];
  /**
   * How forwarded ports reach sandboxes. `bridge`: connect to the guard's address on the
   * `sandboxes` network (an engine on this machine). `relay`: carry each connection over the
   * engine's own connection (an engine on another machine, whose bridges are not reachable from
   * here). Default: `bridge` for a socket or a loopback address, `relay` otherwise.
   */
  portPath?: 'bridge' | 'relay';
  /**
   * Resolvers the egress gateway of domain-allowlist sandboxes asks (IP addresses). Default: the
   * gateway's own resolv.conf (Docker's embedded DNS). Tests point it at a resolver of their own.
   */
  gatewayResolvers?: string[];
}

/** A sandbox's network mode, derived from its policy (network/modes.ts owns the modes). */
export type { NetworkMode } from '../shared/networkModes';
import type { NetworkMode } from '../shared/networkModes';
import type { TunnelKind } from '../shared/tunnelKinds';
import type { EndReason } from './endReason';
export type { EndReason } from './endReason';

export interface SandboxSpec {
  /** Image reference; pulled (with progress) when missing locally. */
  image: string;
  /** Main process. Default: a shell loop that keeps the sandbox alive until terminated. */
  command?: string[];
  env?: Record<string, string>;
  workdir?: string;
  /** CPU cores (fractional allowed), > 0. */
  cpu?: number;
  /**
   * Memory limit in MiB, >= 16 (swap included: none beyond it). Default 2048 (DEFAULT_MEMORY_MIB),
   * applied by `create` when the spec names none; raise it for bigger workloads. Under gVisor the
   * sandbox's own file writes live in this memory too.
   */
  memoryMiB?: number;
  /**
   * Processes and threads the sandbox may run at once, >= 16. Default 512 (DEFAULT_PIDS_LIMIT),
   * applied by `create`. Beyond it `fork`/`clone` fail with EAGAIN inside and the sandbox keeps
   * running; root inside cannot raise it. On the host the container's pids cgroup is capped too
   * (`hostPidsLimit`: under gVisor about two host tasks per process inside, plus its own).
   */
  pidsLimit?: number;
  /** Hard lifetime in seconds from creation; enforced even when no editor is running. */
  timeoutSeconds?: number;
  /** Terminate after this many seconds with no exec running. */
  idleTimeoutSeconds?: number;
  /** Human name, unique among sandboxes ([a-zA-Z0-9][a-zA-Z0-9_.-]*). */
  name?: string;
  /** Free-form tags, stored as labels; `list({tags})` filters on them. */
  tags?: Record<string, string>;
  /** OCI runtime registered with Docker. Default `runsc`. Naming another one is the user's explicit choice. */
  runtime?: string;
  /** Outbound traffic blocked entirely (loopback only). Wins over `cidrAllowlist`. */
  blockNetwork?: boolean;
  /** When non-empty, outbound traffic only to these IPv4/IPv6 CIDRs or addresses. */
  cidrAllowlist?: string[];
  /**
   * Host names reachable through the sandbox's egress gateway, in addition to `cidrAllowlist`
   * (issue #12): `example.org`, `*.example.com` (names below it), `name:port`. Non-empty: allowlist mode.
   */
  domainAllowlist?: string[];
  /**
   * The policy is the caller's defaults rather than a choice for this sandbox: callers that
   * re-apply defaults when they change (the VS Code extension, for workspace settings) look for it.
   */
  followsNetworkDefaults?: boolean;
  encryptedPorts?: number[];
  unencryptedPorts?: number[];
  h2Ports?: number[];
  /**
   * Host folders the sandbox sees, each under its own target (multi-root workspaces). `workdir`
   * defaults to the first mount's target. See WorkspaceMount for the isolation of each mode.
   */
  mounts?: WorkspaceMount[];
}

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

export interface ExecOptions {
  /** Allocate a pseudo-terminal (stdout and stderr merged). `true` or an initial size. */
  pty?: boolean | { cols: number; rows: number };
  workdir?: string;
  env?: Record<string, string>;
  /** Kill the process after this many seconds (exit code 137). */
  timeoutSeconds?: number;
  user?: string;
}

export interface ExecProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Empty for PTY execs: a terminal merges both streams. */
  readonly stderr: Readable;
  /** Resolves with the exit code once the process has ended and its output has been read. */
  wait(): Promise<number>;
  /** Resize the PTY (no-op without one). */
  resize(cols: number, rows: number): Promise<void>;
  /**
   * Send a signal to the process and everything it started (e.g. 'HUP' when a terminal
   * closes, 'INT' to cancel, 'KILL'). Docker has no API for this, so it runs `kill` inside the
   * sandbox; the image needs a shell with `kill` and `tr`, as almost every image has.
   */
  kill(signal?: string): Promise<void>;
  /** Drop the connection to the process (it keeps running unless it exits on closed stdin/HUP). */
  close(): void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type SandboxState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface SandboxInfo {
  id: string;
  containerId: string;
  name: string;
  image: string;
  runtime: string;
  state: SandboxState;
  exitCode: number | null;
  createdAt: Date;
  /** Hard deadline, if `timeoutSeconds` was set. */
  expiresAt: Date | null;
  tags: Record<string, string>;
  networkMode: NetworkMode;
  /**
   * Whether the runtime is gVisor (shared/runtimes.ts decides, for the engine and the editor alike).
   * The engine sets it on every sandbox it describes; optional so values built by hand stay valid
   * (isGvisorSandbox falls back to the runtime's name).
   */
  gvisor?: boolean;
}

/** Why a sandbox that is not running ended (endReason.ts decides), and what recreating it needs. */
export interface SandboxEnding {
  reason: EndReason;
  exitCode: number;
  /** When Docker saw it end. */
  finishedAt: Date | null;
  /** The spec it was created with (its label), or null when the label is missing or unreadable. */
  spec: SandboxSpec | null;
  /**
   * The policy and forwards last in force, when its network guard still runs and says (a `docker
   * kill` of the sandbox leaves it running); null otherwise: the spec's are the best known then.
   */
  policy: Pick<NetworkState, 'blockNetwork' | 'cidrAllowlist' | 'followsDefaults' | 'forwards'> | null;
}

/** One sample of a sandbox's resource use, from Docker's stats (cgroup accounting; runsc reports it for gVisor). */
export interface SandboxStats {
  /** When Docker read the sample. */
  at: Date;
  /** CPU use since the previous sample, as `docker stats` shows it: 100 = one core fully busy. */
  cpuPercent: number;
  /** Memory in use, page cache that can be reclaimed left out (as `docker stats` counts it). */
  memoryBytes: number;
  /** The sandbox's memory limit, or the machine's memory when it has none. */
  memoryLimitBytes: number;
}

export interface StatsOptions {
  /** Ends the stream (the iterator returns). */
  signal?: AbortSignal;
}

export interface NetworkPolicyInput {
  blockNetwork?: boolean;
  cidrAllowlist?: string[];
  /** Host names through the egress gateway (see SandboxSpec.domainAllowlist). */
  domainAllowlist?: string[];
}

/** A connection or lookup the egress gateway refused (`sandbox.networkEvents()`). */
export interface NetworkEvent {
  /** ISO time. */
  time: string;
  /** Sandbox id. */
  sandbox: string;
  protocol: 'dns' | 'tls' | 'http' | 'tcp';
  /** The name asked for (DNS question, SNI, Host), when there was one. */
  name?: string;
  address?: string;
  port?: number;
  /** DNS question type (1 A, 28 AAAA, 16 TXT…). */
  qtype?: number;
  /** Why, e.g. "name not on the domain allowlist", "no SNI". */
  reason: string;
  /** The same refusal repeated this many times before, not logged one by one. */
  repeats?: number;
}

export interface NetworkState {
  mode: NetworkMode;
  blockNetwork: boolean;
  cidrAllowlist: string[];
  /** Host names through the egress gateway; absent or empty without one. */
  domainAllowlist?: string[];
  followsDefaults: boolean;
  /** False when the runtime cannot have a policy enforced (gVisor netstack mode): only `open` runs there. */
  enforced: boolean;
  forwardedPorts: number[];
  forwards: { port: number; kind: TunnelKind }[];
}

/** How a forwarded port is served (tunnels/kinds.ts owns the kinds). */
export type { TunnelKind } from '../shared/tunnelKinds';

/** A forwarded port, as Modal's Tunnel. */
export interface Tunnel {
  containerPort: number;
  kind: TunnelKind;
  host: string;
  port: number;
  /** `http://` for unencrypted (raw TCP underneath), `https://` for encrypted and h2. */
  url: string;
  /** Raw TCP endpoint (unencrypted tunnels). */
  unencryptedHost?: string;
  unencryptedPort?: number;
}

export interface ForwardOptions {
  kind?: TunnelKind;
  /** Local port to bind; default: the one used before for this sandbox and port, else a free one. */
  localPort?: number;
  /** Wait up to this many ms for a server to listen inside; 0 (default) does not wait. */
  waitMs?: number;
}

export interface ListOptions {
  tags?: Record<string, string>;
  /** Include exited sandboxes (default true). */
  all?: boolean;
  /** Include the engine's own probes (Check Setup's trial sandbox); default false. */
  includeProbes?: boolean;
}

export interface CreateOptions {
  /** Image pull progress, e.g. "Downloading 12/40 MB". */
  onProgress?: (message: string) => void;
  /** Progress of copying `copy`-mode mounts in, before the sandbox starts. */
  onCopyProgress?: (p: CopyProgress) => void;
  signal?: AbortSignal;
  /**
   * A sandbox for the engine's own checks (Check Setup's trial): labelled so that `list()` and
   * the Sandboxes view leave it out, and no spare guard is prepared after it.
   */
  probe?: boolean;
}

export interface CheckReport {
  ok: boolean;
  items: CheckItem[];
}

export interface CheckItem {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when not ok. */
  fix?: string;
}

export type SandboxErrorCode =
  | 'DOCKER_UNREACHABLE'
  | 'RUNTIME_MISSING'
  | 'RUNTIME_BROKEN'
  | 'IMAGE_UNAVAILABLE'
  | 'INVALID_SPEC'
  | 'INVALID_POLICY'
  | 'POLICY_FAILED'
  | 'POLICY_UNSUPPORTED'
  | 'NOT_FOUND'
  | 'NAME_IN_USE'
  | 'NOT_RUNNING'
  | 'TERMINATE_FAILED'
  | 'EXEC_FAILED'
  | 'CANCELLED'
  | 'PORT_IN_USE'
  | 'TUNNEL_FAILED'
  | 'FILE_NOT_FOUND'
  | 'FILE_EXISTS'
  | 'NOT_A_DIRECTORY'
  | 'IS_A_DIRECTORY'
  | 'PATH_OUTSIDE'
  | 'FILE_TOO_LARGE'
  | 'PERMISSION_DENIED'
  | 'UNSAFE_RUN_DIR'
  /** Review Sandbox Changes: the workspace file changed since the copy; nothing was overwritten. */
  | 'CONFLICT'
  /** Terminal sessions (sessions/): the host is missing or failed, or the session ended. */
  | 'SESSION_FAILED'
  | 'SESSION_GONE';

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
