/**
 * The error of a pull that fails offline (issue #14, "Image field"): it names the image, says it
 * is not on this machine and cannot be pulled, offers the local images, and carries no raw Docker
 * HTTP text or Markdown backticks. A fake Docker stands in: no test ever lets Docker pull.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ensureImage } from '../../src/core/images';
import { isSandboxError } from '../../src/core/errors';

/** What dockerode rejects with when the daemon cannot reach a registry (text as seen offline). */
const OFFLINE = Object.assign(
  new Error('(HTTP code 500) server error - Get "https://registry-1.example.invalid/v2/": dial tcp: lookup registry-1.example.invalid on 127.0.0.11:53: server misbehaving'),
  { statusCode: 500, json: { message: 'Get "https://registry-1.example.invalid/v2/": dial tcp: lookup registry-1.example.invalid on 127.0.0.11:53: server misbehaving' } },
);

function fakeDocker(pullError: unknown, images: unknown[] = []): Docker {
  return {
    getImage: () => ({ inspect: async () => Promise.reject(Object.assign(new Error('no such image'), { statusCode: 404 })) }),
    pull: async () => Promise.reject(pullError),
    listImages: async () => images,
    modem: { followProgress: () => undefined },
  } as unknown as Docker;
}

const LOCAL = [
  { RepoTags: ['sandboxes-test/base:bookworm-2'], Size: 170_123_456, Created: 2, Labels: {} },
  { RepoTags: ['sandboxes/guard:1'], Size: 9_000_000, Created: 3, Labels: {} },
  { RepoTags: ['sandboxes/guard:2'], Size: 9_000_000, Created: 3, Labels: { 'sandboxes.role': 'guard-image' } },
  { RepoTags: ['sandboxes-snapshot/abc:1'], Size: 171_000_000, Created: 4, Labels: { 'sandboxes.snapshot': 'true' } },
  { RepoTags: ['<none>:<none>'], Size: 5, Created: 1, Labels: null },
];

describe('a pull that fails offline', () => {
  it('says the image is not here and cannot be pulled, and offers the local images', async () => {
    const error = await ensureImage(fakeDocker(OFFLINE, LOCAL), 'python:3.12-slim').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(isSandboxError(error, 'IMAGE_UNAVAILABLE'), String(error));
    assert.match(error.message, /^python:3\.12-slim is not on this machine and cannot be pulled — use a local image \(sandboxes-test\/base:bookworm-2, 170 MB\) or /);
    assert.doesNotMatch(`${error.message} ${error.fix}`, /`|HTTP code|https?:\/\/|dial tcp/, 'no raw Docker text, no backticks');
    assert.doesNotMatch(error.message, /guard|snapshot|<none>/, 'internal images, snapshots and dangling layers are not offered');
    assert.equal(error.cause, OFFLINE, 'the raw text stays in the cause, for the log');
  });

  it('says so without local images, and when the registry refuses the name', async () => {
    const denied = Object.assign(new Error("(HTTP code 404) unexpected - pull access denied for nope, repository does not exist or may require 'docker login'"), {
      statusCode: 404,
    });
    const error = await ensureImage(fakeDocker(denied, []), 'nope:1').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(isSandboxError(error, 'IMAGE_UNAVAILABLE'));
    assert.match(error.message, /^nope:1 is not on this machine and cannot be pulled/);
    assert.match(error.message, /no images on this machine|no local image/i);
    assert.doesNotMatch(`${error.message} ${error.fix}`, /`|HTTP code/);
  });
});
