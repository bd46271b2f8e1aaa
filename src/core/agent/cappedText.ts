/**
 * Collects a stream's bytes up to a cap, keeping its beginning and its end (where errors
 * usually are) and counting what was left out in the middle.
 */
export class CappedText {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Every byte seen, kept or not. */
  total = 0;

  constructor(readonly cap: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const half = Math.floor(this.cap / 2);
    if (this.headBytes < half) {
      const take = chunk.subarray(0, half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const keep = this.cap - half;
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= keep) this.tailBytes -= this.tail.shift()!.length;
  }

  get truncated(): boolean {
    return this.total > this.cap;
  }

  /** The text, with a line naming the cap where bytes were left out. */
  text(what: string): string {
    if (!this.truncated) return Buffer.concat([...this.head, ...this.tail]).toString('utf8');
    const tail = Buffer.concat(this.tail);
    const keptTail = tail.subarray(tail.length - (this.cap - Math.floor(this.cap / 2)));
    const omitted = this.total - this.headBytes - keptTail.length;
    return `${Buffer.concat(this.head).toString('utf8')}\n[… ${omitted} bytes of ${what} left out: ${this.total} bytes in all, over the cap of ${this.cap} bytes …]\n${keptTail.toString('utf8')}`;
  }
}
