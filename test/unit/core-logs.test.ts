import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demuxLogs } from '../../src/core/logs';
import { tagFilters, tagLabels, tagsFromLabels } from '../../src/core/labels';
import { isSandboxId, newSandboxId } from '../../src/core/ids';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxLogs', () => {
  it('joins stdout and stderr frames in order', () => {
    assert.equal(demuxLogs(Buffer.concat([frame(1, 'out '), frame(2, 'err '), frame(1, 'done')])), 'out err done');
  });
  it('passes TTY logs through', () => {
    assert.equal(demuxLogs(Buffer.from('plain text from a tty container')), 'plain text from a tty container');
  });
});

describe('labels and ids', () => {
  it('round-trips tags through labels and builds filters', () => {
    const labels = tagLabels({ project: 'demo', 'team.name': 'x' });
    assert.deepEqual(labels, { 'sandboxes.tag.project': 'demo', 'sandboxes.tag.team.name': 'x' });
    assert.deepEqual(tagsFromLabels({ ...labels, 'sandboxes.id': 'sb-1', other: 'y' }), { project: 'demo', 'team.name': 'x' });
    assert.deepEqual(tagFilters({ a: 'b' }), ['sandboxes.tag.a=b']);
  });
  it('makes Modal-like ids', () => {
    const ids = new Set(Array.from({ length: 200 }, newSandboxId));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.ok(isSandboxId(id), id);
  });
});
