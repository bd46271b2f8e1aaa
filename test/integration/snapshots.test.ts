/**
 * Snapshots of images whose tar is not GNU tar (issue #14, bug 1): BusyBox's tar knows no
 * `--exclude`, exits 1, and the engine used to import the empty archive as a 0-byte "snapshot"
 * that no sandbox could start from. A snapshot holds the filesystem, or fails saying why.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SandboxError } from '../../src/core';
import { cleanupAfterFile, client, docker, runContainers, testSpec } from './helpers';

cleanupAfterFile();

const BUSYBOX_IMAGE = 'sandboxes/trial:busybox';

describe('filesystem snapshots of any image', () => {
  const engine = client();
  const refs: string[] = [];
  after(async () => {
    for (const c of await runContainers())
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    for (const ref of refs)
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('a BusyBox sandbox snapshots its whole filesystem, and a sandbox starts from it', async () => {
    const original = await engine.create(testSpec({ image: BUSYBOX_IMAGE }));
    await original.run(['sh', '-c', 'mkdir -p /data && echo kept > /data/file && echo 1.2.3.4 planted >> /etc/hosts']);
    const ref = await original.snapshotFilesystem({ tag: `bb-${process.pid}` });
    refs.push(ref);
    const [listed] = await engine.listSnapshots({ sandboxId: original.id });
    assert.ok(listed.sizeBytes > 500_000, `the snapshot holds the filesystem (${listed.sizeBytes} bytes)`);

    const copy = await engine.create(testSpec({ image: ref }));
    const result = await copy.run(['sh', '-c', 'cat /data/file; grep -c planted /etc/hosts; ls /proc/self >/dev/null && echo proc-ok']);
    assert.equal(result.stdout, 'kept\n0\nproc-ok\n', `the file is there, Docker's /etc/hosts is the new sandbox's own (stderr: ${result.stderr})`);

    // In use: the error names the sandbox, not a container id (issue #14, bug 6).
    await assert.rejects(engine.removeSnapshot(ref), (error: unknown) => {
      assert.ok(error instanceof SandboxError && error.code === 'NAME_IN_USE', String(error));
      assert.match(error.message, new RegExp(`in use by sandbox ${copy.name}\\b`));
      assert.doesNotMatch(error.message, /[0-9a-f]{12}/, 'no container id');
      assert.match(error.fix, new RegExp(`Terminate ${copy.name}`));
      return true;
    });
  });

  it('a tar that fails part way leaves no image behind and says why', async () => {
    const sandbox = await engine.create(testSpec());
    // Root inside replaces tar with one that writes the first 200 kB of a real archive and fails
    // with GNU tar's "some files differ" code, but not for a file that changed.
    const fake = '#!/bin/sh\n/bin/tar "$@" 2>/dev/null | head -c 200000\necho "tar: read error" >&2\nexit 1\n';
    await sandbox.files.write('/usr/local/bin/tar', fake);
    await sandbox.run(['chmod', '+x', '/usr/local/bin/tar']);
    const tag = `broken-${process.pid}`;
    await assert.rejects(sandbox.snapshotFilesystem({ tag }), (error: unknown) => {
      assert.ok(error instanceof SandboxError, String(error));
      assert.equal(error.code, 'EXEC_FAILED');
      assert.match(error.message, /Reading the filesystem of .* failed .*read error/);
      return true;
    });
    const images = await docker.listImages({ filters: { reference: [`sandboxes-snapshot/${sandbox.id}:${tag}`] } });
    assert.deepEqual(images, [], 'no image imported from a broken archive');
  });
});
