import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScrollbackRing } from '../../src/core/sessions/scrollbackRing';

describe('ScrollbackRing', () => {
  it('keeps everything while it fits', () => {
    const ring = new ScrollbackRing(100);
    ring.push(Buffer.from('one\r\n'));
    ring.push(Buffer.from('two\r\n'));
    assert.equal(ring.contents().toString(), 'one\r\ntwo\r\n');
    assert.equal(ring.size, 10);
  });

  it('never holds more than its capacity, whatever is written', () => {
    const ring = new ScrollbackRing(64);
    for (let i = 0; i < 1000; i++) ring.push(Buffer.from(`line ${i}\r\n`));
    assert.ok(ring.size <= 64, `holds ${ring.size} bytes`);
    assert.match(ring.contents().toString(), /line 999\r\n$/);
    ring.push(Buffer.alloc(10_000, 0x41));
    assert.equal(ring.size, 64);
  });

  it('replays from a line start once the front was cut (no half escape sequence)', () => {
    const ring = new ScrollbackRing(16);
    ring.push(Buffer.from('\x1b[31mred\x1b[0m\r\n'));
    ring.push(Buffer.from('abc\r\nxyz\r\n'));
    assert.equal(ring.contents().toString(), 'abc\r\nxyz\r\n', 'the cut line (the rest of the escape sequence) is not replayed');
  });

  it('keeps the tail of one chunk bigger than the ring', () => {
    const ring = new ScrollbackRing(8);
    ring.push(Buffer.from('0123456789abcdef'));
    assert.equal(ring.size, 8);
    assert.equal(ring.contents().toString(), '89abcdef');
  });

  it('refuses a capacity that is not a positive whole number', () => {
    assert.throws(() => new ScrollbackRing(0), RangeError);
    assert.throws(() => new ScrollbackRing(1.5), RangeError);
  });

  it('clear() frees everything', () => {
    const ring = new ScrollbackRing(8);
    ring.push(Buffer.from('abc'));
    ring.clear();
    assert.equal(ring.size, 0);
    assert.equal(ring.contents().length, 0);
  });
});
