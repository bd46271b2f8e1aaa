/**
 * Decides when the sandbox list is loaded again (the vscode-containers RefreshManager pattern):
 *
 * - while the Sandboxes view is visible: on Docker's events for the containers the engine manages,
 *   debounced, so a sandbox started or removed anywhere shows within a second; uptimes are redrawn
 *   once a minute;
 * - when asked: the Refresh button, or a command that changed a sandbox where Docker reports no
 *   event (its network policy, its ports);
 * - when the window regains focus or the Docker endpoint changes: what the status bar shows may
 *   have changed meanwhile.
 *
 * While the view is hidden nothing listens and nothing polls, unless something else that shows
 * sandboxes live (a Sandbox Details panel) holds the events on with `hold()`.
 */
import * as vscode from 'vscode';
import type { SandboxClientService } from '../client';
import { Disposable, toDisposable } from '../dispose';
import type { ExtensionLog } from '../log';
import { Debouncer } from './debouncer';
import { SandboxEventStream, isSandboxContainerEvent, type SandboxEvent } from './dockerEvents';
import { REFRESH_DEBOUNCE_MS, REFRESH_MAX_WAIT_MS, UPTIME_REDRAW_MS } from './refreshTiming';
import type { SandboxList } from './sandboxList';

export class RefreshManager extends Disposable {
  private readonly debouncer = this._register(new Debouncer(() => void this.list.reload(), REFRESH_DEBOUNCE_MS, REFRESH_MAX_WAIT_MS));
  private readonly events: SandboxEventStream;
  /** The same for each further engine (`sandboxes.docker.engines`), by key; rebuilt when the engines change. */
  private readonly engineEvents = new Map<string, SandboxEventStream>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private visible = false;
  private holds = 0;
  private listening = false;

  private readonly onDidTickEmitter = this._register(new vscode.EventEmitter<void>());
  /** Time to redraw what depends on the clock (uptimes); nothing needs loading for it. */
  readonly onDidTick = this.onDidTickEmitter.event;

  constructor(
    private readonly list: SandboxList,
    clients: SandboxClientService,
    log: ExtensionLog,
  ) {
    super();
    this.events = this._register(
      new SandboxEventStream({
        source: () => clients.client.docker,
        onEvent: (event) => this.onEvent(event),
        onConnected: () => this.request({ network: 'all' }),
        onDisconnected: () => {
          // A daemon restart ends every sandbox: what was running now may be stopped after it.
          this.list.noteEngineWentAway();
          this.request({ network: 'all' });
        },
        log,
      }),
    );
    this._register(toDisposable(() => clearInterval(this.ticker)));
    this._register(toDisposable(() => this.dropEngineStreams()));
    this.makeEngineStreams(clients, log);
    this._register(
      clients.onDidChangeClient(() => {
        this.events.restart();
        this.dropEngineStreams();
        this.makeEngineStreams(clients, log);
        if (this.listening) for (const stream of this.engineEvents.values()) stream.start();
        this.request({ network: 'all' });
      }),
    );
    this._register(
      vscode.window.onDidChangeWindowState((state) => {
        // Policies changed in another window report no event: read them again too.
        if (state.focused) this.request({ network: 'all' });
      }),
    );
  }

  /** Listens to Docker only while the view is visible (or held), and catches up on becoming visible. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    this.update();
  }

  /** Keeps Docker's events flowing (and the list current) until the returned disposable is disposed. */
  hold(): vscode.Disposable {
    this.holds++;
    this.update();
    let released = false;
    return new vscode.Disposable(() => {
      if (released) return;
      released = true;
      this.holds--;
      this.update();
    });
  }

  private update(): void {
    const listen = this.visible || this.holds > 0;
    if (listen === this.listening) return;
    this.listening = listen;
    if (listen) {
      this.events.start();
      for (const stream of this.engineEvents.values()) stream.start();
      this.ticker = setInterval(() => this.onDidTickEmitter.fire(), UPTIME_REDRAW_MS);
      this.request({ network: 'all' });
    } else {
      this.events.stop();
      for (const stream of this.engineEvents.values()) stream.stop();
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /**
   * Reloads soon (debounced). `network`: whose cached network policy is stale too, a sandbox id
   * or `'all'`.
   */
  request(options: { network?: string | 'all' } = {}): void {
    this.invalidate(options.network);
    this.debouncer.schedule();
  }

  /** Reloads now and resolves once the new list is in: for Refresh, and for tests. */
  refreshNow(options: { network?: string | 'all'; rereadRuntimes?: boolean } = {}): Promise<void> {
    this.invalidate(options.network);
    this.debouncer.cancel();
    return this.list.reload({ rereadRuntimes: options.rereadRuntimes });
  }

  /** One event stream per further engine: a sandbox started or removed there shows as fast as here. */
  private makeEngineStreams(clients: SandboxClientService, log: ExtensionLog): void {
    for (const engine of clients.engines.slice(1)) {
      this.engineEvents.set(
        engine.key,
        new SandboxEventStream({
          source: () => clients.clientOf(engine.key).docker,
          onEvent: (event) => this.onEvent(event),
          onConnected: () => this.request({ network: 'all' }),
          onDisconnected: () => this.request({ network: 'all' }),
          log,
        }),
      );
    }
  }

  private dropEngineStreams(): void {
    for (const stream of this.engineEvents.values()) stream.dispose();
    this.engineEvents.clear();
  }

  private onEvent(event: SandboxEvent): void {
    if (!isSandboxContainerEvent(event)) return;
    // A sandbox that started or ended has another network state, if any.
    this.request({ network: event.sandboxId });
  }

  private invalidate(network: string | undefined): void {
    if (network === 'all') {
      this.list.invalidateNetwork();
    } else if (network !== undefined) {
      this.list.invalidateNetwork(network);
    }
  }
}
