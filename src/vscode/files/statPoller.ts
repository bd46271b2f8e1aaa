/**
 * Notices changes that programs inside a sandbox make to files open in the editor. Docker has no
 * file events, so the watched files (the open sandbox documents) are stat'ed every few seconds
 * (one exec each, in parallel) and compared with what was seen before. Pure apart from the injected `stat`: the
 * timer lives in the provider, so the comparison is unit-tested.
 */

/** What is compared between two looks: a write changes one of them (mtime may be 1 s coarse). */
export interface StatSignature {
  mtimeMs: number;
  size: number;
}

export type PolledChange = { key: string; type: 'changed' | 'created' | 'deleted' };

/** `undefined`: the path does not exist; a throw: it could not be looked at (kept as it was). */
export type StatProbe = (key: string) => Promise<StatSignature | undefined>;

/** Beyond this many watched files, the oldest watches are not polled: each poll is an exec. */
export const MAX_POLLED = 20;

export class StatPoller {
  /** Watch key → reference count; insertion order is watch order. */
  private readonly watched = new Map<string, number>();
  private readonly seen = new Map<string, StatSignature | null>();
  private polling = false;

  constructor(private readonly stat: StatProbe) {}

  /**
   * Starts watching `key` and takes the first look at once: the editor has just read the file, so
   * what it saw is the state to compare with, not whatever the next poll finds. The returned
   * function stops this watch.
   */
  add(key: string): () => void {
    const first = !this.watched.has(key);
    this.watched.set(key, (this.watched.get(key) ?? 0) + 1);
    if (first) {
      void this.stat(key).then(
        (look) => {
          if (this.watched.has(key) && !this.seen.has(key)) this.seen.set(key, look ?? null);
        },
        () => undefined,
      );
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const count = (this.watched.get(key) ?? 1) - 1;
      if (count > 0) {
        this.watched.set(key, count);
      } else {
        this.watched.delete(key);
        this.seen.delete(key);
      }
    };
  }

  get size(): number {
    return this.watched.size;
  }

  /**
   * Looks at the most recently watched files once, and reports what differs from the last look
   * (a file whose first look has not come back yet is only recorded). A poll still running makes
   * this one a no-op, so a slow Docker never piles execs up.
   */
  async poll(): Promise<PolledChange[]> {
    if (this.polling) return [];
    this.polling = true;
    try {
      const keys = [...this.watched.keys()].slice(-MAX_POLLED);
      const looks = await Promise.all(
        keys.map(async (key) => ({
          key,
          look: await this.stat(key).then(
            (s) => s ?? null,
            () => 'unknown' as const,
          ),
        })),
      );
      const changes: PolledChange[] = [];
      for (const { key, look } of looks) {
        if (look === 'unknown' || !this.watched.has(key)) continue;
        const before = this.seen.get(key);
        this.seen.set(key, look);
        if (before === undefined) continue;
        if (before === null && look !== null) changes.push({ key, type: 'created' });
        else if (before !== null && look === null) changes.push({ key, type: 'deleted' });
        else if (before && look && (before.mtimeMs !== look.mtimeMs || before.size !== look.size)) changes.push({ key, type: 'changed' });
      }
      return changes;
    } finally {
      this.polling = false;
    }
  }
}
