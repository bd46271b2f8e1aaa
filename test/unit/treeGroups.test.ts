// Issue #14, "whose sandbox is this" and "state first": the tree's top level and a grouped row.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SandboxInfo, SnapshotInfo } from '../../src/core/types';
import { ContextValues, presentNode } from '../../src/vscode/tree/nodePresentation';
import { groupChildren, treeRoots, type GroupNode, type SandboxNode } from '../../src/vscode/tree/treeNodes';

const now = new Date('2026-01-01T12:00:00Z');
const TAG = 'aaaaaaaaaaaa';
function info(name: string, overrides: Partial<SandboxInfo> = {}): SandboxInfo {
  return {
    id: `sb-${name}`,
    containerId: `c-${name}`,
    name,
    image: 'python:3.12-slim',
    runtime: 'runsc',
    state: 'running',
    exitCode: null,
    createdAt: new Date(now.getTime() - 300_000),
    expiresAt: null,
    tags: { workspace: TAG },
    networkMode: 'open',
    ...overrides,
  };
}
const snapshot = (ref: string, sandboxName: string): SnapshotInfo => ({
  ref,
  sandboxId: 'sb-gone',
  sandboxName,
  createdAt: new Date(now.getTime() - 3_600_000),
  sizeBytes: 2048,
});

describe('tree groups', () => {
  it("lists this workspace first, expanded; other clients' sandboxes collapsed below", () => {
    const roots = treeRoots([info('script', { tags: { 'test-run': 'x' } }), info('mine')], { workspaceTag: TAG });
    assert.deepEqual(
      roots.map((r) => presentNode(r, now).label),
      ['This workspace', 'Other sandboxes on this engine'],
    );
    const [ws, others] = roots.map((r) => presentNode(r, now));
    assert.equal(ws?.collapsible, 'expanded');
    assert.equal(ws?.contextValue, ContextValues.workspaceGroup);
    assert.equal(others?.collapsible, 'collapsed');
    assert.deepEqual(
      groupChildren(roots[0] as GroupNode).map((n) => (n as SandboxNode).info.name),
      ['mine'],
    );
    assert.deepEqual(
      groupChildren(roots[1] as GroupNode).map((n) => (n as SandboxNode).info.name),
      ['script'],
    );
    assert.equal((groupChildren(roots[0] as GroupNode)[0] as SandboxNode).parent, roots[0], 'reveal finds the group');
  });

  it('always shows this workspace (saying none), and others only when there are any', () => {
    const roots = treeRoots([], { workspaceTag: TAG });
    assert.deepEqual(
      roots.map((r) => [presentNode(r, now).label, presentNode(r, now).description]),
      [['This workspace', 'none']],
    );
  });

  it('has a Snapshots section with every snapshot, also of sandboxes that are gone, with size and age', () => {
    const roots = treeRoots([info('mine')], { workspaceTag: TAG, snapshots: [snapshot('sandboxes-snapshot/gone:1', 'gone')] });
    const section = roots[1]!;
    assert.equal(presentNode(section, now).label, 'Snapshots');
    assert.equal(presentNode(section, now).contextValue, ContextValues.snapshotSection);
    const [row] = groupChildren(section as Exclude<typeof section, SandboxNode>).map((n) => presentNode(n, now));
    assert.equal(row?.label, 'gone · 1 hour ago');
    assert.match(row?.description ?? '', /^2\.0 KB · sandboxes-snapshot\/gone:1$/);
    assert.equal(row?.contextValue, ContextValues.snapshot, 'Create from Snapshot and Remove apply');
  });

  it('puts the state first on a grouped row, and why it ended instead of exited (0)', () => {
    const [ws] = treeRoots([info('up'), info('dead', { state: 'exited', exitCode: 0 })], {
      workspaceTag: TAG,
      endingOf: (id) => (id === 'sb-dead' ? { reason: 'daemonRestart', exitCode: 0, finishedAt: now, spec: null, policy: null } : undefined),
    });
    const rows = groupChildren(ws as GroupNode).map((n) => presentNode(n, now));
    assert.equal(rows[0]?.description, 'running · python:3.12-slim · gVisor · up 5 minutes');
    assert.equal(rows[1]?.description, 'killed by Docker restart · python:3.12-slim · gVisor');
    assert.equal(rows[1]?.icon.color, 'problemsErrorIcon.foreground');
    assert.match(rows[1]?.tooltip ?? '', /was killed when the Docker engine stopped or restarted/);
  });
});
