import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnapshotInfo } from '../../src/core/types';
import { snapshotRowsAcrossEngines } from '../../src/vscode/files/snapshotFormat';

const NOW = new Date('2026-12-06T12:00:00Z');
const snap = (ref: string, minutesAgo: number): SnapshotInfo => ({
  ref,
  sandboxId: 'sb-1',
  sandboxName: ref,
  createdAt: new Date(NOW.getTime() - minutesAgo * 60_000),
  sizeBytes: 1024,
});

describe('snapshotRowsAcrossEngines', () => {
  it("merges every engine's snapshots newest first, each row naming and keeping its engine", () => {
    const rows = snapshotRowsAcrossEngines(
      [
        { engine: { key: 'default', name: 'This machine' }, snapshots: [snap('local-old', 60), snap('local-new', 1)] },
        { engine: { key: 'lab', name: 'lab' }, snapshots: [snap('lab-mid', 10)] },
        { engine: { key: 'down', name: 'down' }, snapshots: [] },
      ],
      NOW,
    );
    assert.deepEqual(
      rows.map((row) => [row.snapshot.ref, row.engine]),
      [
        ['local-new', 'default'],
        ['lab-mid', 'lab'],
        ['local-old', 'default'],
      ],
    );
    assert.match(rows[1]!.description, /^lab · 10 minutes ago · /);
    assert.match(rows[0]!.description, /^This machine · /);
  });
});
