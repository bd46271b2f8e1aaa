import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  confirmsSnapshotRemoval,
  fileTargetFromArg,
  hostPathsFromArg,
  sandboxPathFromArg,
  snapshotRefFromArg,
  withoutExplorerSelection,
} from '../../src/vscode/files/fileArgs';

const ID = 'sb-abc123def456';

describe('file and snapshot command arguments', () => {
  it("take a sandbox: URI (the Explorer's resource) or anything naming a sandbox", () => {
    assert.deepEqual(fileTargetFromArg({ scheme: 'sandbox', authority: ID, path: '/workspace/a b/../c.txt' }), { sandboxId: ID, path: '/workspace/c.txt' });
    assert.deepEqual(fileTargetFromArg(ID), { sandboxId: ID, path: undefined });
    assert.deepEqual(fileTargetFromArg({ kind: 'sandbox', sandboxId: ID }), { sandboxId: ID, path: undefined }, 'a tree node');
    assert.equal(fileTargetFromArg(undefined), undefined);
    assert.throws(() => fileTargetFromArg({ scheme: 'file', authority: '', path: '/etc' }), /Expected a sandbox: URI, got a file: one/);
  });

  it('take absolute sandbox paths, normalised', () => {
    assert.equal(sandboxPathFromArg('/workspace/./x/'), '/workspace/x');
    assert.equal(sandboxPathFromArg(undefined), undefined);
    assert.throws(() => sandboxPathFromArg('workspace'), /absolute path inside the sandbox/);
  });

  it('take host paths as strings, file: URIs or lists of them', () => {
    assert.deepEqual(hostPathsFromArg('/tmp/a'), ['/tmp/a']);
    assert.deepEqual(hostPathsFromArg(['/tmp/a', { scheme: 'file', authority: '', path: '/tmp/b c', fsPath: '/tmp/b c' }]), ['/tmp/a', '/tmp/b c']);
    assert.deepEqual(hostPathsFromArg('C:\\Users\\me\\x'), ['C:\\Users\\me\\x']);
    assert.equal(hostPathsFromArg(undefined), undefined);
    assert.throws(() => hostPathsFromArg('relative/path'), TypeError);
    assert.throws(() => hostPathsFromArg([]), /empty list/);
    assert.throws(() => hostPathsFromArg({ scheme: 'sandbox', authority: ID, path: '/x' }), TypeError);
  });

  it("ignore the Explorer's selection, passed where host paths go", () => {
    const selection = [
      { scheme: 'sandbox', authority: ID, path: '/workspace/a' },
      { scheme: 'sandbox', authority: ID, path: '/workspace/b' },
    ];
    assert.equal(withoutExplorerSelection(selection), undefined);
    assert.deepEqual(withoutExplorerSelection(['/tmp/a']), ['/tmp/a']);
    assert.equal(withoutExplorerSelection(undefined), undefined);
  });

  it('take a snapshot as its ref, a SnapshotInfo or a tree node; only a bare ref skips the question', () => {
    const ref = `sandboxes-snapshot/${ID}:20260101-120000`;
    assert.equal(snapshotRefFromArg(ref), ref);
    assert.equal(snapshotRefFromArg({ ref, sandboxId: ID }), ref);
    assert.equal(snapshotRefFromArg({ kind: 'snapshot', sandboxId: ID, snapshot: { ref } }), ref);
    assert.equal(snapshotRefFromArg(undefined), undefined);
    assert.throws(() => snapshotRefFromArg({ kind: 'snapshots', sandboxId: ID }), /snapshot's image reference/);
    assert.equal(confirmsSnapshotRemoval(ref), false);
    assert.equal(confirmsSnapshotRemoval({ kind: 'snapshot', snapshot: { ref } }), true);
    assert.equal(confirmsSnapshotRemoval(undefined), true);
  });
});
