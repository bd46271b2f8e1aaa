/**
 * Keeps this window's forwarded ports open. A tunnel is a listener in the extension host, so a
 * window reload (or a new client, after the Docker endpoint or bind address changed) loses it,
 * while the sandbox's guard still records the forward: on activation and on every new client,
 * the tunnels of this window's running sandboxes are opened again, at the local port they had
 * before. The engine closes a sandbox's tunnels once it has ended; this service notices (by
 * looking at the engine's registry, in memory, every 2 s) and tells views through `onDidChange`.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { ForwardOptions, Tunnel } from '../../core/types';
import type { SandboxClientService } from '../client';
import { Disposable, toDisposable } from '../dispose';
import { isSandboxErrorLike, withFix } from '../errors';
import type { ExtensionLog } from '../log';
import { WORKSPACE_TAG } from '../network/workspaceTag';
import type { SandboxChanges } from '../sandboxChanges';
import { currentWorkspaceTag } from '../settings';
import { describeTunnel } from './portFormat';
import type { TunnelChange, TunnelService } from './tunnelService';

/** As often as the engine checks whether a sandbox with tunnels has ended. */
const WATCH_INTERVAL_MS = 2000;

export class SandboxTunnelService extends Disposable implements TunnelService {
  private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<TunnelChange>());
  readonly onDidChange = this.onDidChangeEmitter.event;

  /** What each sandbox's tunnels looked like when last reported, to notice the engine closing them. */
  private readonly reported = new Map<string, string>();
  /** Names for log lines about sandboxes that are gone by then. */
  private readonly names = new Map<string, string>();
  private watcher: NodeJS.Timeout | undefined;
  /** Opening and closing go one at a time: two opens of one port at once would leave a stray listener. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
    private readonly changes: SandboxChanges,
  ) {
    super();
    this._register(
      toDisposable(() => {
        clearInterval(this.watcher);
        clearTimeout(this.restoreTimer);
      }),
    );
    this._register(
      this.clients.onDidChangeClient(() => {
        // The old client closed its tunnels; those of sandboxes outside this workspace that were
        // forwarded from this window are reopened too.
        const before = [...this.reported.keys()];
        this.reported.clear();
        this.onDidChangeEmitter.fire({ sandboxId: undefined });
        this.restoreSoon('the client was recreated', before);
      }),
    );
    this.restoreSoon('extension activated', []);
  }

  list(sandboxId: string): Tunnel[] {
    if (this.isDisposed) return [];
    return [...this.clients.clientFor(sandboxId).tunnelRegistry.get(sandboxId)].sort((a, b) => a.containerPort - b.containerPort);
  }

  open(sandbox: Sandbox): Promise<Tunnel[]> {
    return this.openAs(sandbox, 'opened');
  }

  private openAs(sandbox: Sandbox, how: string): Promise<Tunnel[]> {
    return this.serialize(async () => {
      try {
        return Object.values(await sandbox.tunnels()).sort((a, b) => a.containerPort - b.containerPort);
      } finally {
        this.record(sandbox, how);
      }
    });
  }

  forward(sandbox: Sandbox, port: number, options: ForwardOptions = {}): Promise<Tunnel> {
    return this.serialize(async () => {
      try {
        return await this.changes.forwardPort(sandbox, port, options);
      } finally {
        // Also after a failed wait for the server: the forward stays (see forwardPort.ts).
        this.record(sandbox, 'forwarded');
      }
    });
  }

  stop(sandbox: Sandbox, port: number): Promise<void> {
    return this.serialize(async () => {
      try {
        await this.changes.stopForwarding(sandbox, port);
        this.log.info(`Stopped forwarding port ${port} of sandbox ${sandbox.name} (${sandbox.id}).`);
      } finally {
        this.record(sandbox, 'stopped');
      }
    });
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Off the activation path: activation itself never waits for Docker. */
  private restoreSoon(reason: string, alsoIds: string[]): void {
    clearTimeout(this.restoreTimer);
    this.restoreTimer = setTimeout(() => void this.restore(reason, alsoIds), 0);
  }
  private restoreTimer: NodeJS.Timeout | undefined;

  /**
   * Opens the tunnels of this window's running sandboxes that forward ports. A sandbox that ended
   * meanwhile is skipped; other failures are logged, never shown: nobody asked for this.
   */
  private async restore(reason: string, alsoIds: string[]): Promise<void> {
    if (this.isDisposed) return;
    let sandboxes: Sandbox[];
    try {
      const tag = currentWorkspaceTag();
      // Every engine's (sandboxes.docker.engines); another engine that cannot be listed is skipped.
      const perEngine = await Promise.all(
        this.clients.engines.map(async (engine, i) => {
          const client = this.clients.clientOf(engine.key);
          const infos = await client.listInfo({ all: false }).catch((err: unknown) => {
            if (i === 0) throw err;
            this.log.warn(`Reopening forwarded ports (${reason}): could not list the sandboxes on engine "${engine.name}": ${describe(err)}`);
            return [];
          });
          return infos.filter((info) => info.state === 'running' && (info.tags[WORKSPACE_TAG] === tag || alsoIds.includes(info.id))).map((info) => client.handle(info));
        }),
      );
      sandboxes = perEngine.flat();
    } catch (err) {
      this.log.warn(`Reopening forwarded ports (${reason}): could not list the sandboxes: ${describe(err)}`);
      return;
    }
    if (sandboxes.length === 0) return;
    const results = await Promise.all(
      sandboxes.map((sandbox) =>
        this.openAs(sandbox, 'reopened').then(
          (tunnels) => tunnels.length,
          (err: unknown) => {
            if (isSandboxErrorLike(err) && (err.code === 'NOT_RUNNING' || err.code === 'NOT_FOUND')) return 0;
            this.log.warn(`Reopening the forwarded ports of sandbox ${sandbox.name} (${sandbox.id}) failed: ${describe(err)}`);
            return 0;
          },
        ),
      ),
    );
    const count = results.reduce((sum, n) => sum + n, 0);
    if (count > 0) {
      this.log.info(
        `Reopened ${count} forwarded port${count === 1 ? '' : 's'} of ${results.filter((n) => n > 0).length} sandbox${results.filter((n) => n > 0).length === 1 ? '' : 'es'} (${reason}).`,
      );
    }
  }

  /** Logs what changed for one sandbox and fires `onDidChange` when anything did. */
  private record(sandbox: Sandbox, how: string): void {
    if (this.isDisposed) return;
    this.names.set(sandbox.id, sandbox.name);
    const tunnels = this.list(sandbox.id);
    const before = this.reported.get(sandbox.id) ?? '';
    const now = signature(tunnels);
    if (now === before) return;
    const previous = new Set(before.split('\n'));
    for (const tunnel of tunnels) {
      if (!previous.has(signature([tunnel]))) {
        this.log.info(`Sandbox ${sandbox.name} (${sandbox.id}): port ${how}, ${describeTunnel(tunnel)}.`);
      }
    }
    this.update(sandbox.id, now);
  }

  private update(sandboxId: string, now: string): void {
    if (now === '') this.reported.delete(sandboxId);
    else this.reported.set(sandboxId, now);
    this.onDidChangeEmitter.fire({ sandboxId });
    this.watch();
  }

  /** Notices tunnels the engine closed (their sandbox ended), while there are any. */
  private watch(): void {
    if (this.reported.size === 0) {
      clearInterval(this.watcher);
      this.watcher = undefined;
      return;
    }
    this.watcher ??= setInterval(() => this.check(), WATCH_INTERVAL_MS);
    this.watcher.unref?.();
  }

  private check(): void {
    if (this.isDisposed) return;
    for (const [sandboxId, before] of [...this.reported]) {
      const now = signature(this.list(sandboxId));
      if (now === before) continue;
      if (now === '') {
        this.log.info(`Forwarded ports of sandbox ${this.names.get(sandboxId) ?? sandboxId} (${sandboxId}) closed: the sandbox has ended.`);
      }
      this.update(sandboxId, now);
    }
  }
}

function signature(tunnels: readonly Tunnel[]): string {
  return tunnels.map((t) => `${t.containerPort}/${t.kind}@${t.url}`).join('\n');
}

function describe(err: unknown): string {
  if (isSandboxErrorLike(err)) return withFix(err.message, err.fix);
  return err instanceof Error ? err.message : String(err);
}
