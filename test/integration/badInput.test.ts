import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { connect, SandboxError } from '../../src/core';
import { cleanupAfterFile, client, docker, isError as isSandboxError, runContainers, testSpec } from './helpers';

cleanupAfterFile();

/** Each bad input gives a SandboxError naming cause and fix (a fix of more than 20 characters), and leaves no container behind. */
const isError = (code: SandboxError['code'], messagePattern?: RegExp) => isSandboxError(code, messagePattern, 20);

describe('bad input gives clear errors and leaves nothing behind', () => {
  const engine = client();

  it('Docker unreachable: names the endpoint and how to start Docker', async () => {
    const offline = connect({ dockerHost: 'unix:///tmp/sandboxes-no-such-docker.sock' });
    await assert.rejects(offline.ping(), isError('DOCKER_UNREACHABLE', /unix:\/\/\/tmp\/sandboxes-no-such-docker\.sock/));
    await assert.rejects(offline.create(testSpec()), isError('DOCKER_UNREACHABLE'));
    await assert.rejects(offline.list(), isError('DOCKER_UNREACHABLE'));
    await assert.rejects(offline.fromId('sb-aaaaaaaaaaaa'), isError('DOCKER_UNREACHABLE'));
    const report = await offline.checkSetup({ image: testSpec().image });
    assert.equal(report.ok, false);
    assert.equal(report.items[0].ok, false);
    assert.match(report.items[0].fix ?? '', /setup-host\.sh/);
  });

  it('an endpoint that is not a Docker URL is refused with the accepted forms', () => {
    assert.throws(() => connect({ dockerHost: 'ftp://example' }), isError('DOCKER_UNREACHABLE', /ftp:\/\/example/));
  });

  it('runtime missing: never falls back to runc', async () => {
    await assert.rejects(engine.create(testSpec({ runtime: 'no-such-runtime' })), isError('RUNTIME_MISSING', /no-such-runtime.*registered: .*runsc/));
    assert.deepEqual(await runContainers(), []);
  });

  it('the old-runsc trap is detected and explained, with no orphan container', async () => {
    // `runsc-netstack` is plain runsc without --network=host, registered by scripts/setup-test-host.sh.
    const runtimes = await engine.runtimes(true);
    assert.ok(runtimes.has('runsc-netstack'), 'scripts/setup-test-host.sh registers runsc-netstack');
    let error: unknown;
    try {
      const sandbox = await engine.create(testSpec({ runtime: 'runsc-netstack' }));
      await sandbox.terminate();
    } catch (e) {
      error = e;
    }
    if (error === undefined) return; // a current runsc: nothing to detect on this machine
    isError('RUNTIME_BROKEN', /root network namespace/)(error);
    assert.match((error as SandboxError).fix, /--network=host/);
    assert.deepEqual(await runContainers(), []);
  });

  it('image missing while offline: says how to provide it', async () => {
    // A registry on a closed loopback port: the pull fails at once and sends nothing off this machine.
    await assert.rejects(engine.create(testSpec({ image: '127.0.0.1:9/sandboxes-missing:1' })), isError('IMAGE_UNAVAILABLE', /127\.0\.0\.1:9\/sandboxes-missing:1/));
    assert.deepEqual(await runContainers(), []);
  });

  it('invalid settings name every bad field and start nothing', async () => {
    await assert.rejects(engine.create(testSpec({ cpu: 0, memoryMiB: 4, env: { '1BAD': 'x' } as Record<string, string>, runtime: 'bad runtime!' })), (error: unknown) => {
      isError('INVALID_SPEC')(error);
      const message = (error as SandboxError).message;
      for (const field of ['cpu', 'memoryMiB', '1BAD', 'runtime']) assert.ok(message.includes(field), `names ${field}: ${message}`);
      return true;
    });
    await assert.rejects(engine.create(testSpec({ cpu: -1 })), isError('INVALID_SPEC', /cpu/));
    await assert.rejects(engine.create({ image: '' }), isError('INVALID_SPEC', /image/));
    assert.deepEqual(await runContainers(), []);
  });

  it("a sandbox removed behind the extension's back gives NOT_FOUND everywhere", async () => {
    const sandbox = await engine.create(testSpec());
    await docker.getContainer(sandbox.containerId).remove({ force: true });
    await assert.rejects(sandbox.info(), isError('NOT_FOUND'));
    await assert.rejects(sandbox.exec(['true']), isError('NOT_FOUND'));
    await assert.rejects(sandbox.run(['true']), isError('NOT_FOUND'));
    await assert.rejects(sandbox.wait(), isError('NOT_FOUND'));
    await assert.rejects(sandbox.logs(), isError('NOT_FOUND'));
    await assert.rejects(engine.fromId(sandbox.id), isError('NOT_FOUND', new RegExp(sandbox.id)));
    await sandbox.terminate(); // idempotent, no error
  });

  it('exec in an ended sandbox says it is not running', async () => {
    const sandbox = await engine.create(testSpec({ command: ['true'] }));
    await sandbox.wait();
    await assert.rejects(sandbox.run(['true']), isError('NOT_RUNNING'));
    await sandbox.terminate();
  });

  it('an image without /bin/sh and no command is explained', async () => {
    // The trial image from setup-host.sh has busybox at /bin; make one with no shell at all.
    const stream = new PassThrough();
    stream.end(emptyTar());
    const tag = `sandboxes-test/no-shell:${process.pid}`;
    const progress = (await docker.importImage(
      stream as never,
      { repo: tag.split(':')[0], tag: tag.split(':')[1], changes: ['LABEL sandboxes.test-image=true'] } as never,
    )) as unknown as NodeJS.ReadableStream;
    await new Promise((resolve, reject) => docker.modem.followProgress(progress, (e: Error | null) => (e ? reject(e) : resolve(undefined))));
    try {
      await assert.rejects(engine.create(testSpec({ image: tag })), isError('EXEC_FAILED', /\/bin\/sh/));
      assert.deepEqual(await runContainers(), []);
    } finally {
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
});

/** A tar archive with one empty directory: the smallest importable root filesystem. */
function emptyTar(): Buffer {
  const header = Buffer.alloc(512);
  header.write('tmp/', 0);
  header.write('0000755\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write('00000000000\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('5', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return Buffer.concat([header, Buffer.alloc(1024)]);
}
