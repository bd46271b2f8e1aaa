import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, ago, networkState, sandboxInfo } from './fixtures';
import type { SnapshotInfo } from '../../src/core/types';
import { ContextValues, presentNode } from '../../src/vscode/tree/nodePresentation';
import { groupChildren, rootNodes, sandboxChildren, type SandboxDetails, type SandboxNode } from '../../src/vscode/tree/treeNodes';

const snapshot = (ref: string, createdAt: Date, sizeBytes = 5 * 1024 * 1024): SnapshotInfo => ({ ref, sandboxId: 'sb-1', sandboxName: 'scratch', createdAt, sizeBytes });
const details = (snapshots?: SnapshotInfo[]): SandboxDetails => ({ network: networkState(), tunnels: [], terminals: [], activeTerminal: undefined, snapshots });
const node = (): SandboxNode => rootNodes([sandboxInfo()])[0] as SandboxNode;

describe('Sandboxes tree: snapshots', () => {
  it('shows no Snapshots row for a sandbox without any', () => {
    assert.deepEqual(
      sandboxChildren(node(), details()).map((c) => c.kind),
      ['network', 'ports', 'terminals'],
    );
    assert.deepEqual(
      sandboxChildren(node(), details([])).map((c) => c.kind),
      ['network', 'ports', 'terminals'],
    );
  });

  it("lists a sandbox's snapshots newest first under Snapshots, each naming its sandbox and image", () => {
    const children = sandboxChildren(node(), details([snapshot('snap:old', ago(7200)), snapshot('snap:new', ago(120))]));
    const group = children[3];
    assert.ok(group && group.kind === 'snapshots');
    const p = presentNode(group, NOW);
    assert.deepEqual([p.label, p.description, p.contextValue, p.collapsible], ['Snapshots', '2', ContextValues.snapshots, 'expanded']);
    const rows = groupChildren(group).map((child) => presentNode(child, NOW));
    assert.deepEqual(
      rows.map((r) => [r.label, r.description, r.contextValue]),
      [
        ['2 minutes ago', '5.0 MB · snap:new', 'snapshot'],
        ['2 hours ago', '5.0 MB · snap:old', 'snapshot'],
      ],
    );
    assert.equal(rows[0]?.id, 'sb-1/snapshots/snap:new', 'stable across refreshes');
    assert.match(rows[0]?.tooltip ?? '', /Create Sandbox from Snapshot/);
    for (const child of groupChildren(group)) {
      assert.ok(child.kind === 'snapshot' && child.sandboxId === 'sb-1' && child.snapshot.ref.startsWith('snap:'), 'the snapshot commands take the node');
    }
  });

  it('shows nothing below a stopped sandbox, snapshots included', () => {
    const stopped = rootNodes([sandboxInfo({ state: 'exited', exitCode: 0 })])[0] as SandboxNode;
    assert.deepEqual(sandboxChildren(stopped, details([snapshot('snap:x', ago(60))])), []);
  });
});
