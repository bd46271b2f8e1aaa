/**
 * A restored panel always renders (issue #14, bug 4). A webview whose script never says `ready`
 * stays an empty frame for ever: the extension pushes nothing before `ready`, and nobody loads
 * the page again. That happens when the page's script is lost on the way — after Developer:
 * Reload Window the browser-hosted workbench serves webview resources through a service worker
 * that is still starting, and a load can fail (reproduced by dropping the script's first load:
 * test/vscode/ui/formReloadLostScript.mjs). So while the panel is visible and its script has not
 * said `ready` for a while, the page is set again, a bounded number of times, each logged.
 *
 * Hidden panels are not loaded (no retainContextWhenHidden): the wait counts only while visible,
 * and a panel hidden and shown again must say `ready` again. Pure (no `vscode` at run time).
 */
import type { IDisposable } from '../dispose';

/** The first wait; each new load waits twice as long (a busy machine is slow, not broken). */
export const READY_TIMEOUT_MS = 4000;
export const MAX_RENDERS = 3;

/** The part of a `vscode.WebviewPanel` watched here. */
export interface WatchedPanel {
  readonly visible: boolean;
  onDidChangeViewState(listener: () => void): IDisposable;
}

export class ReadyWatchdog implements IDisposable {
  private readySeen = false;
  private renders = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscription: IDisposable;
  private disposed = false;

  constructor(
    private readonly panel: WatchedPanel,
    /** Sets the page again (new html). */
    private readonly render: () => void,
    /** Told each time the page is set again, and when it gives up. */
    private readonly report: (message: string) => void,
    private readonly timeoutMs = READY_TIMEOUT_MS,
    private readonly maxRenders = MAX_RENDERS,
  ) {
    this.subscription = panel.onDidChangeViewState(() => this.viewStateChanged());
  }

  /** The page was (re)set: its script has to say `ready` again. */
  rendered(): void {
    this.readySeen = false;
    this.arm();
  }

  /** The script said `ready`. */
  ready(): void {
    this.readySeen = true;
    this.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
    this.subscription.dispose();
  }

  private viewStateChanged(): void {
    if (this.panel.visible) {
      this.arm();
    } else {
      // Hidden: VS Code drops the page; it loads again, and says `ready` again, when shown.
      this.readySeen = false;
      this.clear();
    }
  }

  private arm(): void {
    this.clear();
    if (this.disposed || this.readySeen || !this.panel.visible) return;
    this.timer = setTimeout(() => this.stalled(), this.timeoutMs * 2 ** this.renders);
  }

  private stalled(): void {
    this.timer = undefined;
    if (this.disposed || this.readySeen || !this.panel.visible) return;
    if (this.renders >= this.maxRenders) {
      this.report(`its script did not start after ${this.renders + 1} loads; close and reopen the panel`);
      return;
    }
    this.report(`its script did not say ready within ${(this.timeoutMs * 2 ** this.renders) / 1000} s; loading the page again (${this.renders + 1} of ${this.maxRenders})`);
    this.renders++;
    this.render();
    this.rendered();
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
