import * as path from 'node:path';
import type Docker from 'dockerode';
import { pingEngine, resolveEndpoint, type DockerEndpoint } from './docker';
import { portRouting } from './tunnels/portRouting';
import { newSandboxId } from './ids';
import { listLocalImages } from './images';
import type { LocalImage } from '../shared/localImages';
import { beginCreate, endCreate } from './halfMade';
import { ensureReaper, type ReaperTarget } from './lifetime';
import { reaperTarget } from './reaperTarget';
import { readReaped } from './reapRecord';
import { SessionClient } from './sessions/sessionClient';
import { tagLabels } from './labels';
import { Sandbox } from './sandbox';
import { runSetupCheck } from './setupCheck';
import { ExecTracker } from './execTracker';
import { GuardCleanup } from './guardCleanup';
import type { SandboxHost } from './sandboxHost';
import { SpareGuards } from './spareGuards';
import { RuntimeRegistry, type RuntimeEntry } from './runtimeRegistry';
import { prepareCreate, throwIfAborted } from './createPreparation';
import { guardCall, mapEngineError } from './engineErrors';
import { sandboxLabels, startSandboxContainer, type ContainerContext } from './sandboxContainer';
import { attachGuard } from './guardSelection';
import type { CheckReport, ConnectOptions, CreateOptions, ListOptions, Logger, SandboxInfo, SandboxSpec, SnapshotInfo } from './types';
import { findSandbox, listSandboxes } from './sandboxLookup';
import { recordBaselines } from './files/workspaceCopy';
import { createContainerWithCopy } from './containerWithCopy';
import { listSnapshots, removeSnapshot } from './files/snapshot';
import { TunnelRegistry, defaultStateDir } from './tunnels/registry';
import { ManifestStore } from './review/manifest';
import { DEFAULT_GUARD_IMAGE, ensureGuardImage, ensureNetwork, type NetworkInfo, type PolicyState } from './network/guard';
import { localUpstreamResolvers, validResolvers } from './network/resolvers';
import { modeOf, needsGateway } from './network/policy';
import { configureGateway, createGateway, removeGateway, type GatewayHandle } from './network/gateway';
import { runtimeNetworking, type RuntimeNetworking } from './network/runtimeMode';
import { forwardsOfSpec } from '../shared/tunnelKinds';
import { WarmPool, type PoolStatus, type WarmOptions, type WarmResult } from './pool/warmPool';
import { forkSandbox } from './fork';
import { copyAtClaim } from './pool/copyAtClaim';

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
    this.reaper = reaperTarget(this.endpoint, options.runDir, this.dockerHost, this.guardImage);
    this.dnsServers = options.dnsServers ? validResolvers(options.dnsServers) : undefined;
    this.manifests = new ManifestStore(options.reviewDir || path.join(defaultStateDir(), 'review'));
    this.tunnelRegistry = new TunnelRegistry(
      options.stateDir || defaultStateDir(),
      options.tunnelBindHost || '127.0.0.1',
      async (id) => (await this.listInfo({ all: false })).some((s) => s.id === id),
      this.logger,
    );
    this.spares = new SpareGuards(this.docker, this.guardImage, () => this.resolvers(), this.logger);
    this.guardCleanup = new GuardCleanup(this.docker);
    this.pool = new WarmPool({
      docker: this.docker,
      logger: this.logger,
      guardImage: this.guardImage,
      resolvers: () => this.resolvers(),
      containerContext: () => this.containerContext(),
      prepare: (spec) => this.prepare(spec, {}),
      ensureReaper: () => ensureReaper(this.reaper, this.logger),
      memoryBudgetMiB: options.poolMemoryBudgetMiB,
    });
    for (const { spec, size } of options.pool ?? [])
      void this.warm(spec, size).catch((error: unknown) => this.logger?.warn(`Warm pool for ${spec.image}: ${error instanceof Error ? error.toString() : String(error)}`));
    this.execs = new ExecTracker(() => this.docker);
    this.registry = new RuntimeRegistry(this.docker, this.endpoint.description, (call) => this.guard(call));
    this.host = {
      docker: this.docker,
      logger: this.logger,
      tunnelRegistry: this.tunnelRegistry,
      trackExec: (containerId, proc) => this.execs.track(containerId, proc),
      closeExecs: (containerId) => this.execs.close(containerId),
      runtimeNetworking: (runtime) => this.runtimeNetworking(runtime),
      ...portRouting(this.endpoint, options.portPath),
      manifests: this.manifests,
      reapedFor: (containerId) => readReaped(this.reaper.runDir, containerId),
      gateway: { image: this.guardImage, resolvers: options.gatewayResolvers ? validResolvers(options.gatewayResolvers) : [] },
      readyExec: (containerId, argv, execOptions) => this.pool.readyExecs.take(containerId, argv, execOptions),
      fork: (source, overrides, forkOptions) =>
        forkSandbox(this.docker, this.handle(source), (spec, createOptions) => this.create(spec, createOptions), overrides, forkOptions),
    };
  }

  /** Baselines of copy-mode sandboxes (Review Sandbox Changes): ConnectOptions.reviewDir. */
  private readonly manifests: ManifestStore;

  private readonly spares: SpareGuards;
  /** Sandboxes started ahead that create claims (pool/warmPool.ts). */
  private readonly pool: WarmPool;
  private readonly guardCleanup: GuardCleanup;
  /** Registered runtimes and the data root, from `docker info` (cached briefly). */
  private readonly registry: RuntimeRegistry;
  /** Exec connections this client opened (terminate and dispose end them). */
  private readonly execs: ExecTracker;
  /** What the sandbox handles this client makes may use of it. */
  private readonly host: SandboxHost;

  /** PEM of the local CA that signs encrypted tunnels' certificates: trust it once, and tunnels verify. */
  async caCertificate(): Promise<string> {
    return (await this.tunnelRegistry.tls()).caCert;
  }

  /** Resolves when the engine answers; otherwise a DOCKER_UNREACHABLE error naming the endpoint and the fix. */
  async ping(): Promise<void> {
    await pingEngine(this.docker, this.endpoint);
  }

  /** Create and start a sandbox. Nothing is left behind when any step fails. */
  async create(input: SandboxSpec, options: CreateOptions = {}): Promise<Sandbox> {
    const { spec, policy, runtime, runtimes, networking, network } = await this.prepare(input, options);
    const initialState: PolicyState = { ...policy, followsDefaults: spec.followsNetworkDefaults === true, forwards: forwardsOfSpec(spec) };
    const withGateway = Boolean(network && networking === 'kernel' && needsGateway(policy));
    // Fastest path: a warm pool's sandbox for this spec, claimed and given this policy (pool/warmPool.ts).
    const pooled = await this.claimPooled({ spec, runtime, networking, network, policy }, initialState, withGateway, options.probe);
    if (pooled) return copyAtClaim(this.handle(pooled), spec, options, (b) => recordBaselines(this.manifests, pooled.id, b, this.logger));
    // Fast path: a spare guard for these tags, claimed atomically; it loads and verifies the
    // policy in one exec, and its pre-assigned id becomes the sandbox's (labels stay consistent).
    // Not with a domain allowlist: the guard's rules name the gateway, which is made first.
    const spare = network && networking === 'kernel' && !withGateway ? await this.spares.claim(spec.tags, initialState, network) : null;
    const id = spare?.id ?? newSandboxId();
    const name = spec.name ?? id;
    const networkMode = networking === 'none' ? 'blocked' : modeOf(policy);
    const { labels, guardLabels } = sandboxLabels({ id, name, createdAt: new Date(), runtime, networkMode, spec, probe: options.probe });

    options.onProgress?.(`Creating sandbox ${name} (${runtime})…`);
    // Everything created so far, removed again if a later step fails: no orphans. If this process
    // dies first, or the removal fails, the next listing removes them once this create is over (halfMade.ts).
    const created: Docker.Container[] = [];
    beginCreate(id);
    let gateway: GatewayHandle | undefined;
    try {
      if (withGateway && network) {
        // The egress gateway first: the guard's initial rules DNAT to its address.
        gateway = await createGateway(this.docker, { sandboxId: id, image: this.guardImage, network, labels: tagLabels(spec.tags) });
        initialState.gateway = { v4: gateway.v4, v6: gateway.v6 };
      }
      const guard = await attachGuard(
        this.docker,
        { spare, network },
        { sandboxId: id, name, image: this.guardImage, labels: guardLabels, initialState, resolvers: this.resolvers() },
        created,
      );
      const { container, baselines } = await createContainerWithCopy(this.containerContext(), guard, created, { spec, name, runtime, runtimes, labels }, options);
      throwIfAborted(options.signal);
      // Until now the gateway refused everything (it had no policy): closed, never open.
      if (gateway && network && guard.guardId) await configureGateway(this.docker, gateway, guard.guardId, policy, network, this.host.gateway.resolvers);
      await startSandboxContainer(this.containerContext(), container, spec, runtime);
      // A lifetime nothing would enforce is refused (UNSAFE_RUN_DIR): the sandbox is removed below.
      if (spec.timeoutSeconds || spec.idleTimeoutSeconds) ensureReaper(this.reaper, this.logger);
      if (network && networking === 'kernel' && !options.probe) this.spares.prepare(spec.tags, network);
      if (baselines.length) recordBaselines(this.manifests, id, baselines, this.logger);
      this.logger?.info(`Created sandbox ${name} (${id}) from ${spec.image} with runtime ${runtime}, network ${networkMode}`);
      return this.handle({ id, containerId: container.id, name });
    } catch (error) {
      this.networkReady = undefined; // look the network and guard image up again next time
      // Sandbox first, then its guard.
      for (const c of created.reverse()) await c.remove({ force: true, v: true }).catch(() => undefined);
      if (gateway) await removeGateway(this.docker, gateway.id).catch(() => undefined);
      throw error;
    } finally {
      endCreate(id);
    }
  }

  /**
   * The pool does not serve domain allowlists (their gateway is made before the guard's rules name
   * it): those take create's other paths. Copy mounts go in at claim (pool/copyAtClaim.ts).
   */
  private claimPooled(
    prepared: Pick<Awaited<ReturnType<SandboxClient['prepare']>>, 'spec' | 'runtime' | 'networking' | 'network' | 'policy'>,
    initialState: PolicyState,
    withGateway: boolean,
    probe: boolean | undefined,
  ) {
    const { spec, runtime, networking, network, policy } = prepared;
    if (withGateway) return Promise.resolve(null);
    return this.pool.claim({ spec, runtime, networking, network, initialState, networkMode: networking === 'none' ? 'blocked' : modeOf(policy), probe });
  }

  /** The checks and look-ups before a create (createPreparation.ts). */
  private prepare(input: SandboxSpec, options: CreateOptions) {
    return prepareCreate(
      {
        docker: this.docker,
        endpoint: this.endpoint,
        guardImage: this.guardImage,
        registry: this.registry,
        ping: () => this.ping(),
        runtimes: () => this.runtimes(),
        guard: (call) => this.guard(call),
        networkAndGuardImage: () => this.networkAndGuardImage(),
      },
      input,
      options,
    );
  }

  private containerContext(): ContainerContext {
    return { docker: this.docker, dockerRootDir: this.registry.rootDir(), mapError: (error, what) => mapEngineError(this.endpoint, error, what) };
  }

  /** Upstream resolvers a new guard records (network/resolvers.ts); none for a remote engine. */
  private resolvers(): string[] {
    return this.dnsServers ?? (this.endpoint.options.socketPath ? localUpstreamResolvers() : []);
  }
  private readonly dnsServers: string[] | undefined;

  /** The shared network and the guard image, looked up once per client (they rarely change). */
  private networkAndGuardImage(): Promise<NetworkInfo> {
    this.networkReady ??= Promise.all([ensureNetwork(this.docker), ensureGuardImage(this.docker, this.guardImage)]).then(([network]) => network);
    const ready = this.networkReady;
    // A failure (or the network removed later) is looked up again next time.
    ready.catch(() => (this.networkReady = undefined));
    return ready;
  }
  private networkReady: Promise<NetworkInfo> | undefined;

  /** The images on this machine a sandbox can start from, by name, with their sizes (no snapshots, no guard image). */
  async localImages(): Promise<LocalImage[]> {
    return this.guard(() => listLocalImages(this.docker, this.guardImage));
  }

  /**
   * Terminal sessions kept by this user's session host (sessions/), which outlive window
   * reloads; it lives beside the reaper, in the same private run directory.
   */
  terminalSessions(hostEnv: NodeJS.ProcessEnv = {}): SessionClient {
    return new SessionClient(this.reaper, hostEnv);
  }

  /**
   * Keeps `size` sandboxes for `spec` started ahead, closed (no network), so that a `create` with
   * a matching spec claims one instead of starting it (pool/warmPool.ts; 0 ends the pool). Resolves
   * once they are ready. The pool is this client's: `close()` removes it, and so does an idle time
   * with no claim from it (`options.idleExpirySeconds`, default 10 minutes). All of this client's
   * pooled sandboxes together stay within `poolMemoryBudgetMiB` (the size is clipped: see the result).
   */
  warm(spec: SandboxSpec, size: number, options?: WarmOptions): Promise<WarmResult> {
    return this.guard(() => this.pool.warm(spec, size, options));
  }

  /** This client's warm pools and how many sandboxes each has ready. */
  poolStatus(): Promise<PoolStatus[]> {
    return this.guard(() => this.pool.status());
  }

  /** Filesystem snapshots (`sandbox.snapshotFilesystem()`), newest first; optionally of one sandbox. */
  async listSnapshots(options: { sandboxId?: string } = {}): Promise<SnapshotInfo[]> {
    return this.guard(() => listSnapshots(this.docker, options.sandboxId));
  }

  /** Removes a snapshot image; images that are not snapshots are refused (NOT_FOUND). */
  async removeSnapshot(ref: string): Promise<void> {
    await this.guard(() => removeSnapshot(this.docker, ref));
  }

  /** Every sandbox this engine manages on the endpoint, newest first, optionally filtered by tags. */
  async list(options: ListOptions = {}): Promise<Sandbox[]> {
    return (await this.listInfo(options)).map((info) => this.handle(info));
  }

  /** A handle on a sandbox from `listInfo`, without another Docker call. */
  handle(info: Pick<SandboxInfo, 'id' | 'containerId' | 'name'>): Sandbox {
    return new Sandbox(this.host, info.id, info.containerId, info.name);
  }

  /** Like `list`, with each sandbox's state, from one Docker call (for trees and pickers). */
  async listInfo(options: ListOptions = {}): Promise<SandboxInfo[]> {
    return listSandboxes({ docker: this.docker, guard: (call) => this.guard(call), guardCleanup: this.guardCleanup, reaper: this.reaper, logger: this.logger }, options);
  }

  /** A sandbox by its id (`sb-…`), its name, or its container id. */
  async fromId(idOrName: string): Promise<Sandbox> {
    return this.handle(await findSandbox(this.docker, this.endpoint, idOrName, (call) => this.guard(call)));
  }

  /** Docker, runtime registration and a trial sandbox, each with the fix when it fails. */
  checkSetup(options: { image?: string; runtime?: string } = {}): Promise<CheckReport> {
    return runSetupCheck(this, options);
  }

  /** Registered runtimes as Docker reports them (cached briefly: create calls it every time). */
  async runtimes(refresh = false): Promise<Map<string, RuntimeEntry>> {
    return this.registry.names(refresh);
  }

  /** How this runtime networks its sandboxes (decides whether policies can be enforced). */
  async runtimeNetworking(runtime: string): Promise<RuntimeNetworking> {
    return runtimeNetworking(runtime, (await this.runtimes()).get(runtime));
  }

  /**
   * Like dispose(), and resolves once this client's spare guards are gone (one may still be
   * starting in the background after a create): scripts and tests that must leave nothing behind.
   */
  async close(): Promise<void> {
    await Promise.all([this.spares.close(), this.pool.close()]);
    this.dispose();
  }

  /** Releases the Docker client's sockets, exec connections, tunnels and unclaimed spare guards. Sandboxes keep running. */
  dispose(): void {
    this.spares.dispose();
    void this.pool.close().catch(() => undefined);
    void this.tunnelRegistry.closeAll();
    this.execs.close();
    const agent = (this.docker.modem as unknown as { agent?: { destroy?: () => void } }).agent;
    agent?.destroy?.();
  }

  /** Runs a Docker call, turning "no engine there" into a DOCKER_UNREACHABLE error. */
  private guard<T>(call: () => Promise<T>): Promise<T> {
    return guardCall(this.endpoint, call);
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
