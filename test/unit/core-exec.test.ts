import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { DockerExecProcess, StreamDemuxer } from '../../src/core/exec';
import { SPARE_SCRIPT, spareRequest } from '../../src/core/files/sandboxFiles';

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
  const wire = Buffer.concat([
    frame(1, binary.subarray(0, 32_768)),
    frame(2, Buffer.from('warn\n')),
    frame(1, Buffer.alloc(0)),
    frame(1, binary.subarray(32_768)),
    frame(2, Buffer.from('done')),
  ]);

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
    const r = demux(
      small,
      bytes.filter((b) => b < small.length),
    );
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

describe('files spare exec: the request line', () => {
  // The shells an image's /bin/sh may be; those installed here run the real spare script.
  const shells = ['/bin/dash', '/bin/bash', '/bin/busybox'].filter((s) => fs.existsSync(s));
  const args = ['a b', "it's", 'line1\nline2\n', '', '$HOME `id` $(id) \\ "q" *', 'ü 名前 ✓\r\t', '-n', "'"];

  for (const shell of shells) {
    it(`${path.basename(shell)}: argv arrives exactly, and stdin after the line is the command's`, () => {
      const argv = ['sh', '-c', 'printf "%s|" "$@"; printf "#"; cat', 'sh', ...args];
      const payload = Buffer.from([0, 1, 10, 13, 255, 0x27, 0x0a, 0x80]);
      const shellArgv = shell.endsWith('busybox') ? ['sh', '-c', SPARE_SCRIPT, 'spare'] : ['-c', SPARE_SCRIPT, 'spare'];
      const out = execFileSync(shell, shellArgv, { input: Buffer.concat([Buffer.from(spareRequest(argv)), payload]) });
      assert.deepEqual(out, Buffer.concat([Buffer.from(args.map((a) => `${a}|`).join('') + '#'), payload]));
    });
  }

  it('no request (stdin closed): the distinct exit code, nothing run', () => {
    const r = spawnSync('/bin/sh', ['-c', SPARE_SCRIPT, 'spare'], { input: '' });
    assert.equal(r.status, 74);
    assert.equal(r.stdout.length, 0);
  });
});

describe('PTY resizes', () => {
  it('reach Docker in the order asked: the initial size never lands after a later resize', async () => {
    const applied: string[] = [];
    let first = true;
    const exec = {
      // The first call (the initial size) is slow, as under load; a later one is fast.
      resize: async ({ w, h }: { w: number; h: number }) => {
        const slow = first;
        first = false;
        await new Promise((r) => setTimeout(r, slow ? 50 : 0));
        applied.push(`${w}x${h}`);
      },
    };
    const socket = new PassThrough();
    const proc = new DockerExecProcess({} as never, exec as never, socket, true, 'm', { cols: 100, rows: 30 });
    await proc.resize(132, 43);
    assert.deepEqual(applied, ['100x30', '132x43']);
    proc.close();
  });
});
