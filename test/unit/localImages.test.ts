import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeLocalImages, formatImageSize, imageChoices, localImagesFrom } from '../../src/shared/localImages';

const FILTER = { hiddenLabels: { 'sandboxes.snapshot': 'true', 'sandboxes.role': 'guard-image' }, internal: ['sandboxes/guard:1'] };

describe('local images', () => {
  it('lists one row per tag, without snapshots, the guard image or dangling layers, by name', () => {
    const images = localImagesFrom(
      [
        { RepoTags: ['python:3.12-slim', 'py:latest'], Size: 130_000_000, Created: 5, Labels: {} },
        { RepoTags: ['busybox:latest'], Size: 4_261_000, Created: 4 },
        { RepoTags: ['sandboxes/guard:1'], Size: 9_000_000, Created: 3 },
        { RepoTags: ['sandboxes/guard:2'], Size: 9_000_000, Created: 3, Labels: { 'sandboxes.role': 'guard-image' } },
        { RepoTags: ['sandboxes-snapshot/x:1'], Size: 1, Created: 2, Labels: { 'sandboxes.snapshot': 'true' } },
        { RepoTags: ['<none>:<none>'], Size: 1, Created: 1 },
        { RepoTags: null, Size: 1, Created: 1 },
      ],
      FILTER,
    );
    assert.deepEqual(
      images.map((image) => image.ref),
      ['busybox:latest', 'py:latest', 'python:3.12-slim'],
    );
  });

  it('formats sizes as docker images does, in decimal units', () => {
    assert.equal(formatImageSize(0), '0 B');
    assert.equal(formatImageSize(999), '999 B');
    assert.equal(formatImageSize(4_261_000), '4.26 MB');
    assert.equal(formatImageSize(170_123_456), '170 MB');
    assert.equal(formatImageSize(1_200_000_000), '1.2 GB');
  });

  it('puts the current image first, marked "not on this machine" when it is not local', () => {
    const images = localImagesFrom(
      [
        { RepoTags: ['a:1'], Size: 1000 },
        { RepoTags: ['b:1'], Size: 2000 },
      ],
      FILTER,
    );
    assert.deepEqual(imageChoices(images, 'b:1'), [
      { ref: 'b:1', size: '2 kB', current: true },
      { ref: 'a:1', size: '1 kB', current: false },
    ]);
    assert.deepEqual(imageChoices(images, 'python:3.12-slim')[0], { ref: 'python:3.12-slim', size: 'not on this machine', current: true });
    assert.equal(imageChoices(images, '').length, 2);
  });

  it('names a few for messages and counts the rest', () => {
    const images = localImagesFrom([{ RepoTags: ['a:1', 'b:1', 'c:1', 'd:1', 'e:1'], Size: 1_500_000 }], FILTER);
    assert.equal(describeLocalImages(images), 'a:1, 1.5 MB; b:1, 1.5 MB; c:1, 1.5 MB and 2 more');
    assert.equal(describeLocalImages([]), '');
  });
});
