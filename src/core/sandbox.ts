import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from './errors';
import { startExec } from './exec';
import { LABEL } from './labels';
import type { SandboxHost } from './sandboxHost';
import { ContainerRemoval } from './removal';
import { statsFromDocker, type DockerStats } from './stats';
import { demuxLogs } from './logs';
import { infoFromInspect } from './listing';
import { endReason } from './endReason';
import { removeClaimRecord, withClaimLabels } from './pool/claims';
import { jsonLines } from './jsonLines';
import { assertEnforceable } from './network/runtimeMode';
import { applyPolicy, ensureNetwork, guardAddress, readPolicyState, type PolicyState } from './network/guard';
import { waitForListening, type TunnelTarget } from './tunnels/listener';
import { openExecRelay } from './tunnels/execRelay';
import type { ListeningPort } from './tunnels/listeningPorts';
import { PortScanner } from './tunnels/portScan';
import { PortWatcher, type PortWatch, type PortWatchEvent, type PortWatchOptions } from './tunnels/portWatcher';
import { TUNNEL_KIND_NAMES, isTunnelKind } from '../shared/tunnelKinds';
import { modeOf, needsGateway, validatePolicy } from './network/policy';
import { configureGateway, ensureGateway, findGateway, gatewayEvents, removeGateway } from './network/gateway';
import { ExecSandboxFiles } from './files/sandboxFiles';
import { snapshotFilesystem } from './files/snapshot';
import { SandboxReview } from './review/review';
import { copiedOriginalReader } from './review/copiedOriginal';
import type { ApplyChangesOptions, ChangeOutcome, FileChange, ExecOptions, ExecProcess, ForwardOptions, NetworkEvent, NetworkPolicyInput, NetworkState, RunResult, SandboxEnding, SandboxFiles, SandboxInfo, SandboxSpec, SandboxStats, StatsOptions, Tunnel } from './types';

/**
 * A handle on one sandbox. It holds only identifiers: every question is answered by Docker, so
 * handles from different windows, reloads or scripts agree.
 */
export class Sandbox {
  private readonly docker: Docker;
  /** Read, write, list and copy files of the running sandbox (through exec; see SandboxFiles). */
  readonly files: SandboxFiles;

  constructor(
    private readonly host: SandboxHost,
    /** Our id (`sb-…`), stable across reloads. */
    readonly id: string,
    readonly containerId: string,
    readonly name: string,
  ) {
    this.docker = host.docker;
    this.files = new ExecSandboxFiles(this);
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
    const inspect = await this.container().inspect().catch((error: unknown) => {
      throw this.mapError(error);
    });
    const info = infoFromInspect(inspect);
    if (info.state !== 'running') {
      throw new SandboxError('NOT_RUNNING', `Sandbox ${this.name} is not running (${info.state}): under gVisor its own file changes ended with it, so there is nothing to snapshot.`, 'Snapshot sandboxes while they run.');
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
  async fork(overrides: Partial<SandboxSpec> = {}): Promise<Sandbox> {
    if (!this.host.fork) throw new SandboxError('EXEC_FAILED', 'This sandbox handle cannot fork.', 'Get the handle from a SandboxClient (create, fromId or list).');
    const ref = await this.host.fork(this, overrides);
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
    const info = infoFromInspect(inspect);
    if (info.state === 'running' || info.state === 'created' || info.state === 'paused' || info.state === 'restarting') return null;
    const labels = inspect.Config.Labels ?? {};
    const exitCode = inspect.State.ExitCode;
    const finishedAt = dockerTime(inspect.State.FinishedAt);
    const reason = endReason({
      exitCode,
      oomKilled: inspect.State.OOMKilled === true,
      finishedAt,
      expiresAt: info.expiresAt,
      reapedFor: this.host.reapedFor?.(inspect.Id) ?? null,
      engineWentAway: options.engineWentAway,
    });
    // A `docker kill` of the sandbox leaves its guard running a moment, with the policy in force.
    const [guardId] = await this.guardIds();
    const policy = guardId ? await readPolicyState(this.docker, guardId).catch(() => null) : null;
    return {
      reason,
      exitCode,
      finishedAt,
      spec: parseSpecLabel(labels[LABEL.spec]),
      policy: policy && { blockNetwork: policy.blockNetwork, cidrAllowlist: policy.cidrAllowlist, followsDefaults: policy.followsDefaults, forwards: policy.forwards ?? [] },
    };
  }

  /** Run a process in the sandbox; see ExecProcess for its streams. */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecProcess> {
    const proc = (await this.host.readyExec?.(this.containerId, argv, options)) ?? (await startExec(this.docker, this.containerId, argv, options));
    this.host.trackExec(this.containerId, proc);
    return proc;
  }

  /** Run to completion and collect output as text. */
  async run(argv: string[], options: ExecOptions & { stdin?: string | Buffer } = {}): Promise<RunResult> {
    const proc = await this.exec(argv, options);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    proc.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    proc.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    proc.stdin.end(options.stdin ?? undefined);
    const exitCode = await proc.wait();
    return { exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
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
    const guards = await this.guardIds();
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
  async networkPolicy(): Promise<NetworkState> {
    const info = await this.info();
    const networking = await this.host.runtimeNetworking(info.runtime);
    if (networking === 'none') return { mode: 'blocked', blockNetwork: true, cidrAllowlist: [], domainAllowlist: [], followsDefaults: false, enforced: true, forwardedPorts: [], forwards: [] };
    const [guard] = await this.guardIds();
    const state = guard && info.state === 'running' ? await readPolicyState(this.docker, guard).catch(() => null) : null;
    // No recorded state: the guard holds its deny-all rules (or the sandbox predates guards).
    const policy: PolicyState = state ?? { blockNetwork: networking === 'kernel' && Boolean(guard), cidrAllowlist: [], followsDefaults: false, forwards: [] };
    return stateView(policy, networking === 'kernel' && Boolean(guard));
  }

  /**
   * Change the network policy of the running sandbox, live (Modal's policy swap). Tightening also
   * cuts open connections to destinations no longer allowed. Fail closed: when the new policy
   * cannot be loaded and verified, the sandbox is left with no network at all, or stopped.
   */
  async setNetworkPolicy(input: NetworkPolicyInput, options: { followsDefaults?: boolean; onlyIfFollowsDefaults?: boolean } = {}): Promise<NetworkState> {
    const policy = validatePolicy(input);
    const info = await this.info();
    if (info.state !== 'running') {
      throw new SandboxError('NOT_RUNNING', `Sandbox ${this.name} is not running (${info.state}), so its network policy cannot change.`, 'Create a new sandbox with the policy you want.');
    }
    const networking = await this.host.runtimeNetworking(info.runtime);
    try {
      assertEnforceable(info.runtime, networking, policy);
    } catch (error) {
      if (modeOf(policy) !== 'open') await this.stopFailClosed();
      throw new SandboxError('POLICY_UNSUPPORTED', `${(error as SandboxError).message} Sandbox ${this.name} was stopped rather than left with a network it was not meant to have.`, (error as SandboxError).fix);
    }
    const [guard] = await this.guardIds();
    if (!guard) {
      throw new SandboxError('POLICY_UNSUPPORTED', `Sandbox ${this.name} has no network guard (it was created before network policies existed), so its policy cannot change.`, 'Create a new sandbox.');
    }
    const previous = await readPolicyState(this.docker, guard).catch(() => null);
    // Re-applying defaults must not undo an explicit choice made meanwhile (e.g. Toggle Network).
    if (options.onlyIfFollowsDefaults && !previous?.followsDefaults) return this.networkPolicy();
    const state: PolicyState = { ...policy, followsDefaults: options.followsDefaults === true, forwards: previous?.forwards ?? [] };
    const network = await ensureNetwork(this.docker);
    try {
      // Domain allowlist: the gateway first (it cuts what it no longer allows, and listens on new
      // ports before the guard sends them), then the guard's rules pointing at it.
      if (needsGateway(policy) && networking === 'kernel') {
        // The sandbox's tags go on the gateway too (scripts and tests find their objects by them).
        const guardLabels = (await this.docker.getContainer(guard).inspect()).Config.Labels ?? {};
        const tags = Object.fromEntries(Object.entries(guardLabels).filter(([key]) => key.startsWith(LABEL.tagPrefix)));
        const gateway = await ensureGateway(this.docker, { sandboxId: this.id, image: this.host.gateway.image, network, labels: tags });
        await configureGateway(this.docker, gateway, guard, policy, network, this.host.gateway.resolvers);
        state.gateway = { v4: gateway.v4, v6: gateway.v6 };
      }
      await applyPolicy(this.docker, guard, state, network);
      // Leaving domain mode: the guard no longer points at the gateway, so it can go.
      if (!state.gateway) {
        const old = await findGateway(this.docker, this.id).catch(() => undefined);
        if (old) await removeGateway(this.docker, old.Id).catch(() => undefined);
      }
    } catch (error) {
      let outcome = 'It now has no network (blocked).';
      try {
        await applyPolicy(this.docker, guard, { ...state, blockNetwork: true, cidrAllowlist: [] }, network);
      } catch {
        await this.stopFailClosed();
        outcome = 'Blocking its network failed too, so it was stopped.';
      }
      const cause = error instanceof SandboxError ? error : undefined;
      throw new SandboxError('POLICY_FAILED', `${cause?.message ?? String(error)} ${outcome}`, cause?.fix ?? 'See the log for details.', { cause: error });
    }
    const listed = [...state.cidrAllowlist, ...(state.domainAllowlist ?? [])];
    this.host.logger?.info(`Sandbox ${this.name}: network policy is now ${modeOf(state)}${listed.length ? ` (${listed.join(', ')})` : ''}`);
    // The guard verified exactly this state: no need to read it back (an exec saved per change).
    return stateView(state, true);
  }

  /**
   * Opens this process's tunnels for every forwarded port (Modal's `tunnels()`), keyed by the
   * port inside the sandbox. Idempotent; another process (a reloaded window) opens its own.
   */
  async tunnels(): Promise<Record<number, Tunnel>> {
    const state = await this.networkPolicy();
    const result: Record<number, Tunnel> = {};
    for (const forward of state.forwards) {
      result[forward.port] = await this.host.tunnelRegistry.ensure(this.id, forward.port, forward.kind, this.target(forward.port));
    }
    return result;
  }

  /** Forward a port after creation, without recreating the sandbox; also allows it inbound. */
  async forwardPort(port: number, options: ForwardOptions = {}): Promise<Tunnel> {
    const kind = options.kind ?? 'unencrypted';
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new SandboxError('INVALID_SPEC', `Port ${JSON.stringify(port)} is not a port number from 1 to 65535.`, 'Use the port the server inside the sandbox listens on, e.g. 8000.');
    }
    if (!isTunnelKind(kind)) {
      throw new SandboxError('INVALID_SPEC', `"${kind}" is not a tunnel kind.`, `Use ${TUNNEL_KIND_NAMES.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (options.localPort !== undefined && (!Number.isInteger(options.localPort) || options.localPort < 0 || options.localPort > 65535)) {
      throw new SandboxError('INVALID_SPEC', `Local port ${JSON.stringify(options.localPort)} is not a port number.`, 'Use a port from 1 to 65535, or none for a free one.');
    }
    const guard = await this.requireGuard('forward ports');
    const state = (await readPolicyState(this.docker, guard)) ?? { blockNetwork: true, cidrAllowlist: [], followsDefaults: false, forwards: [] };
    if (!state.forwards.some((f) => f.port === port && f.kind === kind)) {
      const forwards = [...state.forwards.filter((f) => f.port !== port), { port, kind }];
      await applyPolicy(this.docker, guard, { ...state, forwards }, await ensureNetwork(this.docker));
    }
    const tunnel = await this.host.tunnelRegistry.ensure(this.id, port, kind, this.target(port), options.localPort);
    if (options.waitMs) await waitForListening(this.target(port), options.waitMs, `port ${port} in sandbox ${this.name}`);
    return tunnel;
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
  async stopForwarding(port: number): Promise<void> {
    await this.host.tunnelRegistry.close(this.id, port);
    const guard = await this.requireGuard('stop forwarding');
    const state = await readPolicyState(this.docker, guard);
    if (state?.forwards.some((f) => f.port === port)) {
      await applyPolicy(this.docker, guard, { ...state, forwards: state.forwards.filter((f) => f.port !== port) }, await ensureNetwork(this.docker));
    }
  }

  /**
   * The TCP ports something in the sandbox listens on, in any image (tunnels/portScan.ts says how
   * they are read: a file read on this machine when the engine is local, else an exec).
   */
  async listeningPorts(): Promise<ListeningPort[]> {
    return (await this.portScanner()).scan();
  }

  /**
   * Polls the listening ports and reports changes (tunnels/portWatcher.ts): about once a second,
   * every 5 s while `setIdle(true)`, backing off after failures; stops by itself when the sandbox
   * ends. Call `stop()` when nobody needs it any more.
   */
  watchPorts(onEvent: (event: PortWatchEvent) => void, options: PortWatchOptions = {}): PortWatch {
    let scanner: Promise<PortScanner> | undefined;
    const scan = async () => {
      scanner ??= this.portScanner();
      try {
        return await (await scanner).scan();
      } catch (error) {
        scanner = undefined; // looked up again: the guard may have been replaced
        throw error;
      }
    };
    // A removed sandbox (NOT_FOUND) has ended too; any other failure to ask says nothing.
    const isRunning = () => this.info().then((info) => info.state === 'running', (error: unknown) => (error instanceof SandboxError && error.code === 'NOT_FOUND' ? false : Promise.reject(error)));
    return new PortWatcher(scan, isRunning, onEvent, options);
  }

  private async portScanner(): Promise<PortScanner> {
    const info = await this.info();
    if (info.state !== 'running') {
      throw new SandboxError('NOT_RUNNING', `Sandbox ${this.name} is not running (${info.state}), so nothing in it listens.`, 'Create a new sandbox.');
    }
    const [guardId] = await this.guardIds();
    return new PortScanner(this.docker, { containerId: this.containerId, guardId, networking: await this.host.runtimeNetworking(info.runtime) });
  }

  /**
   * Where a tunnel connects: the guard's address (cached; looked up again after a failure), or,
   * on a remote engine, a relay through the guard over the engine's connection.
   */
  private target(port: number): () => Promise<TunnelTarget> {
    if (this.host.portPath === 'relay') {
      let guard: Promise<string> | undefined;
      return async () => {
        guard ??= this.requireGuard('reach its ports');
        try {
          const id = await guard;
          return { relay: () => openExecRelay(this.docker, id, port).catch((error: unknown) => { guard = undefined; throw error; }) };
        } catch (error) {
          guard = undefined;
          throw error;
        }
      };
    }
    let address: Promise<string> | undefined;
    return async () => {
      address ??= this.requireGuard('reach its ports').then((guard) => guardAddress(this.docker, guard));
      try {
        return { host: await address, port };
      } catch (error) {
        address = undefined;
        throw error;
      }
    };
  }

  private async requireGuard(what: string): Promise<string> {
    const info = await this.info();
    if (info.state !== 'running') {
      throw new SandboxError('NOT_RUNNING', `Sandbox ${this.name} is not running (${info.state}), so it cannot ${what}.`, 'Create a new sandbox.');
    }
    const [guard] = await this.guardIds();
    // A --network=none runtime's sandbox has a guard too (it holds its network files), but no network.
    if (!guard || (await this.host.runtimeNetworking(info.runtime)) === 'none') {
      throw new SandboxError('TUNNEL_FAILED', `Sandbox ${this.name} has no network (its runtime gives it loopback only), so it cannot ${what}.`, 'Use a runtime with a network (runsc registered with --network=host, or runc).');
    }
    return guard;
  }

  private async stopFailClosed(): Promise<void> {
    await this.docker.getContainer(this.containerId).kill().catch(() => undefined);
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

  /** The guard container(s) holding this sandbox's network namespace. */
  private async guardIds(): Promise<string[]> {
    try {
      const guards = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.id}=${this.id}`, `${LABEL.role}=guard`] } });
      return guards.map((g) => g.Id);
    } catch {
      return [];
    }
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
    let raw: DockerStats;
    try {
      raw = (await this.container().stats({ stream: false })) as DockerStats;
    } catch (error) {
      throw this.mapError(error);
    }
    const sample = statsFromDocker(raw);
    if (!sample) throw new SandboxError('NOT_RUNNING', `Sandbox ${this.name} is not running, so it uses no CPU or memory.`, 'Create a new sandbox.');
    return sample;
  }

  /**
   * A sample about every second, as Docker streams them (one connection, no polling), until
   * `signal` aborts or the sandbox stops. The first sample's CPU use is 0: Docker has nothing to
   * compare it with yet.
   */
  async *stats(options: StatsOptions = {}): AsyncGenerator<SandboxStats, void, undefined> {
    const { signal } = options;
    if (signal?.aborted) return;
    let stream: Readable;
    try {
      stream = (await this.container().stats({ stream: true, abortSignal: signal } as never)) as unknown as Readable;
    } catch (error) {
      if (signal?.aborted) return;
      throw this.mapError(error);
    }
    const stop = () => stream.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const raw of jsonLines(stream)) {
        const sample = statsFromDocker(raw as DockerStats);
        // A stopped container's samples are empty: the stream has nothing more to tell.
        if (!sample) return;
        yield sample;
      }
    } catch (error) {
      if (!signal?.aborted) throw this.mapError(error);
    } finally {
      signal?.removeEventListener('abort', stop);
      stream.destroy();
    }
  }

  private container(): Docker.Container {
    return this.docker.getContainer(this.containerId);
  }

  private mapError(error: unknown): Error {
    if (error instanceof SandboxError) return error;
    if (dockerStatus(error) === 404) {
      return new SandboxError('NOT_FOUND', `Sandbox ${this.name} (${this.id}) no longer exists: it was removed outside the extension.`, 'Refresh the sandbox list; create a new sandbox if you need one.', { cause: error });
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

const TERMINATE_TIMEOUT_MS = 30_000;

/** Docker's zero time ("0001-01-01T00:00:00Z") means never. */
function dockerTime(value: string | undefined): Date | null {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : null;
}

function parseSpecLabel(value: string | undefined): SandboxSpec | null {
  try {
    return value ? (JSON.parse(value) as SandboxSpec) : null;
  } catch {
    return null;
  }
}

function stateView(policy: PolicyState, enforced: boolean): NetworkState {
  return {
    mode: modeOf(policy),
    blockNetwork: policy.blockNetwork,
    cidrAllowlist: policy.cidrAllowlist,
    domainAllowlist: policy.domainAllowlist ?? [],
    followsDefaults: policy.followsDefaults,
    enforced,
    forwardedPorts: policy.forwards.map((f) => f.port),
    forwards: policy.forwards,
  };
}
