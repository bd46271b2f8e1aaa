/**
 * Polls a sandbox's listening ports and says when they change, at a cost that stays small while
 * nothing happens: one scan per interval (a file read on this machine when it can, see
 * portScan.ts), a longer interval while the caller says nobody is looking (`setIdle`), backing
 * off after failures, and ending by itself once the sandbox has ended. The timer never keeps the
 * process alive.
 */
import type { ListeningPort } from './listeningPorts';
import { newlyListening } from './listeningPorts';

export interface PortWatchOptions {
  /** Between scans while someone is looking; default 1000 ms (detection within about a second). */
  intervalMs?: number;
  /** Between scans while idle (`setIdle(true)`, e.g. the window is not focused); default 5000 ms. */
  idleIntervalMs?: number;
  /** Longest wait after repeated failures; default 30 000 ms. */
  maxBackoffMs?: number;
}

export type PortWatchEvent =
  /** `initial`: the first scan (ports that listened before watching began are all in `added`). */
  | { kind: 'ports'; ports: ListeningPort[]; added: ListeningPort[]; initial: boolean }
  /** A scan failed (reported once per run of failures); scanning goes on, backing off. */
  | { kind: 'error'; error: unknown }
  /** The sandbox has ended: watching stopped. */
  | { kind: 'ended' };

export interface PortWatch {
  /** The ports of the last successful scan. */
  readonly ports: readonly ListeningPort[];
  /** Resolves after the first scan (successful or not). */
  readonly ready: Promise<void>;
  setIdle(idle: boolean): void;
  /** Scans now (e.g. Forward Port… wants a fresh list); resolves with the ports. */
  refresh(): Promise<readonly ListeningPort[]>;
  stop(): void;
}

export const DEFAULT_PORT_WATCH: Required<PortWatchOptions> = { intervalMs: 1000, idleIntervalMs: 5000, maxBackoffMs: 30_000 };

export class PortWatcher implements PortWatch {
  ports: readonly ListeningPort[] = [];
  readonly ready: Promise<void>;
  private readonly options: Required<PortWatchOptions>;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idle = false;
  private failures = 0;
  private scanned = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly scan: () => Promise<ListeningPort[]>,
    /** Whether the sandbox is still running; asked after a failed scan. */
    private readonly isRunning: () => Promise<boolean>,
    private readonly onEvent: (event: PortWatchEvent) => void,
    options: PortWatchOptions = {},
  ) {
    this.options = { ...DEFAULT_PORT_WATCH, ...options };
    this.ready = this.tick();
  }

  setIdle(idle: boolean): void {
    if (this.idle === idle || this.stopped) return;
    this.idle = idle;
    // Leaving idle: scan soon rather than at the end of the long interval.
    if (!idle && this.timer && !this.running) this.schedule(0);
  }

  async refresh(): Promise<readonly ListeningPort[]> {
    if (this.running) await this.running;
    else if (!this.stopped) await this.tick();
    return this.ports;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.scanOnce().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.schedule(this.delay());
    });
    this.running = run;
    return run;
  }

  private async scanOnce(): Promise<void> {
    try {
      const ports = await this.scan();
      if (this.stopped) return;
      this.failures = 0;
      const initial = !this.scanned;
      this.scanned = true;
      const added = initial ? ports : newlyListening(this.ports, ports);
      const changed = initial || added.length > 0 || signature(ports) !== signature(this.ports);
      this.ports = ports;
      if (changed) this.emit({ kind: 'ports', ports, added, initial });
    } catch (error) {
      if (this.stopped) return;
      const running = await this.isRunning().catch(() => true);
      if (!running) {
        this.stop();
        this.emit({ kind: 'ended' });
        return;
      }
      if (this.failures++ === 0) this.emit({ kind: 'error', error });
    }
  }

  private delay(): number {
    const base = this.idle ? this.options.idleIntervalMs : this.options.intervalMs;
    return this.failures === 0 ? base : Math.min(this.options.maxBackoffMs, base * 2 ** Math.min(this.failures, 10));
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private emit(event: PortWatchEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // A listener's failure is the listener's: watching goes on.
    }
  }
}

function signature(ports: readonly ListeningPort[]): string {
  return ports.map((p) => `${p.port}${p.loopbackOnly ? 'l' : ''}`).join(',');
}
