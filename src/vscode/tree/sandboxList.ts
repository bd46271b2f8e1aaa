/**
 * The sandboxes on the configured Docker engine as the Sandboxes view and the status bar show
 * them: one list, loaded with one Docker call and shared by both, and each running sandbox's
 * network policy, read on demand (an exec in its guard) and kept until something says it changed.
 * When to reload is refreshManager.ts's business; this class only loads and tells.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { NetworkState, SandboxEnding, SandboxInfo, SnapshotInfo } from '../../core/types';
import type { SandboxClientService } from '../client';
import { Disposable } from '../dispose';
import type { ExtensionLog } from '../log';
import { readRuntimeSetting } from '../settings';
import { dockerStateOf, isUnreachable, type DockerState } from './dockerState';
import { DEFAULT_ENGINE, type EngineEntry } from '../engines/engineEntries';

/** How long another engine's listing may take before its node says it does not answer. */
const ENGINE_LIST_BOUND_MS = 20_000;

/** One engine's part of the list, when more than one engine is configured. */
export interface EngineListing {
  readonly engine: EngineEntry;
  readonly sandboxes: readonly SandboxInfo[];
  readonly problem: string | undefined;
  readonly unreachable: boolean;
  /** Ready members of the pools this window keeps there; `undefined` when it keeps none. */
  readonly poolReady: number | undefined;
}

export interface SandboxListState {
  /** `undefined` until the first load has finished. */
  readonly dockerState: DockerState | undefined;
  /** Newest first; empty while Docker is unreachable. */
  readonly sandboxes: readonly SandboxInfo[];
  /** Why the last load failed (the engine's message), or `undefined` when it did not. */
  readonly problem: string | undefined;
  /** The runtime new sandboxes use (`sandboxes.defaults.runtime`), for messages. */
  readonly runtime: string;
  /**
   * Each engine's part, default first, when more than one engine is configured; `undefined` with
   * one (the tree then stays as it always was). `sandboxes` above holds every engine's then, and
   * `dockerState`/`problem` are the default engine's.
   */
  readonly engines?: readonly EngineListing[];
  /** Ready members of the warm pools this window keeps on the default engine; `undefined` when it keeps none. */
  readonly poolReady?: number;
}

interface NetworkEntry {
  readonly value: Promise<NetworkState | Error>;
  settled?: NetworkState | Error;
}

export class SandboxList extends Disposable {
  private state: SandboxListState = { dockerState: undefined, sandboxes: [], problem: undefined, runtime: readRuntimeSetting() };
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private firstLoad: Promise<void> | undefined;
  private readonly network = new Map<string, NetworkEntry>();
  /** Every snapshot on each engine, read on first look after each load: one Docker call per engine. */
  private readonly snapshotLists = new Map<string, Promise<readonly SnapshotInfo[]>>();
  /** Why each stopped sandbox ended, by container id: read once (an ended container does not change). */
  private readonly endings = new Map<string, SandboxEnding>();
  /** Sandboxes that were running when the engine stopped answering: they ended with it. */
  private readonly wentAwayWhileRunning = new Set<string>();
  /** The last policy seen in force of sandboxes that ended, for Recreate (a stopped guard cannot be asked). */
  private readonly lastPolicies = new Map<string, NetworkState>();

  private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires after every load. */
  readonly onDidChange = this.onDidChangeEmitter.event;

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
  ) {
    super();
    // Another engine: nothing known about the old one's sandboxes applies.
    this._register(clients.onDidChangeClient(() => this.network.clear()));
  }

  get current(): SandboxListState {
    return this.state;
  }

  get running(): SandboxInfo[] {
    return this.state.sandboxes.filter((info) => info.state === 'running');
  }

  /** Resolves once a load has finished, starting the first one if none has. */
  whenLoaded(): Promise<void> {
    this.firstLoad ??= this.reload();
    return this.firstLoad;
  }

  /**
   * Loads the list again. At most one load runs; requests meanwhile share one more load after it,
   * so whoever asked sees a list read after asking.
   */
  reload(options: { rereadRuntimes?: boolean } = {}): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.load(options.rereadRuntimes === true).finally(() => (this.inFlight = undefined));
      this.firstLoad ??= this.inFlight;
      return this.inFlight;
    }
    this.queued ??= this.inFlight.then(() => {
      this.queued = undefined;
      return this.reload(options);
    });
    return this.queued;
  }

  /** Forgets the network policy of one sandbox, or of all, so the next look reads it again. */
  invalidateNetwork(sandboxId?: string): void {
    if (sandboxId === undefined) {
      this.network.clear();
    } else {
      this.network.delete(sandboxId);
    }
  }

  /** The policy in force (read once, then cached), or why it could not be read. */
  networkState(info: SandboxInfo): Promise<NetworkState | Error> {
    return this.network.get(info.id)?.value ?? this.networkStateOf(this.clients.clientFor(info.id).handle(info));
  }

  /**
   * The same, for a handle a command holds: this cache is the one place sandbox state is kept,
   * and the change service (sandboxChanges.ts) is what makes it forget a changed sandbox's.
   */
  networkStateOf(sandbox: Pick<Sandbox, 'id' | 'networkPolicy'>): Promise<NetworkState | Error> {
    const cached = this.network.get(sandbox.id);
    if (cached) {
      return cached.value;
    }
    const entry: NetworkEntry = { value: sandbox.networkPolicy().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))) };
    this.network.set(sandbox.id, entry);
    void entry.value.then((value) => {
      entry.settled = value;
    });
    return entry.value;
  }

  /** The sandbox's filesystem snapshots; none when they cannot be listed (the failure is logged). */
  async snapshotsOf(sandboxId: string): Promise<readonly SnapshotInfo[]> {
    return (await this.allSnapshots(this.clients.engineOf(sandboxId))).filter((snapshot) => snapshot.sandboxId === sandboxId);
  }

  /** Every snapshot on an engine (default: the default one; one Docker call per load); none when they cannot be listed. */
  allSnapshots(engine: string = DEFAULT_ENGINE): Promise<readonly SnapshotInfo[]> {
    let list = this.snapshotLists.get(engine);
    if (!list) {
      list = this.clients
        .clientOf(engine)
        .listSnapshots()
        .catch((err: unknown) => {
          this.log.failure(`listing the snapshots${engine === DEFAULT_ENGINE ? '' : ` on engine "${engine}"`}`, err);
          return [];
        });
      this.snapshotLists.set(engine, list);
    }
    return list;
  }

  /**
   * The connection to the engine broke (its event stream ended): the sandboxes running now may be
   * ending with a daemon restart. The next load that finds one still running forgets this.
   */
  noteEngineWentAway(): void {
    for (const info of this.state.sandboxes) if (info.state === 'running') this.wentAwayWhileRunning.add(info.containerId);
  }

  /** Why a sandbox that is not running ended, once read (each load reads the new ones before it tells). */
  endingOf(info: Pick<SandboxInfo, 'containerId'>): SandboxEnding | undefined {
    return this.endings.get(info.containerId);
  }

  /** The policy last seen in force: while it runs the current one, after it ended the last one read. */
  lastKnownPolicy(sandboxId: string): NetworkState | undefined {
    return this.knownNetworkState(sandboxId) ?? this.lastPolicies.get(sandboxId);
  }

  /** The policy in force if it has been read already: for tooltips, which must not wait for it. */
  knownNetworkState(sandboxId: string): NetworkState | undefined {
    const settled = this.network.get(sandboxId)?.settled;
    return settled instanceof Error ? undefined : settled;
  }

  private async load(rereadRuntimes: boolean): Promise<void> {
    const runtime = readRuntimeSetting();
    this.snapshotLists.clear();
    // Every other engine is listed alongside the default one; an unreachable one hides none.
    const others = this.clients.multiEngine ? Promise.all(this.clients.engines.slice(1).map((engine) => this.listEngine(engine))) : undefined;
    let listed = false;
    try {
      const client = this.clients.client;
      const [sandboxes, registered, pools] = await Promise.all([
        client.listInfo({ all: true }),
        // Not knowing the runtimes is no reason to hide the sandboxes.
        client.runtimes(rereadRuntimes).then(
          (names) => new Set(names.keys()),
          () => undefined,
        ),
        client.poolStatus().catch(() => []),
      ]);
      this.clients.noteListed(
        DEFAULT_ENGINE,
        sandboxes.map((s) => s.id),
      );
      await this.readEndings(sandboxes);
      this.state = { dockerState: dockerStateOf(registered, runtime), sandboxes, problem: undefined, runtime, poolReady: poolReady(pools) };
      listed = true;
    } catch (err) {
      if (this.isDisposed) {
        return; // the extension is shutting down: nobody is looking
      }
      const message = err instanceof Error ? err.message : String(err);
      if (isUnreachable(err)) {
        if (this.state.dockerState !== 'unreachable') this.log.warn(`Sandboxes view: ${message}`);
        for (const info of this.state.sandboxes) if (info.state === 'running') this.wentAwayWhileRunning.add(info.containerId);
        this.state = { dockerState: 'unreachable', sandboxes: [], problem: message, runtime };
        this.network.clear();
      } else {
        // An API error from a live engine: keep showing what was known, and say what failed.
        this.log.failure('listing the sandboxes', err);
        this.state = { ...this.state, dockerState: this.state.dockerState ?? 'ok', problem: message, runtime };
      }
    }
    if (others) await this.addEngines(await others);
    else if (this.state.engines)
      this.state = { ...this.state, sandboxes: this.state.sandboxes.filter((s) => this.clients.engineOf(s.id) === DEFAULT_ENGINE), engines: undefined };
    if (listed || others) this.forgetEnded(this.state.sandboxes);
    if (!this.isDisposed) {
      this.onDidChangeEmitter.fire();
    }
  }

  /** One further engine's sandboxes and pool, or why it cannot be listed (never thrown: the others still show). */
  private async listEngine(engine: EngineEntry): Promise<EngineListing> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const client = this.clients.clientOf(engine.key);
      const listed = Promise.all([client.listInfo({ all: true }), client.poolStatus().catch(() => [])]);
      // A slow engine must not hold the others' rows: past the bound it shows as not answering,
      // and the next load asks again.
      const bound = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`Docker engine "${engine.name}" (${engine.host}) did not answer within ${ENGINE_LIST_BOUND_MS / 1000} s.`), {
                code: 'DOCKER_UNREACHABLE',
                fix: 'Check that the engine runs and that its endpoint answers (Sandboxes: Check Setup); the view asks again on its next refresh.',
              }),
            ),
          ENGINE_LIST_BOUND_MS,
        );
      });
      const [sandboxes, pools] = await Promise.race([listed, bound]);
      const took = Date.now() - started;
      if (took > 5_000) this.log.info(`Listing the sandboxes on engine "${engine.name}" took ${(took / 1000).toFixed(1)} s.`);
      this.clients.noteListed(
        engine.key,
        sandboxes.map((s) => s.id),
      );
      return { engine, sandboxes, problem: undefined, unreachable: false, poolReady: poolReady(pools) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const unreachable = isUnreachable(err);
      if (!unreachable) this.log.failure(`listing the sandboxes on engine "${engine.name}"`, err);
      const previous = this.state.engines?.find((e) => e.engine.key === engine.key);
      if (unreachable && !previous?.unreachable) this.log.warn(`Sandboxes view: engine "${engine.name}": ${message}`);
      // A live engine's API error keeps what was known; an unreachable one shows none.
      return { engine, sandboxes: unreachable ? [] : (previous?.sandboxes ?? []), problem: message, unreachable, poolReady: undefined };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The state with every engine's part: the default's from this load, the others' listed alongside. */
  private async addEngines(others: readonly EngineListing[]): Promise<void> {
    const defaultEntry = this.clients.engines[0];
    const mine = this.state.sandboxes.filter((s) => (this.clients.engineOf(s.id) ?? DEFAULT_ENGINE) === DEFAULT_ENGINE);
    const unreachable = this.state.dockerState === 'unreachable';
    const pools = unreachable ? [] : await this.clients.client.poolStatus().catch(() => []);
    const first: EngineListing = { engine: defaultEntry, sandboxes: mine, problem: this.state.problem, unreachable, poolReady: poolReady(pools) };
    const rest = others.flatMap((o) => o.sandboxes);
    await this.readEndings(rest);
    this.state = { ...this.state, sandboxes: [...mine, ...rest], engines: [first, ...others] };
  }

  /** Cached policies of sandboxes that are gone or no longer running, and failed reads, are dropped. */
  private forgetEnded(sandboxes: readonly SandboxInfo[]): void {
    const running = new Set(sandboxes.filter((info) => info.state === 'running').map((info) => info.id));
    const present = new Set(sandboxes.map((info) => info.id));
    for (const [id, entry] of this.network) {
      if (!running.has(id) || entry.settled instanceof Error) {
        if (present.has(id) && entry.settled && !(entry.settled instanceof Error)) this.lastPolicies.set(id, entry.settled);
        this.network.delete(id);
      }
    }
    for (const id of this.lastPolicies.keys()) if (!present.has(id)) this.lastPolicies.delete(id);
    const containers = new Set(sandboxes.map((info) => info.containerId));
    for (const id of this.endings.keys()) if (!containers.has(id)) this.endings.delete(id);
  }

  /**
   * Why each newly stopped sandbox ended (an inspect of it and its guard), before the list tells:
   * the tree and the notification of a sandbox that died say why at once.
   */
  private async readEndings(sandboxes: readonly SandboxInfo[]): Promise<void> {
    const unread = sandboxes.filter((info) => (info.state === 'exited' || info.state === 'dead') && !this.endings.has(info.containerId));
    await Promise.all(
      unread.map(async (info) => {
        const engineWentAway = this.wentAwayWhileRunning.has(info.containerId);
        const ending = await this.clients
          .clientFor(info.id)
          .handle(info)
          .ending({ engineWentAway })
          .catch(() => null);
        if (ending) this.endings.set(info.containerId, ending);
      }),
    );
    for (const info of sandboxes) if (info.state === 'running') this.wentAwayWhileRunning.delete(info.containerId);
  }
}

/** Ready pool members over the pools a client keeps; `undefined` when it keeps none. */
function poolReady(pools: readonly { ready: number }[]): number | undefined {
  return pools.length === 0 ? undefined : pools.reduce((sum, p) => sum + p.ready, 0);
}
