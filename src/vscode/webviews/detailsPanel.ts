/**
 * Sandbox Details (one panel per sandbox): its state, live from Docker's events through the
 * Sandboxes view's shared list; its network policy and forwarded ports, with buttons that run the
 * extension's own commands; a log tail; and CPU and memory from Docker's stats stream. Streams and
 * polling run only while the panel is visible.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { NetworkState, SandboxInfo } from '../../core/types';
import { CommandIds } from '../commands/commandIds';
import type { PanelContext } from './panelContext';
import { Disposable, toDisposable } from '../dispose';
import { isSandboxErrorLike } from '../errors';
import { isGvisorSandbox } from '../../shared/runtimes';
import { forwardedPorts } from '../tree/treeNodes';
import { PanelChannel } from './panelChannel';
import { ReadyWatchdog } from './readyWatchdog';
import { DETAILS_PARAMS, type DetailsAction, type DetailsMethods, type DetailsPush, type SandboxView, type StatsPoint } from '../../shared/webviewProtocol';
import { preparePanel, renderWebviewHtml } from './webviewHtml';

/** About two minutes of one-second samples: what the chart shows. */
export const STATS_HISTORY = 120;
export const LOG_TAIL_LINES = 200;
const LOG_REFRESH_MS = 3000;

export interface DetailsDeps extends PanelContext {
  extensionUri: vscode.Uri;
}

const ACTION_COMMANDS: Record<DetailsAction, string> = {
  toggleNetwork: CommandIds.toggleNetwork,
  openTerminal: CommandIds.openTerminal,
  forwardPort: CommandIds.forwardPort,
  openInBrowser: CommandIds.openInBrowser,
  copyTunnelUrl: CommandIds.copyTunnelUrl,
  terminate: CommandIds.terminateSandbox,
};

export class DetailsPanel extends Disposable {
  readonly channel: PanelChannel<DetailsMethods, DetailsPush>;
  /** Sets the page again when its script never says `ready` (a restored panel always renders). */
  private readonly watchdog: ReadyWatchdog;
  private info: SandboxInfo | undefined;
  private network: NetworkState | Error | undefined;
  private stats: StatsPoint[] = [];
  private statsError: string | undefined;
  private logs = '';
  private logsError: string | undefined;
  private statsAbort: AbortController | undefined;
  private logTimer: ReturnType<typeof setInterval> | undefined;
  private gone = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly sandboxId: string,
    private readonly deps: DetailsDeps,
  ) {
    super();
    preparePanel(panel, deps.extensionUri);
    this.watchdog = this._register(
      new ReadyWatchdog(
        panel,
        () => this.render(),
        (message) => deps.log.warn(`Sandbox Details (${sandboxId}): ${message}`),
      ),
    );
    this.channel = this._register(
      new PanelChannel<DetailsMethods, DetailsPush>(panel.webview, {
        name: `Sandbox Details (${sandboxId})`,
        log: deps.log,
        paramsOk: DETAILS_PARAMS,
        handlers: {
          run: async ({ action, port }) => {
            await this.run(action, port);
            return null;
          },
          refreshLogs: async () => {
            await this.readLogs();
            return null;
          },
        },
        onReady: () => this.onReady(),
      }),
    );
    this.render();

    const list = deps.sandboxesView.list;
    this._register(deps.sandboxesView.watch());
    this._register(list.onDidChange(() => void this.update()));
    this._register(deps.tunnels.onDidChange((change) => (change.sandboxId === undefined || change.sandboxId === sandboxId) && void this.update()));
    this._register(panel.onDidChangeViewState(() => this.setActive(panel.visible)));
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(toDisposable(() => this.setActive(false)));
    void list.whenLoaded().then(() => this.update());
    this.setActive(panel.visible);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** What the panel shows, for tests. */
  snapshot(): { sandbox: SandboxView | undefined; stats: StatsPoint[]; logs: string; gone: boolean } {
    return { sandbox: this.view(), stats: [...this.stats], logs: this.logs, gone: this.gone };
  }

  private render(): void {
    this.panel.webview.html = renderWebviewHtml(this.panel.webview, this.deps.extensionUri, { script: 'details', styles: ['details.css'], title: 'Sandbox Details' });
    this.watchdog.rendered();
  }

  private onReady(): void {
    this.watchdog.ready();
    this.channel.push({ type: 'init', sandboxId: this.sandboxId });
    const view = this.view();
    if (view) this.channel.push({ type: 'sandbox', sandbox: view });
    if (this.gone) this.pushGone();
    this.channel.push({ type: 'stats', points: this.stats, replace: true, error: this.statsError });
    this.channel.push({ type: 'logs', text: this.logs, error: this.logsError });
  }

  /** Reads the sandbox from the shared list (current from Docker's events) and its policy. */
  private async update(): Promise<void> {
    if (this.isDisposed) return;
    const list = this.deps.sandboxesView.list;
    const info = list.current.sandboxes.find((candidate) => candidate.id === this.sandboxId);
    if (!info) {
      // Not listed (yet): a sandbox created a moment ago is listed after the next load.
      if (this.info || list.current.dockerState === 'ok') await this.checkGone();
      return;
    }
    const wasRunning = this.info?.state === 'running';
    this.info = info;
    this.panel.title = `Sandbox: ${info.name}`;
    this.network = info.state === 'running' ? await list.networkState(info) : undefined;
    // With host names, the egress gateway's latest refusals (one Docker call; none without a gateway).
    this.refused =
      this.network && !(this.network instanceof Error) && (this.network.domainAllowlist ?? []).length > 0 ? await this.readRefused(info.id, info.containerId, info.name) : [];
    if (this.isDisposed) return;
    const view = this.view();
    if (view) this.channel.push({ type: 'sandbox', sandbox: view });
    if (wasRunning !== (info.state === 'running')) this.setActive(this.panel.visible);
  }

  private refused: string[] = [];

  private async readRefused(id: string, containerId: string, name: string): Promise<string[]> {
    try {
      const events = await this.deps.clients.clientFor(id).handle({ id, containerId, name }).recentNetworkEvents(20);
      return events.map((e) => `${e.time.slice(11, 19)} ${e.protocol} ${e.name ?? e.address ?? ''}${e.port ? `:${e.port}` : ''} — ${e.reason}`);
    } catch {
      return [];
    }
  }

  private async checkGone(): Promise<void> {
    try {
      await this.deps.clients.fromId(this.sandboxId);
    } catch (err) {
      // Docker unreachable says nothing about the sandbox: the list reports that itself.
      if (!isSandboxErrorLike(err) || err.code !== 'NOT_FOUND') return;
      this.gone = true;
      this.setActive(false);
      this.pushGone();
    }
  }

  private pushGone(): void {
    this.channel.push({ type: 'gone', sandboxId: this.sandboxId, name: this.info?.name ?? this.sandboxId });
  }

  private view(): SandboxView | undefined {
    const info = this.info;
    if (!info) return undefined;
    const network = this.network;
    return {
      id: info.id,
      name: info.name,
      image: info.image,
      runtime: info.runtime,
      gvisor: isGvisorSandbox(info),
      state: info.state,
      exitCode: info.exitCode,
      createdAt: info.createdAt.getTime(),
      expiresAt: info.expiresAt?.getTime() ?? null,
      network:
        network === undefined
          ? null
          : network instanceof Error
            ? { error: network.message }
            : {
                mode: network.mode,
                cidrAllowlist: network.cidrAllowlist,
                domainAllowlist: network.domainAllowlist ?? [],
                refused: this.refused,
                followsDefaults: network.followsDefaults,
                enforced: network.enforced,
              },
      tunnels: network === undefined ? [] : forwardedPorts(network, this.deps.tunnels.list(info.id)).map(({ containerPort, kind, url }) => ({ containerPort, kind, url })),
    };
  }

  /** Streams stats and polls the log while the panel is visible and the sandbox runs. */
  private setActive(visible: boolean): void {
    const active = visible && !this.gone && !this.isDisposed && this.info?.state === 'running';
    if (active && !this.statsAbort) {
      this.statsAbort = new AbortController();
      void this.streamStats(this.statsAbort.signal);
    } else if (!active && this.statsAbort) {
      this.statsAbort.abort();
      this.statsAbort = undefined;
    }
    if (visible && !this.gone && !this.isDisposed && this.info && !this.logTimer) {
      void this.readLogs();
      this.logTimer = setInterval(() => void this.readLogs(), LOG_REFRESH_MS);
    } else if ((!visible || this.gone || this.isDisposed) && this.logTimer) {
      clearInterval(this.logTimer);
      this.logTimer = undefined;
    }
  }

  private sandbox(): Sandbox | undefined {
    const info = this.info;
    return info ? this.deps.clients.clientFor(info.id).handle(info) : undefined;
  }

  private async streamStats(signal: AbortSignal): Promise<void> {
    const sandbox = this.sandbox();
    if (!sandbox) return;
    try {
      for await (const sample of sandbox.stats({ signal })) {
        const point: StatsPoint = { at: sample.at.getTime(), cpuPercent: sample.cpuPercent, memoryBytes: sample.memoryBytes, memoryLimitBytes: sample.memoryLimitBytes };
        this.stats = [...this.stats.slice(-(STATS_HISTORY - 1)), point];
        this.statsError = undefined;
        this.channel.push({ type: 'stats', points: [point], replace: false });
      }
    } catch (err) {
      if (signal.aborted) return;
      this.statsError = err instanceof Error ? err.message : String(err);
      this.deps.log.warn(`Sandbox Details: stats of ${sandbox.name}: ${this.statsError}`);
      this.channel.push({ type: 'stats', points: [], replace: false, error: this.statsError });
    } finally {
      // The stream ended by itself (the sandbox stopped): let the next state change start another.
      if (this.statsAbort?.signal === signal) this.statsAbort = undefined;
    }
  }

  private async readLogs(): Promise<void> {
    const sandbox = this.sandbox();
    if (!sandbox) return;
    let text = this.logs;
    let error: string | undefined;
    try {
      text = await sandbox.logs({ tail: LOG_TAIL_LINES });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (this.isDisposed || (text === this.logs && error === this.logsError)) return;
    this.logs = text;
    this.logsError = error;
    this.channel.push({ type: 'logs', text, error });
  }

  /**
   * The buttons run the commands of the same name, which ask, report and log as usual, and tell
   * the shared list (and so this panel) what they changed.
   */
  private async run(action: DetailsAction, port: number | undefined): Promise<void> {
    const args: unknown[] = [this.sandboxId];
    if (action === 'openInBrowser' || action === 'copyTunnelUrl') args.push(port);
    if (action === 'terminate') args.push({ confirm: true });
    await vscode.commands.executeCommand(ACTION_COMMANDS[action], ...args);
  }
}
