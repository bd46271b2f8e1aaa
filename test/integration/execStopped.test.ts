/**
 * A sandbox stopped from outside while a process runs in it: Docker keeps the exec's connection
 * open, so without the engine's stop watch the output would never end and `wait()` would hang
 * (an open terminal would freeze with no message).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupAfterFile, client, docker, testSpec, until } from './helpers';

cleanupAfterFile();

describe('execs of a sandbox stopped from outside', () => {
  const engine = client();

  for (const [how, stop] of [
    [
      'removed by another client',
      async (id: string) => {
        const other = client();
        try {
          await (await other.fromId(id)).terminate();
        } finally {
          await other.close();
        }
      },
    ],
    ['killed with the Docker API', async (_id: string, containerId: string) => void (await docker.getContainer(containerId).kill())],
  ] as const) {
    it(`end, and wait() says why, when the sandbox is ${how}`, async () => {
      const sandbox = await engine.create(testSpec());
      const shell = await sandbox.exec(['/bin/sh', '-c', 'exec bash -l'], { pty: { cols: 80, rows: 24 } });
      let output = '';
      shell.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await until(async () => /[$#] $/.test(output), 15_000, 'the shell prompt');
      const ended = new Promise<void>((resolve) => shell.stdout.once('end', resolve));

      await stop(sandbox.id, sandbox.containerId);
      await ended;
      // Removed: Docker forgot the exec, and wait() says why. Killed: Docker may still report the
      // exec's end as a signal's exit code. Either way wait() returns, and soon.
      const outcome = await shell.wait().then(
        (code) => code,
        (err: { code?: string; message: string }) => `${err.code}: ${err.message}`,
      );
      if (typeof outcome === 'number') assert.ok(outcome > 128, `exit code ${outcome}: killed by a signal`);
      else assert.match(outcome, /^NOT_RUNNING: The sandbox stopped or was removed/);
      await sandbox.terminate().catch(() => undefined);
    });
  }

  it('do not keep a client busy after its execs ended', async () => {
    const sandbox = await engine.create(testSpec());
    assert.equal((await sandbox.run(['true'])).exitCode, 0);
    // The watch's event stream is closed with the last exec: nothing of it is left on the agent.
    const sockets = Object.values((engine.docker.modem as unknown as { agent?: { sockets?: Record<string, unknown[]> } }).agent?.sockets ?? {}).flat();
    assert.equal(sockets.length, 0, 'no open connection to Docker once the exec ended');
    await sandbox.terminate();
  });
});
