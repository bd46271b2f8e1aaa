/**
 * Runs an action once a burst of requests has settled, yet never later than `maxWaitMs` after the
 * first request of the burst: one sandbox starting is half a dozen Docker events within a few
 * hundred milliseconds (guard created, started, sandbox created, started), and a steady stream of
 * events must not postpone the refresh forever. Pure (plain timers), so it is unit-tested with
 * fake timers.
 */
export class Debouncer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the first request of the pending burst came. */
  private burstStart: number | undefined;

  constructor(
    private readonly action: () => void,
    private readonly delayMs: number,
    private readonly maxWaitMs: number,
  ) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  schedule(): void {
    const now = Date.now();
    this.burstStart ??= now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.delayMs, this.burstStart + this.maxWaitMs - now));
    this.timer = setTimeout(() => this.fire(), wait);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.burstStart = undefined;
  }

  dispose(): void {
    this.cancel();
  }

  private fire(): void {
    this.cancel();
    this.action();
  }
}
