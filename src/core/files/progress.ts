import type { CopyProgress } from '../types';

/**
 * Counts a copy's progress against totals known up front, and reports at most every
 * `intervalMs` (a 5,000-file copy would otherwise call back 5,000 times) plus always once at
 * the end, so a progress bar reaches 100%.
 */
export class ProgressTracker {
  private files = 0;
  private bytes = 0;
  private lastReport = 0;

  constructor(
    private readonly totalFiles: number,
    private readonly totalBytes: number,
    private readonly onProgress: ((p: CopyProgress) => void) | undefined,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  addBytes(count: number): void {
    this.bytes += count;
    this.maybeReport();
  }

  fileDone(): void {
    this.files++;
    this.maybeReport();
  }

  snapshot(): CopyProgress {
    // Files can grow while being copied: never report more than 100%.
    return {
      files: this.files,
      totalFiles: Math.max(this.totalFiles, this.files),
      bytes: this.bytes,
      totalBytes: Math.max(this.totalBytes, this.bytes),
    };
  }

  /** The final report; call once when the copy has completed. */
  finish(): void {
    this.onProgress?.(this.snapshot());
  }

  private maybeReport(): void {
    if (!this.onProgress) return;
    const now = this.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    this.onProgress(this.snapshot());
  }
}
