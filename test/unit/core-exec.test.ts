import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamDemuxer } from '../../src/core/exec';

function frame(stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Feeds `wire` cut at the given offsets; returns what reached stdout and stderr. */
function demux(wire: Buffer, cuts: number[]): { stdout: Buffer; stderr: Buffer } {
  const out: Record<number, Buffer[]> = { 1: [], 2: [] };
  const d = new StreamDemuxer((stream, payload) => out[stream].push(payload));
  let at = 0;
  for (const cut of [...cuts, wire.length]) {
    // Copies, like a socket's reads: each chunk its own buffer.
    d.push(Buffer.from(wire.subarray(at, cut)));
    at = cut;
  }
  return { stdout: Buffer.concat(out[1]), stderr: Buffer.concat(out[2]) };
}

describe('StreamDemuxer (Docker exec stream, Tty off)', () => {
  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) & 0xff));
  const wire = Buffer.concat([frame(1, binary.subarray(0, 32_768)), frame(2, Buffer.from('warn\n')), frame(1, Buffer.alloc(0)), frame(1, binary.subarray(32_768)), frame(2, Buffer.from('done'))]);

  it('splits stdout and stderr byte-exact, in one piece', () => {
    const r = demux(wire, []);
    assert.deepEqual(r.stdout, binary);
    assert.equal(r.stderr.toString(), 'warn\ndone');
  });

  it('headers and payloads cut anywhere, down to one byte at a time', () => {
    for (const cuts of [[3], [8], [9, 10, 11], [32_775, 32_777, 32_780], Array.from({ length: 200 }, (_, i) => 32_770 + i)]) {
      const r = demux(wire, cuts);
      assert.deepEqual(r.stdout, binary, `cuts ${cuts.slice(0, 4)}`);
      assert.equal(r.stderr.toString(), 'warn\ndone');
    }
    const bytes = Array.from({ length: 300 }, (_, i) => i + 1);
    const small = Buffer.concat([frame(2, Buffer.from('é')), frame(1, Buffer.from([0, 255, 10, 13]))]);
    const r = demux(small, bytes.filter((b) => b < small.length));
    assert.equal(r.stderr.toString(), 'é');
    assert.deepEqual([...r.stdout], [0, 255, 10, 13]);
  });

  it('hands payloads on as views of the chunk, not copies', () => {
    const chunk = frame(1, Buffer.from('abcdef'));
    let seen: Buffer | undefined;
    new StreamDemuxer((_, payload) => (seen = payload)).push(chunk);
    assert.equal(seen?.buffer, chunk.buffer);
    assert.equal(seen?.toString(), 'abcdef');
  });
});
