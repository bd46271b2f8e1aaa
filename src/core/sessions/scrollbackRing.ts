/**
 * A terminal's scrollback as the session host keeps it: the last `capacity` bytes of output,
 * whatever was written before them dropped. Chunks are kept as they came (no copy on write);
 * the oldest one is trimmed when only part of it fits. Pure, so it is unit-tested.
 *
 * Dropping bytes can cut an escape sequence or a UTF-8 character at the front: `contents()`
 * starts at the first line boundary after a cut, so a replay never begins inside one.
 */
export class ScrollbackRing {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private cut = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`A scrollback needs a positive whole number of bytes, not ${capacity}.`);
  }

  /** Bytes held now (never more than `capacity`). */
  get size(): number {
    return this.bytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (chunk.length >= this.capacity) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.capacity))];
      this.bytes = this.capacity;
      this.cut = true;
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.capacity) {
      const oldest = this.chunks[0];
      const excess = this.bytes - this.capacity;
      this.cut = true;
      if (oldest.length <= excess) {
        this.chunks.shift();
        this.bytes -= oldest.length;
      } else {
        // A copy, so the rest of a big chunk is not kept alive by the view.
        this.chunks[0] = Buffer.from(oldest.subarray(excess));
        this.bytes -= excess;
      }
    }
  }

  /** What a reattaching terminal replays: everything held, from a line start when the front was cut. */
  contents(): Buffer {
    const all = Buffer.concat(this.chunks, this.bytes);
    if (!this.cut) return all;
    const newline = all.indexOf(0x0a);
    return newline < 0 ? all : all.subarray(newline + 1);
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
    this.cut = false;
  }
}
