import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from './errors';
import { collectOutput, startExec } from './exec';
import { LABEL } from './labels';
import type { SandboxHost } from './sandboxHost';
import { ContainerRemoval } from './removal';
import { demuxLogs } from './logs';
import { infoFromInspect } from './listing';
import { removeClaimRecord, withClaimLabels } from './pool/claims';
import { endingOf, parseSpecLabel } from './sandboxEnding';
import { SandboxNetwork } from './sandboxNetwork';
import { SandboxPorts } from './sandboxPorts';
import { statsSample, streamStats } from './statsStream';
import type { ListeningPort } from './tunnels/listeningPorts';
import type { PortWatch, PortWatchEvent, PortWatchOptions } from './tunnels/portWatcher';
import { findGateway, gatewayEvents } from './network/gateway';
import { ExecSandboxFiles } from './files/sandboxFiles';
import { snapshotFilesystem } from './files/snapshot';
import { SandboxReview } from './review/review';
import { copiedOriginalReader } from './review/copiedOriginal';
import type {
  ApplyChangesOptions,
  ChangeOutcome,
  CreateOptions,
  FileChange,
  ExecOptions,
  ExecProcess,
  ForwardOptions,
  NetworkEvent,
  NetworkPolicyInput,
  NetworkState,
  RunResult,
  SandboxEnding,
  SandboxFiles,
  SandboxInfo,
  SandboxSpec,
  SandboxStats,
  StatsOptions,
  Tunnel,
} from './types';

/**
 * A handle on one sandbox. It holds only identifiers: every question is answered by Docker, so
 * handles from different windows, reloads or scripts agree.
 */
export class Sandbox {
  private readonly docker: Docker;
  /** Read, write, list and copy files of the running sandbox (through exec; see SandboxFiles). */
  readonly files: SandboxFiles;
  /** The network policy and the guard (sandboxNetwork.ts). */
  private readonly network: SandboxNetwork;
  /** Forwarded and listening ports (sandboxPorts.ts). */
  private readonly ports: SandboxPorts;

  constructor(
    private readonly host: SandboxHost,
    /** Our id (`sb-…`), stable across reloads. */
    readonly id: string,
    readonly containerId: string,
    readonly name: string,
  ) {
    this.docker = host.docker;
    this.files = new ExecSandboxFiles(this);
    this.network = new SandboxNetwork(host, this);
    this.ports = new SandboxPorts(host, this, this.network);
  }

  /**
   * Files created, changed and deleted in the sandbox's `copy` mounts since they were copied in
   * (or last applied), by content hash: "Review Sandbox Changes". NOT_FOUND when there is no
   * record of the copy (no copy mount, or created by an engine with another state folder).
   */
  changes(): Promise<FileChange[]> {
    return this.review().changes();
  }

  /**
   * Writes these changes into the workspace (never through a symlink, never a link leading out
   * of it). One outcome per change: a workspace file changed since the copy is a `conflict`,
   * left alone unless `overwriteConflicts`. Applied changes are not listed again.
   */
  applyChanges(changes: FileChange[], options: ApplyChangesOptions = {}): Promise<ChangeOutcome[]> {
    return this.review().apply(changes, options);
  }

  /** Undoes these changes in the sandbox: the copied original put back, a created file removed. */
  discardChanges(changes: FileChange[]): Promise<ChangeOutcome[]> {
    return this.review().discard(changes);
  }

  private review(): SandboxReview {
    return new SandboxReview(this, this.host.manifests, copiedOriginalReader(this.docker, this.containerId));
  }

  /**
   * Saves the sandbox's whole filesystem as a local image (Modal's `snapshot_filesystem`) and
   * returns its reference; `client.create({ image: ref, … })` starts from it. Bind-mounted host
   * folders are not part of it; `copy` mounts are. The image keeps the original image's
   * environment, command and working directory; policies come from the new sandbox's spec.
   */
  async snapshotFilesystem(options: { tag?: string } = {}): Promise<string> {
    const inspect = await this.container()
      .inspect()
      .catch((error: unknown) => {
        throw this.mapError(error);
      });
    const info = infoFromInspect(inspect);
    if (info.state !== 'running') {
      throw new SandboxError(
        'NOT_RUNNING',
        `Sandbox ${this.name} is not running (${info.state}): under gVisor its own file changes ended with it, so there is nothing to snapshot.`,
        'Snapshot sandboxes while they run.',
      );
    }
    const spec = parseSpecLabel(inspect.Config.Labels?.[LABEL.spec]);
    const ref = await snapshotFilesystem(this.docker, info, spec?.mounts, (argv) => this.exec(argv), options.tag);
    this.host.logger?.info(`Sandbox ${this.name}: filesystem snapshot ${ref}`);
    return ref;
  }

  /**
   * A new sandbox with this one's files and, unless `overrides` say otherwise, its network policy
   * and forwarded ports (fork.ts: through a filesystem snapshot; processes are not carried over).
   */
  async fork(overrides: Partial<SandboxSpec> = {}, options: Pick<CreateOptions, 'signal' | 'onProgress'> = {}): Promise<Sandbox> {
    if (!this.host.fork) throw new SandboxError('EXEC_FAILED', 'This sandbox handle cannot fork.', 'Get the handle from a SandboxClient (create, fromId or list).');
    const ref = await this.host.fork(this, overrides, options);
    return new Sandbox(this.host, ref.id, ref.containerId, ref.name);
  }

  /** Current state from Docker. Throws NOT_FOUND when the container was removed behind our back. */
  async info(): Promise<SandboxInfo> {
    try {
      return infoFromInspect(await withClaimLabels(this.docker, await this.container().inspect()));
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /**
   * Why the sandbox ended, when it is not running (null while it runs), and the spec it was
   * created with, for a Recreate. `engineWentAway`: the caller saw the Docker engine go away while
   * the sandbox ran (nothing on the engine records a restart).
   */
  async ending(options: { engineWentAway?: boolean } = {}): Promise<SandboxEnding | null> {
    let inspect: Docker.ContainerInspectInfo;
    try {
      inspect = await this.container().inspect();
    } catch (error) {
      throw this.mapError(error);
    }
    return endingOf(this.host, inspect, () => this.network.guardIds(), options);
  }

  /** Run a process in the sandbox; see ExecProcess for its streams. */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecProcess> {
    const proc = (await this.host.readyExec?.(this.containerId, argv, options)) ?? (await startExec(this.docker, this.containerId, argv, options));
    this.host.trackExec(this.containerId, proc);
    return proc;
  }

  /** Run to completion and collect output as text. */
  async run(argv: string[], options: ExecOptions & { stdin?: string | Buffer } = {}): Promise<RunResult> {
    return collectOutput(await this.exec(argv, options), options.stdin);
  }

  /** null while running, else the main process's exit code (Modal's `poll`). */
  async poll(): Promise<number | null> {
    const info = await this.info();
    return info.state === 'running' || info.state === 'created' || info.state === 'restarting' || info.state === 'paused' ? null : info.exitCode;
  }

  /** Resolves with the exit code once the sandbox has ended. */
  async wait(): Promise<number> {
    try {
      const result = (await this.container().wait()) as { StatusCode: number };
      return result.StatusCode;
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /**
   * Kill and remove the sandbox and its guard, and confirm with Docker that both are gone.
   * Idempotent: terminating a sandbox that is gone succeeds. When Docker still shows either after
   * `timeoutMs` (default 30 s; each Docker call is bounded too), it fails with TERMINATE_FAILED
   * rather than report a removal that has not happened.
   */
  async terminate(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.host.tunnelRegistry.close(this.id);
    // Docker does not always end exec connections of a removed container: end ours.
    this.host.closeExecs(this.containerId);
    const removal = new ContainerRemoval(this.docker, Date.now() + (options.timeoutMs ?? TERMINATE_TIMEOUT_MS));
    const guards = await this.network.guardIds();
    const gateway = await findGateway(this.docker, this.id).catch(() => undefined);
    const companions = [...guards.map((g) => [g, 'its network guard'] as const), ...(gateway ? [[gateway.Id, 'its egress gateway'] as const] : [])];
    for (const [id, what] of [[this.containerId, 'the sandbox'] as const, ...companions]) {
      const outcome = await removal.remove(id);
      if (outcome === true) continue;
      if (outcome instanceof SandboxError) throw outcome;
      const { state, cause } = outcome;
      throw new SandboxError(
        'TERMINATE_FAILED',
        `Sandbox ${this.name} (${this.id}) could not be terminated: ${what} (container ${id.slice(0, 12)}) is still there ${Math.round((options.timeoutMs ?? TERMINATE_TIMEOUT_MS) / 1000)} s later (${state}${cause ? `: ${dockerMessage(cause)}` : ''}).`,
        `Docker may still be removing it (a sandbox that ran thousands of processes takes longer): run Terminate again in a minute. If \`docker inspect ${id.slice(0, 12)}\` hangs or it stays "removing", the Docker engine is stuck: see its log, and restart it if needed.`,
        { cause },
      );
    }
    // Its review baseline goes with it (gone means nothing left to review).
    this.host.manifests.remove(this.id);
    // A claimed pool member's claim record (pool/claims.ts): only labels; one left behind goes with the next listing.
    await removeClaimRecord(this.docker, this.id);
  }

  /** The network policy in force, as the sandbox's guard recorded it (any client, after reloads). */
  networkPolicy(): Promise<NetworkState> {
    return this.network.state();
  }

  /**
   * Change the network policy of the running sandbox, live (Modal's policy swap). Tightening also
   * cuts open connections to destinations no longer allowed. Fail closed: when the new policy
   * cannot be loaded and verified, the sandbox is left with no network at all, or stopped.
   */
  setNetworkPolicy(input: NetworkPolicyInput, options: { followsDefaults?: boolean; onlyIfFollowsDefaults?: boolean } = {}): Promise<NetworkState> {
    return this.network.setPolicy(input, options);
  }

  /**
   * Opens this process's tunnels for every forwarded port (Modal's `tunnels()`), keyed by the
   * port inside the sandbox. Idempotent; another process (a reloaded window) opens its own.
   */
  tunnels(): Promise<Record<number, Tunnel>> {
    return this.ports.tunnels();
  }

  /** Forward a port after creation, without recreating the sandbox; also allows it inbound. */
  forwardPort(port: number, options: ForwardOptions = {}): Promise<Tunnel> {
    return this.ports.forwardPort(port, options);
  }

  /**
   * A plain `http://127.0.0.1:<port>` URL serving what this process's forward of `port` serves,
   * for viewing an HTTPS or HTTP/2 forward through a proxy that speaks plain HTTP (code-server's
   * `/proxy/<port>/`); for an HTTP/TCP forward, its own URL. The forward must be open here.
   */
  viewUrl(port: number): Promise<string> {
    return this.host.tunnelRegistry.viewUrl(this.id, port);
  }

  /** Stop forwarding a port: closes this process's listener and refuses the port inbound again. */
  stopForwarding(port: number): Promise<void> {
    return this.ports.stopForwarding(port);
  }

  /**
   * The TCP ports something in the sandbox listens on, in any image (tunnels/portScan.ts says how
   * they are read: a file read on this machine when the engine is local, else an exec).
   */
  listeningPorts(): Promise<ListeningPort[]> {
    return this.ports.listeningPorts();
  }

  /**
   * Polls the listening ports and reports changes (tunnels/portWatcher.ts): about once a second,
   * every 5 s while `setIdle(true)`, backing off after failures; stops by itself when the sandbox
   * ends. Call `stop()` when nobody needs it any more.
   */
  watchPorts(onEvent: (event: PortWatchEvent) => void, options: PortWatchOptions = {}): PortWatch {
    return this.ports.watchPorts(onEvent, options);
  }

  /**
   * What the sandbox's egress gateway refused (domain allowlist): the last `history` events, then,
   * with `follow`, each new one as it happens until `signal` aborts. Nothing when the sandbox has
   * no gateway. Refusals by the guard's rules (direct addresses, other ports) are not reported.
   */
  async *networkEvents(options: { history?: number; follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<NetworkEvent> {
    const gateway = await findGateway(this.docker, this.id);
    if (!gateway) return;
    yield* gatewayEvents(this.docker, gateway.Id, this.id, { tail: options.history ?? 100, follow: options.follow, signal: options.signal });
  }

  /** The last `limit` refusals of the egress gateway, oldest first. */
  async recentNetworkEvents(limit = 100): Promise<NetworkEvent[]> {
    const events: NetworkEvent[] = [];
    for await (const event of this.networkEvents({ history: limit * 2 })) events.push(event);
    return events.slice(-limit);
  }

  /** Output of the main process (stdout and stderr interleaved as written). */
  async logs(options: { tail?: number } = {}): Promise<string> {
    try {
      const raw = (await this.container().logs({ stdout: true, stderr: true, follow: false, tail: options.tail ?? 'all' } as never)) as unknown as Buffer;
      return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /**
   * One sample of CPU and memory use. Docker measures CPU over about a second, so this takes
   * that long; `stats()` streams samples instead.
   */
  async statsOnce(): Promise<SandboxStats> {
    return statsSample(this.container(), this.name, (error) => this.mapError(error));
  }

  /**
   * A sample about every second, as Docker streams them (one connection, no polling), until
   * `signal` aborts or the sandbox stops. The first sample's CPU use is 0: Docker has nothing to
   * compare it with yet.
   */
  stats(options: StatsOptions = {}): AsyncGenerator<SandboxStats, void, undefined> {
    return streamStats(this.container(), options.signal, (error) => this.mapError(error));
  }

  private container(): Docker.Container {
    return this.docker.getContainer(this.containerId);
  }

  private mapError(error: unknown): Error {
    if (error instanceof SandboxError) return error;
    if (dockerStatus(error) === 404) {
      return new SandboxError(
        'NOT_FOUND',
        `Sandbox ${this.name} (${this.id}) no longer exists: it was removed outside the extension.`,
        'Refresh the sandbox list; create a new sandbox if you need one.',
        { cause: error },
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

const TERMINATE_TIMEOUT_MS = 30_000;
