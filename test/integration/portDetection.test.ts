/**
 * Ports found by themselves (issue #14): a server started inside a gVisor sandbox is seen by the
 * engine's port watcher, on 0.0.0.0 as forwardable and on 127.0.0.1 as loopback-only; the three
 * ways of reading the ports (the guard's /proc on this machine, an exec in the guard, an exec in
 * the sandbox) agree; the watcher stops by itself when the sandbox ends. Nothing is contacted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ListeningPort, PortWatchEvent, Sandbox, SandboxClient } from '../../src/core';
import { LABEL } from '../../src/core/labels';
import { PortScanner } from '../../src/core/tunnels/portScan';
import { cleanupAfterFile, client, docker, testSpec, until } from './helpers';

cleanupAfterFile();

describe('port detection', () => {
  let engine: SandboxClient;
  let sandbox: Sandbox;

  before(async () => {
    engine = client();
    sandbox = await engine.create(testSpec({ name: `ports-detect-${process.pid}`, command: ['sleep', 'infinity'] }));
  });

  after(async () => {
    await sandbox?.terminate().catch(() => undefined);
  });

  it('sees a server start listening, forwardable or loopback-only, in about a poll interval', async () => {
    assert.deepEqual(
      (await sandbox.listeningPorts()).filter((p) => p.port === 8000 || p.port === 8001),
      [],
      'nothing listens yet',
    );
    const events: PortWatchEvent[] = [];
    const watch = sandbox.watchPorts((e) => events.push(e), { intervalMs: 200 });
    try {
      await watch.ready;
      assert.equal(events[0]?.kind, 'ports');
      assert.equal((events[0] as { initial: boolean }).initial, true);
      const server = await sandbox.exec(['sh', '-c', 'python3 -m http.server 8000 >/dev/null 2>&1 & python3 -m http.server 8001 --bind 127.0.0.1 >/dev/null 2>&1 & sleep 1']);
      server.stdin.end();
      await server.wait();
      const added = await until(
        async () => {
          const all = events.flatMap((e) => (e.kind === 'ports' && !e.initial ? e.added : []));
          return all.some((p) => p.port === 8000) && all.some((p) => p.port === 8001) ? all : undefined;
        },
        20_000,
        'the watcher to report ports 8000 and 8001',
      );
      assert.deepEqual(
        added.find((p) => p.port === 8000),
        { port: 8000, loopbackOnly: false },
      );
      assert.deepEqual(
        added.find((p) => p.port === 8001),
        { port: 8001, loopbackOnly: true },
      );
      assert.ok(!events.some((e) => e.kind === 'error'), `no scan failed: ${JSON.stringify(events.filter((e) => e.kind === 'error'))}`);
    } finally {
      watch.stop();
    }
  });

  it("reads the same ports from the guard's /proc on this machine, an exec in the guard and an exec in the sandbox", async () => {
    const info = await sandbox.info();
    const [guard] = await docker.listContainers({ filters: { label: [`${LABEL.id}=${sandbox.id}`, `${LABEL.role}=guard`] } });
    assert.ok(guard, 'the sandbox has a guard');
    const ours = (ports: ListeningPort[]) => ports.filter((p) => p.port === 8000 || p.port === 8001);
    const local = new PortScanner(docker, { containerId: info.containerId, guardId: guard.Id, networking: 'kernel' });
    const fromHost = ours(await local.scan());
    assert.equal(local.source, 'host-proc', 'a local engine is read without an exec');
    // A guard id the cgroup check cannot match (as with a remote engine): the exec in the guard.
    const remote = new PortScanner(docker, { containerId: info.containerId, guardId: guard.Id, networking: 'kernel' });
    (remote as unknown as { hostProc: Promise<undefined> }).hostProc = Promise.resolve(undefined);
    const fromGuard = ours(await remote.scan());
    assert.equal(remote.source, 'guard-exec');
    const netstack = new PortScanner(docker, { containerId: info.containerId, guardId: guard.Id, networking: 'netstack' });
    const fromSandbox = ours(await netstack.scan());
    assert.equal(netstack.source, 'sandbox-exec');
    assert.deepEqual(fromHost, [
      { port: 8000, loopbackOnly: false },
      { port: 8001, loopbackOnly: true },
    ]);
    assert.deepEqual(fromGuard, fromHost);
    assert.deepEqual(fromSandbox, fromHost);
  });

  it('stops by itself when the sandbox ends', async () => {
    const events: PortWatchEvent[] = [];
    const watch = sandbox.watchPorts((e) => events.push(e), { intervalMs: 200 });
    try {
      await watch.ready;
      await sandbox.terminate();
      await until(async () => events.some((e) => e.kind === 'ended'), 20_000, 'the watcher to say the sandbox ended');
    } finally {
      watch.stop();
    }
  });
});
