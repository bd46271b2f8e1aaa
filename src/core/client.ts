import type Docker from 'dockerode';
import { resolveEndpoint, unreachable, isConnectionError, type DockerEndpoint } from './docker';
import { OLD_RUNSC_FIX, OLD_RUNSC_SIGNATURE, SETUP_FIX, SandboxError, dockerMessage, dockerStatus } from './errors';
import { newSandboxId } from './ids';
import { ensureImage } from './images';
import { beginCreate, collectHalfMade, creatorLabel, endCreate } from './halfMade';
import { ensureReaper, runningReaper, type ReaperTarget } from './lifetime';
import { defaultRunDir } from './runDir';
import { LABEL, MANAGED_FILTER, tagFilters, tagLabels, tagsFromLabels } from './labels';
import { Sandbox } from './sandbox';
import { runSetupCheck } from './setupCheck';
import { ContainerStopWatch } from './stopWatch';
import { DEFAULT_RUNTIME, KEEP_ALIVE_COMMAND, validateSpec } from './spec';
import type { CheckReport, ConnectOptions, CreateOptions, ExecProcess, ListOptions, Logger, SandboxInfo, SandboxSpec, SnapshotInfo, TunnelKind } from './types';
import { infoFromList } from './listing';
import { assertSourcesExist, bindsOf, copyMountsIn, readonlyMountsOf } from './files/mounts';
import { listSnapshots, removeSnapshot } from './files/snapshot';
import { TunnelRegistry, defaultStateDir } from './tunnels/registry';
import { DEFAULT_GUARD_IMAGE, applyPolicy, createGuard, ensureGuardImage, ensureNetwork, guardName, type NetworkInfo, type PolicyState } from './network/guard';
import { localUpstreamResolvers, validResolvers } from './network/resolvers';
import { modeOf, validatePolicy } from './network/policy';
import { assertEnforceable, runtimeNetworking, type RuntimeNetworking } from './network/runtimeMode';

const PING_TIMEOUT_MS = 5000;
const RUNTIME_CACHE_MS = 10_000;

/** Entry point of the engine (Modal's `Sandbox.create` / `Sandbox.from_id` / `Sandbox.list`). */
export function connect(options: ConnectOptions = {}): SandboxClient {
  return new SandboxClient(options);
}

export class SandboxClient {
  readonly endpoint: DockerEndpoint;
  /** The raw Docker client, for callers that need more than the sandbox API. */
  readonly docker: Docker;
  readonly logger: Logger | undefined;
  private readonly dockerHost: string;
  readonly guardImage: string;
  /** Tunnels served by this client (this process). */
  readonly tunnelRegistry: TunnelRegistry;
  /** Where this client finds (or starts) the lifetime reaper of its endpoint. */
  readonly reaper: ReaperTarget;

  constructor(options: ConnectOptions = {}) {
    this.endpoint = resolveEndpoint(options.dockerHost);
    this.dockerHost = options.dockerHost?.trim() || process.env.DOCKER_HOST || '';
    this.docker = new (loadDockerode())(this.endpoint.options);
    this.logger = options.logger;
    this.guardImage = options.guardImage?.trim() || DEFAULT_GUARD_IMAGE;
    this.reaper = { runDir: options.runDir || defaultRunDir(), endpointDescription: this.endpoint.description, dockerHost: this.dockerHost };
    this.dnsServers = options.dnsServers ? validResolvers(options.dnsServers) : undefined;
    this.tunnelRegistry = new TunnelRegistry(
      options.stateDir || defaultStateDir(),
      options.tunnelBindHost || '127.0.0.1',
      async (id) => (await this.listInfo({ all: false })).some((s) => s.id === id),
      this.logger,
    );
  }

  /** PEM of the local CA that signs encrypted tunnels' certificates: trust it once, and tunnels verify. */
  async caCertificate(): Promise<string> {
    return (await this.tunnelRegistry.tls()).caCert;
  }

  /** Resolves when the engine answers; otherwise a DOCKER_UNREACHABLE error naming the endpoint and the fix. */
  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.docker.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })), PING_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      throw unreachable(this.endpoint, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Create and start a sandbox. Nothing is left behind when any step fails. */
  async create(input: SandboxSpec, options: CreateOptions = {}): Promise<Sandbox> {
    const spec = validateSpec(input);
    const policy = validatePolicy(spec);
    const runtime = spec.runtime ?? DEFAULT_RUNTIME;
    if (spec.mounts) assertSourcesExist(spec.mounts);
    // Independent look-ups in parallel: creation time is what users wait on.
    const [, runtimes] = await Promise.all([this.ping(), this.runtimes()]);
    throwIfAborted(options.signal);
    this.requireRuntime(runtime, runtimes);
    const networking = runtimeNetworking(runtime, runtimes.get(runtime));
    assertEnforceable(runtime, networking, policy);
    const [, network] = await this.guard(() =>
      Promise.all([
        ensureImage(this.docker, spec.image, options.onProgress, options.signal),
        networking === 'none' ? undefined : this.networkAndGuardImage(),
      ]),
    );
    throwIfAborted(options.signal);

    const initialState: PolicyState = { ...policy, followsDefaults: spec.followsNetworkDefaults === true, forwards: forwardsOf(spec) };
    // Fast path: a spare guard for these tags, claimed atomically; it loads and verifies the
    // policy in one exec, and its pre-assigned id becomes the sandbox's (labels stay consistent).
    const spare = network && networking === 'kernel' ? await this.claimSpare(spec.tags, initialState, network) : null;
    const id = spare?.id ?? newSandboxId();
    const name = spec.name ?? id;
    const createdAt = new Date();
    const labels: Record<string, string> = {
      [LABEL.managed]: 'true',
      [LABEL.id]: id,
      [LABEL.name]: name,
      [LABEL.createdAt]: createdAt.toISOString(),
      [LABEL.runtime]: runtime,
      [LABEL.networkMode]: networking === 'none' ? 'blocked' : modeOf(policy),
      [LABEL.spec]: JSON.stringify(spec),
      [LABEL.creator]: creatorLabel(),
      ...tagLabels(spec.tags),
      ...(options.probe ? { [LABEL.probe]: 'true' } : {}),
    };
    // The guard has no lifetime labels: the reaper ends it with its sandbox, never on its own.
    const guardLabels = { ...labels };
    if (spec.timeoutSeconds) labels[LABEL.expiresAt] = new Date(createdAt.getTime() + spec.timeoutSeconds * 1000).toISOString();
    if (spec.idleTimeoutSeconds) labels[LABEL.idleTimeout] = String(spec.idleTimeoutSeconds);

    options.onProgress?.(`Creating sandbox ${name} (${runtime})…`);
    // Everything created so far, removed again if a later step fails: no orphans. If this process
    // dies first, or the removal fails, the next listing removes them once this create is over (halfMade.ts).
    const created: Docker.Container[] = [];
    beginCreate(id);
    try {
      let networkMode = 'none';
      let guardReady: Promise<void> = Promise.resolve();
      if (spare) {
        // A spare guard, started earlier and now holding this sandbox's verified policy.
        created.push(spare.container);
        await spare.container.rename({ name: guardName(id) });
        networkMode = `container:${spare.container.id}`;
      } else if (network) {
        const guard = await createGuard(this.docker, {
          sandboxId: id,
          name,
          image: this.guardImage,
          network,
          labels: guardLabels,
          initialState,
          resolvers: this.resolvers(),
        }).catch((error: unknown) => {
          throw dockerStatus(error) === 409 ? nameInUse(name, error) : error;
        });
        created.push(guard.container);
        networkMode = `container:${guard.container.id}`;
        // Fail closed: the guard loads and verifies the policy before the sandbox may start.
        // Meanwhile the sandbox container is created (creating does not join the namespace yet).
        guardReady = guard.start();
      }
      const [, container] = await Promise.all([
        guardReady,
        this.createSandboxContainer(spec, name, runtime, networkMode, { ...labels, [LABEL.role]: 'sandbox' }).then(async (c) => {
          created.push(c);
          // Copy mounts go in before start (see copyMountsIn), while the guard starts.
          if (spec.mounts) await this.copyIn(c, spec, options);
          return c;
        }),
      ]);
      throwIfAborted(options.signal);
      await this.startSandboxContainer(container, spec, runtime);
      // A lifetime nothing would enforce is refused (UNSAFE_RUN_DIR): the sandbox is removed below.
      if (spec.timeoutSeconds || spec.idleTimeoutSeconds) ensureReaper(this.reaper, this.logger);
      if (network && networking === 'kernel' && !options.probe) this.prepareSpare(spec.tags, network);
      this.logger?.info(`Created sandbox ${name} (${id}) from ${spec.image} with runtime ${runtime}, network ${labels[LABEL.networkMode]}`);
      return new Sandbox(this, id, container.id, name);
    } catch (error) {
      this.networkReady = undefined; // look the network and guard image up again next time
      // Sandbox first, then its guard.
      for (const c of created.reverse()) await c.remove({ force: true, v: true }).catch(() => undefined);
      throw error;
    } finally {
      endCreate(id);
    }
  }

  /** Takes a running spare guard made for exactly these tags, or returns null (then the caller makes one). */
  private async claimSpare(tags: Record<string, string> | undefined, state: PolicyState, network: NetworkInfo): Promise<{ id: string; container: Docker.Container } | null> {
    const wanted = tags ?? {};
    let candidates: Docker.ContainerInfo[];
    try {
      candidates = await this.docker.listContainers({ filters: { label: [MANAGED_FILTER, `${LABEL.spare}=true`, ...tagFilters(wanted)], status: ['running'] } });
    } catch {
      return null;
    }
    const spares = candidates
      .filter((c) => isUnclaimedSpare(c) && sameTags(tagsFromLabels(c.Labels ?? {}), wanted) && this.sameResolvers(c))
      .sort((a, b) => b.Created - a.Created);
    for (const spare of spares) {
      try {
        if (await applyPolicy(this.docker, spare.Id, state, network, { claim: true })) {
          this.ownSpares.delete(spare.Id);
          return { id: spare.Labels[LABEL.id], container: this.docker.getContainer(spare.Id) };
        }
      } catch (error) {
        // A broken spare is of no use to anyone: remove it and make the guard the slow way.
        this.logger?.warn(`Removing spare guard ${spare.Id.slice(0, 12)}: ${error instanceof Error ? error.message : String(error)}`);
        void this.docker.getContainer(spare.Id).remove({ force: true, v: true }).catch(() => undefined);
      }
    }
    return null;
  }

  /**
   * Starts one spare guard (closed, deny-all) for the next sandbox with these tags, in the
   * background: a guard's start is most of a sandbox's creation time. At most one per tag set;
   * spares idle for SPARE_MAX_IDLE are removed by listings, and dispose() removes this client's.
   */
  private prepareSpare(tags: Record<string, string> | undefined, network: NetworkInfo): void {
    if (this.preparingSpare) return;
    this.preparingSpare = (async () => {
      const wanted = tags ?? {};
      const existing = await this.docker.listContainers({ filters: { label: [MANAGED_FILTER, `${LABEL.spare}=true`, ...tagFilters(wanted)], status: ['running'] } });
      if (existing.some((c) => isUnclaimedSpare(c) && sameTags(tagsFromLabels(c.Labels ?? {}), wanted) && this.sameResolvers(c))) return;
      const id = newSandboxId();
      const labels = { [LABEL.managed]: 'true', [LABEL.id]: id, [LABEL.name]: id, [LABEL.spare]: 'true', [LABEL.spareDns]: this.resolvers().join(' '), [LABEL.createdAt]: new Date().toISOString(), ...tagLabels(wanted) };
      const guard = await createGuard(this.docker, { sandboxId: id, name: id, image: this.guardImage, network, labels, containerName: `${SPARE_PREFIX}${id}`, resolvers: this.resolvers() });
      this.ownSpares.add(guard.container.id);
      await guard.start();
    })()
      .catch((error: unknown) => this.logger?.debug(`No spare guard prepared: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (this.preparingSpare = undefined));
  }
  private preparingSpare: Promise<void> | undefined;

  /** Upstream resolvers a new guard records (network/resolvers.ts); none for a remote engine. */
  private resolvers(): string[] {
    return this.dnsServers ?? (this.endpoint.options.socketPath ? localUpstreamResolvers() : []);
  }
  private readonly dnsServers: string[] | undefined;
  /** A spare recorded its resolvers when it started: claim only one that recorded ours. */
  private sameResolvers(spare: Docker.ContainerInfo): boolean {
    return (spare.Labels?.[LABEL.spareDns] ?? '') === this.resolvers().join(' ');
  }
  private readonly ownSpares = new Set<string>();
  private volumesPrunedAt = 0;
  /** When this client first saw a claimed spare guard without its sandbox (see collectGuards). */
  private readonly orphanSince = new Map<string, number>();

  /** The shared network and the guard image, looked up once per client (they rarely change). */
  private networkAndGuardImage(): Promise<NetworkInfo> {
    this.networkReady ??= Promise.all([ensureNetwork(this.docker), ensureGuardImage(this.docker, this.guardImage)]).then(([network]) => network);
    const ready = this.networkReady;
    // A failure (or the network removed later) is looked up again next time.
    ready.catch(() => (this.networkReady = undefined));
    return ready;
  }
  private networkReady: Promise<NetworkInfo> | undefined;

  private async copyIn(container: Docker.Container, spec: SandboxSpec, options: CreateOptions): Promise<void> {
    try {
      await copyMountsIn(container, spec.mounts ?? [], options.onCopyProgress, options.signal);
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      throw new SandboxError('EXEC_FAILED', `Copying the workspace into the sandbox failed: ${dockerMessage(error)}`, 'Check that the folder is readable; for huge folders, keep .gitignore\'d paths out (the default).', { cause: error });
    }
  }

  /** Filesystem snapshots (`sandbox.snapshotFilesystem()`), newest first; optionally of one sandbox. */
  async listSnapshots(options: { sandboxId?: string } = {}): Promise<SnapshotInfo[]> {
    return this.guard(() => listSnapshots(this.docker, options.sandboxId));
  }

  /** Removes a snapshot image; images that are not snapshots are refused (NOT_FOUND). */
  async removeSnapshot(ref: string): Promise<void> {
    await this.guard(() => removeSnapshot(this.docker, ref));
  }

  private async createSandboxContainer(spec: SandboxSpec, name: string, runtime: string, networkMode: string, labels: Record<string, string>): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer({
        name: `sandboxes-${name}`,
        Image: spec.image,
        // The spec's command is the whole argv, as in Modal: the image's ENTRYPOINT is reset.
        Entrypoint: [''],
        Cmd: spec.command ?? KEEP_ALIVE_COMMAND,
        Env: spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : undefined,
        WorkingDir: spec.workdir,
        Hostname: networkMode === 'none' ? name.slice(0, 63) : undefined,
        Labels: labels,
        HostConfig: {
          Runtime: runtime,
          NetworkMode: networkMode,
          NanoCpus: spec.cpu ? Math.round(spec.cpu * 1e9) : undefined,
          Memory: spec.memoryMiB ? spec.memoryMiB * 1024 * 1024 : undefined,
          MemorySwap: spec.memoryMiB ? spec.memoryMiB * 1024 * 1024 : undefined,
          // Raw sockets would let code forge packets past the policy's intent; NET_ADMIN is never
          // granted (it would let a runc sandbox rewrite the rules it shares a namespace with).
          CapDrop: ['NET_RAW', 'NET_ADMIN'],
          Binds: bindsOf(spec.mounts),
          Mounts: readonlyMountsOf(spec.mounts, { [LABEL.managed]: 'true', [LABEL.id]: labels[LABEL.id] }),
          SecurityOpt: ['no-new-privileges'],
        },
      });
    } catch (error) {
      if (dockerStatus(error) === 409) throw nameInUse(name, error);
      throw this.mapError(error, `Could not create the sandbox from ${spec.image}`);
    }
  }

  private async startSandboxContainer(container: Docker.Container, spec: SandboxSpec, runtime: string): Promise<void> {
    try {
      await container.start();
    } catch (error) {
      const message = dockerMessage(error);
      if (message.includes(OLD_RUNSC_SIGNATURE)) {
        throw new SandboxError('RUNTIME_BROKEN', `The gVisor runtime "${runtime}" failed to start the sandbox: ${OLD_RUNSC_SIGNATURE}.`, OLD_RUNSC_FIX, { cause: error });
      }
      if (/\/bin\/sh/.test(message) && /executable file not found|no such file or directory/i.test(message) && !spec.command) {
        throw new SandboxError('EXEC_FAILED', `Image ${spec.image} has no /bin/sh, which keeps a sandbox without a command alive.`, 'Set a command for the sandbox (sandboxes.defaults.command), or use an image with a shell.', { cause: error });
      }
      throw this.mapError(error, `The sandbox from ${spec.image} failed to start`);
    }
  }

  /** Every sandbox this engine manages on the endpoint, newest first, optionally filtered by tags. */
  async list(options: ListOptions = {}): Promise<Sandbox[]> {
    return (await this.listInfo(options)).map((info) => this.handle(info));
  }

  /** A handle on a sandbox from `listInfo`, without another Docker call. */
  handle(info: Pick<SandboxInfo, 'id' | 'containerId' | 'name'>): Sandbox {
    return new Sandbox(this, info.id, info.containerId, info.name);
  }

  /** Like `list`, with each sandbox's state, from one Docker call (for trees and pickers). */
  async listInfo(options: ListOptions = {}): Promise<SandboxInfo[]> {
    const containers = await this.guard(() =>
      this.docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER, ...tagFilters(options.tags)] } }),
    );
    const sandboxes = containers.filter(isSandboxContainer);
    this.collectGuards(containers.filter((c) => !isSandboxContainer(c)), sandboxes);
    // What a create that never finished left (its process died, or its clean-up failed): in the background.
    void collectHalfMade(this.docker, containers, this.logger).catch(() => undefined);
    const infos = sandboxes
      .filter((c) => options.all !== false || c.State === 'running')
      .filter((c) => options.includeProbes === true || c.Labels?.[LABEL.probe] !== 'true')
      .map(infoFromList)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    // Self-healing: if the reaper died (reboot, kill), the next client to look restarts it.
    if (infos.some((i) => i.state === 'running' && (i.expiresAt || i.idleTimeoutSeconds)) && !runningReaper(this.reaper.runDir, this.reaper.endpointDescription)) {
      try {
        ensureReaper(this.reaper, this.logger);
      } catch (error) {
        // Listing must work anyway; creating a sandbox with a lifetime says the same, as an error.
        this.logger?.warn(error instanceof Error ? error.toString() : String(error));
      }
    }
    return infos.map(({ idleTimeoutSeconds: _, ...info }) => info);
  }

  /**
   * Guards outlive their sandbox when it was removed behind our back or ended by itself: stop a
   * guard whose sandbox has ended, remove one whose sandbox is gone. In the background: listing
   * must stay fast.
   */
  private collectGuards(guards: Docker.ContainerInfo[], sandboxes: Docker.ContainerInfo[]): void {
    const now = Date.now();
    // A guard removed without `-v` (by hand, by an older version) leaves its small state volume:
    // prune those now and then (Docker never prunes a volume a container still refers to).
    if (now - this.volumesPrunedAt > SPARE_MAX_IDLE_MS) {
      this.volumesPrunedAt = now;
      void this.docker.pruneVolumes({ filters: { label: [`${LABEL.role}=guard-state`] } }).catch(() => undefined);
    }
    if (guards.length === 0) return;
    const byId = new Map(sandboxes.map((c) => [c.Labels?.[LABEL.id], c]));
    for (const guard of guards) {
      if (guard.Labels?.[LABEL.role] !== 'guard') continue;
      const container = this.docker.getContainer(guard.Id);
      if (isUnclaimedSpare(guard)) {
        if (now - guard.Created * 1000 > SPARE_MAX_IDLE_MS) void container.remove({ force: true, v: true }).catch(() => undefined);
        continue;
      }
      const sandbox = byId.get(guard.Labels[LABEL.id]);
      if (!sandbox) {
        // A claimed spare is old by Created while its sandbox is being made: count from when this
        // client first saw it without one. A guard made inline is as young as its sandbox.
        const since = guard.Labels[LABEL.spare] === 'true' ? (this.orphanSince.get(guard.Id) ?? now) : guard.Created * 1000;
        this.orphanSince.set(guard.Id, since);
        if (now - since > 60_000) void container.remove({ force: true, v: true }).catch(() => undefined);
        continue;
      }
      this.orphanSince.delete(guard.Id);
      // Only an ended sandbox: one still `created` is waiting for this guard to verify its policy.
      if ((sandbox.State === 'exited' || sandbox.State === 'dead') && guard.State === 'running') void container.kill().catch(() => undefined);
    }
  }

  /** A sandbox by its id (`sb-…`), its name, or its container id. */
  async fromId(idOrName: string): Promise<Sandbox> {
    for (const label of [LABEL.id, LABEL.name]) {
      const found = (await this.guard(() => this.docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER, `${label}=${idOrName}`] } }))).filter(isSandboxContainer);
      if (found.length > 0) {
        const info = infoFromList(found[0]);
        return new Sandbox(this, info.id, info.containerId, info.name);
      }
    }
    try {
      const c = await this.docker.getContainer(idOrName).inspect();
      const labels = c.Config.Labels ?? {};
      if (labels[LABEL.managed] === 'true' && labels[LABEL.role] !== 'guard' && labels[LABEL.role] !== 'network') return new Sandbox(this, labels[LABEL.id], c.Id, labels[LABEL.name] ?? labels[LABEL.id]);
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(this.endpoint, error);
    }
    throw new SandboxError('NOT_FOUND', `No sandbox "${idOrName}" on ${this.endpoint.description}: it ended and was removed, or it was never created here.`, 'List the sandboxes (Sandboxes view, or client.list()) and use one that exists, or create a new one.');
  }

  /** Docker, runtime registration and a trial sandbox, each with the fix when it fails. */
  checkSetup(options: { image?: string; runtime?: string } = {}): Promise<CheckReport> {
    return runSetupCheck(this, options);
  }

  /** Registered runtimes as Docker reports them (cached briefly: create calls it every time). */
  async runtimes(refresh = false): Promise<Map<string, { path?: string; runtimeArgs?: string[] }>> {
    if (!refresh && this.runtimes_ && Date.now() - this.runtimes_.at < RUNTIME_CACHE_MS) return this.runtimes_.names;
    const info = await this.guard(() => this.docker.info());
    const names = new Map(Object.entries((info.Runtimes ?? {}) as Record<string, { path?: string; runtimeArgs?: string[] }>));
    this.runtimes_ = { at: Date.now(), names };
    return names;
  }
  private runtimes_: { at: number; names: Map<string, { path?: string; runtimeArgs?: string[] }> } | undefined;

  private requireRuntime(runtime: string, names: Map<string, { path?: string; runtimeArgs?: string[] }>): void {
    if (names.has(runtime)) return;
    const registered = [...names.keys()].join(', ') || 'none';
    if (runtime === DEFAULT_RUNTIME) {
      throw new SandboxError('RUNTIME_MISSING', `gVisor's runtime "runsc" is not registered with the Docker engine at ${this.endpoint.description} (registered: ${registered}). Sandboxes never fall back to runc silently.`, SETUP_FIX);
    }
    throw new SandboxError('RUNTIME_MISSING', `Runtime "${runtime}" is not registered with the Docker engine (registered: ${registered}).`, `Use one of the registered runtimes (normally "runsc"), or register "${runtime}" in /etc/docker/daemon.json and reload Docker.`);
  }

  /** How this runtime networks its sandboxes (decides whether policies can be enforced). */
  async runtimeNetworking(runtime: string): Promise<RuntimeNetworking> {
    return runtimeNetworking(runtime, (await this.runtimes()).get(runtime));
  }

  private readonly execs = new Map<string, Set<ExecProcess>>();
  /** Hangs up the execs of a sandbox stopped from outside (stopWatch.ts explains why). */
  private readonly stopWatch = new ContainerStopWatch(() => this.docker, (containerId) => this.closeExecs(containerId));

  /**
   * Remembers an exec's connection until it ends, so terminate() and dispose() can end it, and
   * so does the sandbox stopping from outside.
   */
  trackExec(containerId: string, proc: ExecProcess): void {
    if (!this.execs.has(containerId)) this.execs.set(containerId, new Set());
    const set = this.execs.get(containerId)!;
    set.add(proc);
    const forget = () => {
      set.delete(proc);
      if (set.size === 0 && this.execs.get(containerId) === set) this.execs.delete(containerId);
      if (this.execs.size === 0) this.stopWatch.stop();
    };
    proc.stdout.once('close', forget);
    proc.stdout.once('end', forget);
    this.stopWatch.start();
  }

  closeExecs(containerId?: string): void {
    for (const [id, set] of this.execs) {
      if (containerId !== undefined && id !== containerId) continue;
      for (const proc of set) proc.close();
      this.execs.delete(id);
    }
    if (this.execs.size === 0) this.stopWatch.stop();
  }

  /**
   * Like dispose(), and resolves once this client's spare guards are gone (one may still be
   * starting in the background after a create): scripts and tests that must leave nothing behind.
   */
  async close(): Promise<void> {
    await this.preparingSpare;
    await Promise.all([...this.ownSpares].map((id) => this.docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined)));
    this.dispose();
  }

  /** Releases the Docker client's sockets, exec connections, tunnels and unclaimed spare guards. Sandboxes keep running. */
  dispose(): void {
    for (const id of this.ownSpares) void this.docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
    this.ownSpares.clear();
    void this.tunnelRegistry.closeAll();
    this.closeExecs();
    const agent = (this.docker.modem as unknown as { agent?: { destroy?: () => void } }).agent;
    agent?.destroy?.();
  }

  /** Runs a Docker call, turning "no engine there" into a DOCKER_UNREACHABLE error. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(this.endpoint, error);
      throw error;
    }
  }

  private mapError(error: unknown, what: string): Error {
    if (error instanceof SandboxError) return error;
    if (isConnectionError(error)) return unreachable(this.endpoint, error);
    return new SandboxError('EXEC_FAILED', `${what}: ${dockerMessage(error)}`, 'See the Docker engine log for details; run "Sandboxes: Check Setup" to test the installation.', { cause: error });
  }
}

/**
 * dockerode, with the SSH transport it loads eagerly, is most of the engine's load time: loaded
 * with the first client rather than with the library, so the extension activates without it.
 */
function loadDockerode(): typeof Docker {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('dockerode') as typeof Docker;
}

const SPARE_PREFIX = 'sandboxes-spare-';
const SPARE_MAX_IDLE_MS = 10 * 60_000;

/** A spare guard keeps its `sandboxes-spare-…` name until a create claims and renames it. */
function isUnclaimedSpare(c: Docker.ContainerInfo): boolean {
  return c.Labels?.[LABEL.spare] === 'true' && (c.Names ?? []).some((n) => n.startsWith(`/${SPARE_PREFIX}`));
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function nameInUse(name: string, cause: unknown): SandboxError {
  return new SandboxError('NAME_IN_USE', `A sandbox or container named "${name}" already exists.`, 'Choose another name, or terminate the existing sandbox first.', { cause });
}

function forwardsOf(spec: SandboxSpec): { port: number; kind: TunnelKind }[] {
  return [
    ...(spec.unencryptedPorts ?? []).map((port) => ({ port, kind: 'unencrypted' as const })),
    ...(spec.encryptedPorts ?? []).map((port) => ({ port, kind: 'encrypted' as const })),
    ...(spec.h2Ports ?? []).map((port) => ({ port, kind: 'h2' as const })),
  ];
}

/** Sandboxes, not their guards (sandboxes from before roles existed have no role label). */
function isSandboxContainer(c: Docker.ContainerInfo): boolean {
  const role = c.Labels?.[LABEL.role];
  return role === undefined || role === 'sandbox';
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SandboxError('CANCELLED', 'Creating the sandbox was cancelled.', 'Run the command again when you are ready.');
}
