/** How sizes and copy progress are shown in notifications and pickers. Pure, so it is unit-tested. */
import type { CopyProgress } from '../../core/types';

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** "0 B", "512 B", "1.5 KB", "12 MB", "3.4 GB" (powers of 1024; one decimal below 10). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${Math.max(0, Math.round(bytes))} B`;
  }
  let value = bytes;
  let unit: string = 'B';
  for (const next of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** "12 of 340 files, 1.2 of 8.0 MB" (the byte totals share the larger one's unit). */
export function formatCopyProgress(p: CopyProgress): string {
  const files = `${p.files} of ${p.totalFiles} file${p.totalFiles === 1 ? '' : 's'}`;
  return `${files}, ${formatBytePair(p.bytes, p.totalBytes)}`;
}

/** Done so far, 0–100, by bytes (by files when there are no bytes to copy). */
export function copyPercent(p: CopyProgress): number {
  const fraction = p.totalBytes > 0 ? p.bytes / p.totalBytes : p.totalFiles > 0 ? p.files / p.totalFiles : 1;
  return Math.min(100, Math.max(0, fraction * 100));
}

/**
 * VS Code's progress takes increments, the engine reports totals: this turns one into the other
 * and never goes backwards.
 */
export function progressIncrements(): (p: CopyProgress) => number {
  let reported = 0;
  return (p) => {
    const percent = copyPercent(p);
    const increment = Math.max(0, percent - reported);
    reported = Math.max(reported, percent);
    return increment;
  };
}

function formatBytePair(done: number, total: number): string {
  const totalText = formatBytes(total);
  const unit = totalText.split(' ')[1] ?? 'B';
  if (unit === 'B') {
    return `${Math.round(done)} of ${totalText}`;
  }
  const scale = 1024 ** (UNITS.indexOf(unit as (typeof UNITS)[number]) + 1);
  const value = done / scale;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} of ${totalText}`;
}
