/**
 * The images on this machine a sandbox can start from, as pickers and messages show them: one
 * row per tag with its size. Pure (no Docker, no vscode): the engine builds the list from Docker's
 * image summaries, the adapter and the Create form show it, the offline-pull error names it.
 */

/** One local image by one of its tags. */
export interface LocalImage {
  /** `repository:tag`, as a spec's `image` takes it. */
  ref: string;
  /** Bytes on disk, as Docker reports the image's size. */
  sizeBytes: number;
  /** Seconds since the epoch. */
  created: number;
}

/** The fields of Docker's image summary (`GET /images/json`) this needs. */
export interface ImageSummaryLike {
  RepoTags?: string[] | null;
  Size?: number;
  Created?: number;
  Labels?: Record<string, string> | null;
}

/** What is not offered: snapshots (listed on their own), the engine's own guard images, dangling layers. */
export interface LocalImageFilter {
  /** Labels that mark an image as not for sandboxes (`sandboxes.snapshot=true`, `sandboxes.role=guard-image`). */
  hiddenLabels: Record<string, string>;
  /** Image references that are the engine's own (the configured guard image, whatever its labels). */
  internal: readonly string[];
}

/** Docker's summaries → the images a sandbox can start from, sorted by reference. */
export function localImagesFrom(summaries: readonly ImageSummaryLike[], filter: LocalImageFilter): LocalImage[] {
  const images: LocalImage[] = [];
  for (const summary of summaries) {
    if (Object.entries(filter.hiddenLabels).some(([key, value]) => summary.Labels?.[key] === value)) continue;
    for (const ref of summary.RepoTags ?? []) {
      if (ref === '<none>:<none>' || ref.endsWith(':<none>') || filter.internal.includes(ref)) continue;
      images.push({ ref, sizeBytes: summary.Size ?? 0, created: summary.Created ?? 0 });
    }
  }
  return images.sort((a, b) => a.ref.localeCompare(b.ref));
}

/** "170 MB", "4.26 MB", "1.2 GB": decimal units with three significant digits, as `docker images` counts. */
export function formatImageSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(3)))} ${units[unit]}`;
}

/** "sandboxes-test/base:bookworm-2, 170 MB; busybox:latest, 4.26 MB and 3 more": for messages. */
export function describeLocalImages(images: readonly LocalImage[], max = 3): string {
  const shown = images.slice(0, max).map((image) => `${image.ref}, ${formatImageSize(image.sizeBytes)}`);
  const more = images.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** A picker row: the reference, its size, and whether it is the one set now. */
export interface ImageChoice {
  ref: string;
  size: string;
  current: boolean;
}

/** The rows of an image picker: the current image first (also when it is not local), then the rest by name. */
export function imageChoices(images: readonly LocalImage[], current: string): ImageChoice[] {
  const rows = images.map((image) => ({ ref: image.ref, size: formatImageSize(image.sizeBytes), current: image.ref === current }));
  const currentRow = rows.find((row) => row.current);
  const rest = rows.filter((row) => !row.current);
  if (currentRow) return [currentRow, ...rest];
  return current.trim() ? [{ ref: current.trim(), size: 'not on this machine', current: true }, ...rest] : rest;
}
