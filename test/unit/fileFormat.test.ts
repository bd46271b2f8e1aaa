import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyPercent, formatBytes, formatCopyProgress, progressIncrements } from '../../src/vscode/files/fileFormat';

const MB = 1024 * 1024;

describe('sizes and copy progress', () => {
  it('formats bytes with one decimal below 10', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(12 * MB), '12 MB');
    assert.equal(formatBytes(3.4 * 1024 * MB), '3.4 GB');
  });

  it("says files and MB done of the totals, in the total's unit", () => {
    assert.equal(formatCopyProgress({ files: 12, totalFiles: 340, bytes: 1.2 * MB, totalBytes: 8 * MB }), '12 of 340 files, 1.2 of 8.0 MB');
    assert.equal(formatCopyProgress({ files: 0, totalFiles: 1, bytes: 0, totalBytes: 300 }), '0 of 1 file, 0 of 300 B');
    assert.equal(formatCopyProgress({ files: 5, totalFiles: 5, bytes: 50 * MB, totalBytes: 50 * MB }), '5 of 5 files, 50 of 50 MB');
  });

  it('turns totals into increments that never go backwards and add up to 100', () => {
    assert.equal(copyPercent({ files: 0, totalFiles: 0, bytes: 0, totalBytes: 0 }), 100, 'nothing to copy is done');
    assert.equal(copyPercent({ files: 1, totalFiles: 4, bytes: 0, totalBytes: 0 }), 25, 'empty files count by number');
    const next = progressIncrements();
    const steps = [0, 2, 5, 4, 10].map((bytes) => next({ files: 0, totalFiles: 3, bytes, totalBytes: 10 }));
    assert.deepEqual(steps, [0, 20, 30, 0, 50]);
    assert.equal(
      steps.reduce((a, b) => a + b, 0),
      100,
    );
  });
});
