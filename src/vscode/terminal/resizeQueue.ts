/**
 * Terminal sizes on their way to the exec's PTY, one request at a time, latest wins: dragging
 * the panel edge fires dozens of sizes a second, each a Docker API call, and only the last
 * one matters. Pure, so it is unit-tested.
 */
export interface TerminalSize {
  cols: number;
  rows: number;
}

export class ResizeQueue {
  private next: TerminalSize | undefined;
  private applied: TerminalSize | undefined;
  private draining: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly apply: (size: TerminalSize) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    /** The size the PTY was created with, so an identical first report costs nothing. */
    initial?: TerminalSize,
  ) {
    this.applied = initial;
  }

  push(size: TerminalSize): void {
    this.next = size;
    if (!this.busy) {
      this.busy = true;
      this.draining = this.drain();
    }
  }

  /** Resolves once every pushed size has been applied (or has failed). */
  idle(): Promise<void> {
    return this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.next) {
        const size = this.next;
        this.next = undefined;
        if (this.applied?.cols === size.cols && this.applied.rows === size.rows) {
          continue;
        }
        try {
          await this.apply(size);
          this.applied = size;
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
