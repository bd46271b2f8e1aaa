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
  /**
   * The memory limits (`memoryMiB`) of all of this client's pooled sandboxes together, in MiB;
   * `warm()` beyond it is clipped, or refused when not even one fits (POOL_BUDGET). Default 4096.
   */
  poolMemoryBudgetMiB?: number;
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
   * here) through an exec in the guard. `forward` (ssh:// engines): a TCP connection that sshd
   * makes on the engine's host to the guard's bridge address, falling back to `relay` where sshd
   * refuses it. Default: `bridge` for a socket or a loopback address, `forward` for ssh://,
   * `relay` otherwise.
   */
  portPath?: 'bridge' | 'relay' | 'forward';
  /**
   * Resolvers the egress gateway of domain-allowlist sandboxes asks (IP addresses). Default: the
   * gateway's own resolv.conf (Docker's embedded DNS). Tests point it at a resolver of their own.
   */
  gatewayResolvers?: string[];
}

/** A sandbox's network mode, derived from its policy (network/modes.ts owns the modes). */
export type { NetworkMode } from '../shared/networkModes';
import type { NetworkMode } from '../shared/networkModes';
import type { CopyProgress, WorkspaceMount } from './types/files';
import type { NetworkState } from './types/network';

// The contract's parts, each in its own file (types/), all importable from here.
export type * from './types/files';
export type * from './types/network';
export type * from './types/review';
/** How a forwarded port is served (tunnels/kinds.ts owns the kinds). */
export type { TunnelKind } from '../shared/tunnelKinds';
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
  | 'SESSION_GONE'
  /** Warm pool: not even one pooled sandbox fits in the client's pool memory budget. */
  | 'POOL_BUDGET';
