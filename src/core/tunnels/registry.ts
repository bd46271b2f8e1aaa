import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger, Tunnel, TunnelKind } from '../types';
import { SandboxError } from '../errors';
import type * as Ca from './ca';
import { TUNNEL_KINDS } from '../../shared/tunnelKinds';
import type { TlsMaterial } from './ca';
import { TunnelListener, type TunnelTarget } from './listener';
import { VIEW_HOST, openViewListener, type ViewListener } from './viewListener';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'gvisor-sandboxes');
}

interface Open {
  listener: TunnelListener;
  tunnel: Tunnel;
  target: () => Promise<TunnelTarget>;
  /** A plain loopback listener for viewing a TLS forward through an HTTP proxy (viewListener.ts). */
  view?: Promise<ViewListener>;
}

/**
 * The tunnels this process serves, per sandbox. Listeners live in the process that opened them
 * (the editor's extension host, or a script); their configuration lives with the sandbox, so
 * another process (a reloaded window) opens them again. A tunnel closes when its sandbox ends.
 */
export class TunnelRegistry {
  private readonly open = new Map<string, Map<number, Open>>();
  private material: Promise<TlsMaterial> | undefined;
  private watcher: NodeJS.Timeout | undefined;

  constructor(
    readonly stateDir: string,
    private readonly bindHost: string,
    private readonly isRunning: (sandboxId: string) => Promise<boolean>,
    private readonly logger?: Logger,
  ) {}

  tls(): Promise<TlsMaterial> {
    // The X.509 code (with reflect-metadata and tsyringe) loads with the first TLS tunnel, not with the engine.
    this.material ??= Promise.resolve()
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      .then(() => (require('./ca') as typeof Ca).loadOrCreateTlsMaterial(this.stateDir, new Date(), this.logger))
      .catch((error: unknown) => {
        this.material = undefined;
        throw error;
      });
    return this.material;
  }

  get(sandboxId: string): Tunnel[] {
    return [...(this.open.get(sandboxId)?.values() ?? [])].map((o) => o.tunnel);
  }

  private readonly pending = new Map<string, Promise<Tunnel>>();

  /** Opens (or returns the open) tunnel for one port. Calls for the same port run one at a time. */
  ensure(sandboxId: string, containerPort: number, kind: TunnelKind, target: () => Promise<TunnelTarget>, localPort?: number): Promise<Tunnel> {
    const key = `${sandboxId}:${containerPort}`;
    const previous = this.pending.get(key) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.open1(sandboxId, containerPort, kind, target, localPort));
    this.pending.set(key, next);
    const forget = () => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    };
    next.then(forget, forget);
    return next;
  }

  private async open1(sandboxId: string, containerPort: number, kind: TunnelKind, target: () => Promise<TunnelTarget>, localPort?: number): Promise<Tunnel> {
    const existing = this.open.get(sandboxId)?.get(containerPort);
    if (existing && existing.tunnel.kind === kind && (localPort === undefined || localPort === existing.tunnel.port)) return existing.tunnel;
    if (existing) await this.close(sandboxId, containerPort);
    const listener = new TunnelListener(kind, target, TUNNEL_KINDS[kind].tls ? await this.tls() : undefined);
    const remembered = this.remembered(sandboxId, containerPort);
    let port: number;
    if (localPort !== undefined) {
      port = await listener.listen(this.bindHost, localPort);
    } else {
      // The port this forward had before (e.g. before a window reload), so URLs keep working.
      port = await listener.listen(this.bindHost, remembered ?? 0).catch(() => listener.listen(this.bindHost, 0));
    }
    const host = this.bindHost;
    const shown = host.includes(':') ? `[${host}]` : host;
    const tunnel: Tunnel = {
      containerPort,
      kind,
      host,
      port,
      url: `${TUNNEL_KINDS[kind].scheme}://${shown}:${port}`,
      ...(!TUNNEL_KINDS[kind].tls ? { unencryptedHost: host, unencryptedPort: port } : {}),
    };
    if (!this.open.has(sandboxId)) this.open.set(sandboxId, new Map());
    this.open.get(sandboxId)!.set(containerPort, { listener, tunnel, target });
    this.remember(sandboxId, containerPort, port);
    this.logger?.debug(`Forwarding ${tunnel.url} → sandbox ${sandboxId} port ${containerPort} (${kind})`);
    this.startWatching();
    return tunnel;
  }

  /**
   * A plain `http://127.0.0.1:<port>` URL that serves what the open forward of `containerPort`
   * serves, for a proxy that speaks plain HTTP to local ports (code-server's): the forward's own
   * URL for HTTP/TCP, else a viewing listener opened on first use and closed with the forward.
   */
  async viewUrl(sandboxId: string, containerPort: number): Promise<string> {
    const open = this.open.get(sandboxId)?.get(containerPort);
    if (!open) {
      throw new SandboxError('TUNNEL_FAILED', `Port ${containerPort} of sandbox ${sandboxId} is not forwarded in this window.`, 'Forward it first with "Forward Port…".');
    }
    if (!TUNNEL_KINDS[open.tunnel.kind].tls) return open.tunnel.url;
    open.view ??= openViewListener(open.tunnel.kind, open.target).catch((error: unknown) => {
      open.view = undefined;
      throw error;
    });
    const view = await open.view;
    this.logger?.debug(`Viewing ${open.tunnel.url} as http://${VIEW_HOST}:${view.port} (plain HTTP on loopback, for an HTTP proxy)`);
    return `http://${VIEW_HOST}:${view.port}`;
  }

  async close(sandboxId: string, containerPort?: number): Promise<void> {
    const ports = this.open.get(sandboxId);
    if (!ports) return;
    for (const [port, { listener, view }] of [...ports]) {
      if (containerPort !== undefined && port !== containerPort) continue;
      await listener.close();
      await view?.then(
        (v) => v.close(),
        () => undefined,
      );
      ports.delete(port);
    }
    if (ports.size === 0) this.open.delete(sandboxId);
    if (this.open.size === 0) this.stopWatching();
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.open.keys()]) await this.close(id);
  }

  /** Tunnels close when their sandbox ends, even if it ended outside this process. */
  private startWatching(): void {
    if (this.watcher) return;
    this.watcher = setInterval(() => void this.sweep(), 2000);
    this.watcher.unref();
  }

  private stopWatching(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
  }

  private async sweep(): Promise<void> {
    for (const id of [...this.open.keys()]) {
      const running = await this.isRunning(id).catch(() => true);
      if (!running) {
        this.logger?.info(`Sandbox ${id} ended: closing its tunnels`);
        await this.close(id);
      }
    }
  }

  private portsFile(): string {
    return path.join(this.stateDir, 'tunnel-ports.json');
  }

  private remembered(sandboxId: string, containerPort: number): number | undefined {
    try {
      const all = JSON.parse(fs.readFileSync(this.portsFile(), 'utf8')) as Record<string, number>;
      return all[`${sandboxId}:${containerPort}`];
    } catch {
      return undefined;
    }
  }

  private remember(sandboxId: string, containerPort: number, localPort: number): void {
    try {
      fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
      let all: Record<string, number> = {};
      try {
        all = JSON.parse(fs.readFileSync(this.portsFile(), 'utf8'));
      } catch {
        // first tunnel
      }
      all[`${sandboxId}:${containerPort}`] = localPort;
      const entries = Object.entries(all).slice(-200); // bounded: old sandboxes fall off
      fs.writeFileSync(this.portsFile(), JSON.stringify(Object.fromEntries(entries)));
    } catch (error) {
      this.logger?.debug(`Could not remember tunnel ports: ${String(error)}`);
    }
  }
}
