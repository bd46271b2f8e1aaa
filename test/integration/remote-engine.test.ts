/**
 * Sandboxes on a remote Docker engine (issue #17): a second dockerd in its own network namespace,
 * reachable from here only over SSH and over TCP with mutual TLS (remoteEngine.ts). The test first
 * shows that this machine has no route to the remote engine's bridges, then runs the lifecycle,
 * the network policy, a terminal, the files API and every port kind through the engine's own
 * connection. All traffic stays on the link to that namespace and inside it: the "public" target
 * is a container of this test on a documentation range of the remote engine.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type Sandbox, type SandboxClient, type SandboxError } from '../../src/core';
import { REAPER_HOLDER_LABEL, REAPER_LOCK_NAME } from '../../src/core/engineLock';
import { isProcessAlive, runningReaper } from '../../src/core/lifetime';
import { readReaped } from '../../src/core/reapRecord';
import { TEST_IMAGE, cleanupAfterFile, client as localClient, testSpec } from './helpers';
import { remoteEngineMissing, startRemoteEngine, type RemoteEngine } from './remoteEngine';

cleanupAfterFile();

const TARGET_NET = `sbx-remote-target-${process.pid}`;
let remote: RemoteEngine;
let overSsh: SandboxClient;
let overTls: SandboxClient;
let stateDir: string;
/** The reaper run directory of this file's clients (as a user's would be, private to this test). */
let runDir: string;
let guardImage: string;
let ca: string;

/** Every feature test runs over both ways of reaching a remote engine, against the one engine. */
const TRANSPORTS: { name: string; client: () => SandboxClient }[] = [
  { name: 'SSH', client: () => overSsh },
  { name: 'mutual TLS', client: () => overTls },
];

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  const lib = url.startsWith('https') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { ...options, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function until<T>(check: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    const value = await check().catch(() => null);
    if (value !== null && value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const reaches = async (sandbox: Sandbox, address: string) =>
  (await sandbox.run(['python3', '-c', `import socket; socket.create_connection(("${address}", 80), 3)`])).exitCode === 0;

async function serve(sandbox: Sandbox, argv: string[], port: number): Promise<void> {
  await sandbox.exec(argv);
  await until(
    async () => (await sandbox.run(['python3', '-c', `import socket; socket.create_connection(("127.0.0.1", ${port}), 1)`])).exitCode === 0,
    20_000,
    `a server on port ${port}`,
  );
}

/** What the engine's reaper lock container says about its holder: the holder's pid (this machine runs every "machine"). */
function lockHolder(): number | null {
  const out = remote.cli(['ps', '--filter', `name=^${REAPER_LOCK_NAME}$`, '--format', `{{.Label "${REAPER_HOLDER_LABEL}"}}`]).trim();
  const pid = Number(out.split('/').pop());
  return out && Number.isInteger(pid) ? pid : null;
}
const lockContainers = () =>
  remote
    .cli(['ps', '-q', '--filter', `name=^${REAPER_LOCK_NAME}$`])
    .split('\n')
    .filter(Boolean).length;
const readLog = (dir: string) => {
  try {
    return fs.readFileSync(path.join(dir, 'reaper.log'), 'utf8');
  } catch {
    return '';
  }
};

/** Ends the reaper this file's clients started for the remote endpoint in `dir` (by its pid), and waits for the engine's lock to be free of it. */
async function stopReapersOf(dir: string, endpoint = remote.sshHost): Promise<void> {
  const pid = runningReaper(dir, endpoint);
  if (!pid) return;
  process.kill(pid, 'SIGTERM');
  await until(async () => !isProcessAlive(pid) && lockHolder() !== pid, 30_000, `reaper ${pid} to exit and free the lock`).catch(() => {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  });
}

before(async () => {
  const missing = remoteEngineMissing();
  if (missing) throw new Error(`The remote-engine test cannot run here: ${missing}`);
  const probe = connect();
  guardImage = probe.guardImage;
  await probe.close();
  remote = await startRemoteEngine([TEST_IMAGE, guardImage]);
  // Our "public" network on the remote engine, and two containers on it: one the allowlist names.
  remote.cli(['network', 'create', '--subnet', '203.0.113.0/28', '--label', 'sandboxes-test=remote', TARGET_NET]);
  for (const ip of ['203.0.113.2', '203.0.113.3']) {
    remote.cli(['run', '-d', '--network', TARGET_NET, '--ip', ip, '--label', 'sandboxes-test=remote', TEST_IMAGE, 'python3', '-m', 'http.server', '80']);
  }
  process.env.SSH_AUTH_SOCK = remote.sshAuthSock;
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-remote-'));
  runDir = path.join(stateDir, 'run');
  overSsh = connect({ dockerHost: remote.sshHost, stateDir, runDir });
  // The certificates are read when the client connects, and by its reaper from the endpoint.
  const saved = process.env.DOCKER_CERT_PATH;
  process.env.DOCKER_CERT_PATH = remote.certDir;
  overTls = connect({ dockerHost: remote.tlsHost, stateDir, runDir });
  if (saved === undefined) delete process.env.DOCKER_CERT_PATH;
  else process.env.DOCKER_CERT_PATH = saved;
  ca = await overSsh.caCertificate();
});

after(async () => {
  await overSsh?.close();
  await overTls?.close();
  await remote?.stop();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('a remote Docker engine', () => {
  it('is reachable only through its own connection: this machine has no route to its bridges', async () => {
    const sandbox = await overSsh.create(testSpec({ blockNetwork: true }));
    try {
      const subnets = remote.cli(['network', 'inspect', 'sandboxes', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}']).trim().split(/\s+/);
      assert.ok(
        subnets.every((s) => s.startsWith(remote.address.split('.').slice(0, 3).join('.'))),
        `the remote bridge ${subnets} is in the remote's own range`,
      );
      // No packet is sent: the kernel's route lookup says where one would go.
      const gateway = subnets[0].replace(/\.\d+\/\d+$/, '.129');
      // A blackhole route answers EINVAL; any route through a real interface would be printed.
      let route: string;
      try {
        route = execFileSync('ip', ['route', 'get', gateway], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        route = String((error as { stderr?: string }).stderr);
      }
      assert.match(route, /blackhole|unreachable|Invalid argument|Network is unreachable/, `this machine would not deliver to ${gateway}: ${route}`);
      assert.doesNotMatch(route, / dev /, 'no interface of this machine leads there');
      assert.equal(overSsh.endpoint.description, remote.sshHost);
    } finally {
      await sandbox.terminate();
    }
  });

  for (const t of TRANSPORTS) {
    it(`over ${t.name}: gVisor, the policy (blocked, allowlist), a terminal and the files API`, async () => {
      const sandbox = await t.client().create(testSpec({ cidrAllowlist: ['203.0.113.2/32'] }));
      try {
        const dmesg = await sandbox.run(['dmesg']);
        assert.match(dmesg.stdout, /Starting gVisor/);
        // On-link with the targets (as network.test.ts does locally), so only the policy stands between.
        const guard = remote.cli(['ps', '-q', '--filter', `label=sandboxes.id=${sandbox.id}`, '--filter', 'label=sandboxes.role=guard']).trim();
        assert.ok(guard, 'the sandbox has a guard on the remote engine');
        remote.cli(['network', 'connect', TARGET_NET, guard]);
        await until(() => reaches(sandbox, '203.0.113.2'), 20_000, 'the allowlisted target to answer');
        assert.equal(await reaches(sandbox, '203.0.113.3'), false, 'another address on the same network does not');
        await sandbox.setNetworkPolicy({ blockNetwork: true });
        assert.equal(await reaches(sandbox, '203.0.113.2'), false, 'blocked: nothing answers');

        const terminal = await sandbox.exec(['sh'], { pty: { cols: 80, rows: 24 } });
        let seen = '';
        terminal.stdout.on('data', (c: Buffer) => (seen += c.toString()));
        terminal.stdin.write('stty size && echo remote-$((6*7))\r');
        await until(async () => /remote-42/.test(seen) && /24 80/.test(seen), 20_000, 'the terminal').catch((e: Error) =>
          assert.fail(`${e.message}; it showed: ${JSON.stringify(seen)}`),
        );
        await terminal.resize(100, 30);
        terminal.stdin.write('stty size; exit\r');
        await until(async () => /30 100/.test(seen), 20_000, 'the resize').catch((e: Error) => assert.fail(`${e.message}; it showed: ${JSON.stringify(seen)}`));

        await sandbox.files.write('/tmp/remote/hello.txt', `over ${t.name}`, { mkdirs: true });
        assert.equal((await sandbox.files.read('/tmp/remote/hello.txt')).toString(), `over ${t.name}`);
      } finally {
        await sandbox.terminate();
      }
    });

    it(`over ${t.name}: every port kind through the engine connection (unencrypted, encrypted, h2)`, async () => {
      const sandbox = await t.client().create(testSpec({ unencryptedPorts: [8000], encryptedPorts: [8001], h2Ports: [8443], blockNetwork: true }));
      try {
        await sandbox.run(['sh', '-c', 'mkdir -p /srv && echo "hello remote" > /srv/index.html']);
        await serve(sandbox, ['python3', '-m', 'http.server', '8000', '--directory', '/srv'], 8000);
        await serve(sandbox, ['python3', '-m', 'http.server', '8001', '--directory', '/srv'], 8001);
        await serve(sandbox, ['nghttpd', '--no-tls', '-d', '/srv', '8443'], 8443);
        const tunnels = await sandbox.tunnels();
        assert.equal((await get(`${tunnels[8000].url}/index.html`)).body, 'hello remote\n');
        const secure = await get(`${tunnels[8001].url}/index.html`, { ca });
        assert.equal(secure.status, 200);
        assert.equal(secure.body, 'hello remote\n');
        const session = http2.connect(tunnels[8443].url, { ca });
        try {
          await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
          assert.equal(session.alpnProtocol, 'h2');
          const body = await new Promise<string>((resolve, reject) => {
            const stream = session.request({ ':path': '/index.html' });
            let text = '';
            stream.on('data', (c) => (text += c));
            stream.on('end', () => resolve(text));
            stream.on('error', reject);
          });
          assert.equal(body, 'hello remote\n');
        } finally {
          session.close();
        }
        // A body bigger than any buffer, intact, both ways (the relay half-closes like a socket).
        const big = await sandbox.run(['sh', '-c', 'head -c 3000000 /dev/urandom > /srv/big && sha256sum /srv/big']);
        const res = await new Promise<Buffer>((resolve, reject) => {
          http
            .get(`${tunnels[8000].url}/big`, (r) => {
              const chunks: Buffer[] = [];
              r.on('data', (c: Buffer) => chunks.push(c));
              r.on('end', () => resolve(Buffer.concat(chunks)));
            })
            .on('error', reject);
        });
        const { createHash } = await import('node:crypto');
        assert.equal(createHash('sha256').update(res).digest('hex'), big.stdout.split(' ')[0]);
      } finally {
        await sandbox.terminate();
      }
    });
  }

  it('refuses to bind-mount a folder of this machine on the remote host, and says to copy', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-remote-mount-'));
    try {
      for (const mode of ['readonly', 'readwrite'] as const) {
        await assert.rejects(
          overSsh.create(testSpec({ mounts: [{ source: folder, mode }] })),
          (e: SandboxError) => e.code === 'INVALID_SPEC' && /another machine/.test(e.message) && /copy/.test(e.fix ?? ''),
        );
      }
      fs.writeFileSync(path.join(folder, 'a.txt'), 'copied');
      const sandbox = await overSsh.create(testSpec({ mounts: [{ source: folder, mode: 'copy' }] }));
      try {
        assert.equal((await sandbox.files.read('/workspace/a.txt')).toString(), 'copied');
      } finally {
        await sandbox.terminate();
      }
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('over TCP without a client certificate: refused', async () => {
    const noCert = connect({ dockerHost: remote.tlsHost.replace('https://', 'tcp://'), stateDir, runDir });
    try {
      await assert.rejects(noCert.ping(), (e: SandboxError) => e.code === 'DOCKER_UNREACHABLE');
    } finally {
      await noCert.close();
    }
  });

  it('the relay also works against the local engine (portPath: relay), for the benchmark baseline', async () => {
    const local = localClient({ portPath: 'relay', stateDir });
    const sandbox = await local.create(testSpec({ unencryptedPorts: [8000] }));
    try {
      await serve(sandbox, ['python3', '-m', 'http.server', '8000'], 8000);
      const { 8000: tunnel } = await sandbox.tunnels();
      assert.equal((await get(`${tunnel.url}/`)).status, 200);
    } finally {
      await sandbox.terminate();
    }
  });

  // The TLS one also shows that the reaper, started later, is given the certificates its client read.
  for (const t of TRANSPORTS) {
    it(`over ${t.name}: lifetimes end sandboxes, by a reaper on this machine reaching the engine over its connection`, async () => {
      const client = t.client();
      const timed = await client.create(testSpec({ timeoutSeconds: 3, blockNetwork: true }));
      const idle = await client.create(testSpec({ idleTimeoutSeconds: 2, blockNetwork: true }));
      try {
        const reaper = runningReaper(runDir, client.endpoint.description);
        assert.ok(reaper, 'creating a sandbox with a lifetime started a reaper for the remote endpoint');
        // Bounded waits for what the reaper does, not timings.
        assert.equal(await until(async () => timed.poll(), 60_000, 'the sandbox with timeoutSeconds to end'), 137);
        assert.equal(await until(async () => idle.poll(), 60_000, 'the idle sandbox to end'), 137);
        assert.equal((await timed.ending())?.reason, 'timeout');
        assert.equal((await idle.ending())?.reason, 'idleTimeout');
      } finally {
        await timed.terminate();
        await idle.terminate();
        await stopReapersOf(runDir, client.endpoint.description);
      }
    });
  }

  it('over SSH: a snapshot of a sandbox is an image of the remote engine; a sandbox starts from it; it is removed there', async () => {
    const source = await overSsh.create(testSpec({ blockNetwork: true }));
    let ref: string | undefined;
    try {
      await source.files.write('/root/remote-snapshot.txt', 'kept in the snapshot');
      ref = await source.snapshotFilesystem();
      assert.ok(
        (await overSsh.listSnapshots()).some((s) => s.ref === ref),
        `the remote engine lists ${ref}`,
      );
      assert.ok(remote.cli(['image', 'inspect', '--format', '{{.Id}}', ref]).trim(), 'the image is on the remote engine');
      assert.throws(() => execFileSync('docker', ['image', 'inspect', ref as string], { stdio: 'ignore' }), 'and not on this machine');
      const restored = await overSsh.create(testSpec({ image: ref, blockNetwork: true }));
      try {
        assert.equal((await restored.files.read('/root/remote-snapshot.txt')).toString(), 'kept in the snapshot');
      } finally {
        await restored.terminate();
      }
      await overSsh.removeSnapshot(ref);
      assert.equal(remote.cli(['images', '-q', ref]).trim(), '', 'the snapshot image is gone from the remote engine');
      ref = undefined;
    } finally {
      await source.terminate();
      if (ref) remote.cli(['rmi', '-f', ref]);
    }
  });

  it("over SSH: one reaper per engine, locked on the engine; when it dies, the other machine's reaper takes over", async () => {
    // Two "machines": each its own run directory (and HOME), each a client that starts its reaper.
    const machines = ['a', 'b'].map((name) => {
      const root = fs.mkdtempSync(path.join(stateDir, `machine-${name}-`));
      const dir = path.join(root, 'run');
      return { name, runDir: dir, client: connect({ dockerHost: remote.sshHost, stateDir: root, runDir: dir }) };
    });
    const [a, b] = machines;
    const made: Sandbox[] = [];
    try {
      made.push(await a.client.create(testSpec({ timeoutSeconds: 600, blockNetwork: true })));
      const reaperA = runningReaper(a.runDir, a.client.endpoint.description);
      assert.ok(reaperA, "machine a's client started a reaper");
      await until(async () => lockHolder() === reaperA, 30_000, "machine a's reaper to hold the engine's lock");
      made.push(await b.client.create(testSpec({ timeoutSeconds: 600, blockNetwork: true })));
      const reaperB = runningReaper(b.runDir, b.client.endpoint.description);
      assert.ok(reaperB && reaperB !== reaperA, "machine b's client started its own reaper (it sees none in its run directory)");
      // B's reaper found the lock held and stands by: it does not reap, and does not exit.
      await until(async () => /stand/.test(readLog(b.runDir)), 30_000, "machine b's reaper to stand by");
      assert.equal(lockHolder(), reaperA, 'the lock stays with a');
      assert.equal(lockContainers(), 1, 'exactly one lock on the engine');
      assert.ok(isProcessAlive(reaperB), 'b waits');

      process.kill(reaperA, 'SIGKILL'); // started by this test's client: ours to end
      await until(async () => lockHolder() === reaperB, 90_000, "machine b's reaper to take the lock over");
      // A lifetime still holds: a sandbox whose deadline only b's reaper can see to.
      const soon = await b.client.create(testSpec({ timeoutSeconds: 3, blockNetwork: true }));
      made.push(soon);
      assert.equal(runningReaper(b.runDir, b.client.endpoint.description), reaperB, 'no new reaper on b');
      assert.equal(await until(async () => soon.poll(), 60_000, 'the sandbox to be ended by the reaper that took over'), 137);
      assert.equal(readReaped(b.runDir, (await soon.info()).containerId), 'timeout', "b's reaper recorded ending it");
    } finally {
      for (const s of made) await s.terminate().catch(() => undefined);
      for (const m of machines) {
        await stopReapersOf(m.runDir);
        await m.client.close();
      }
    }
  });

  it("over SSH: a container planted under the lock's name that is no lock (another Docker user's `sleep`) does not stop lifetimes", async () => {
    await until(async () => lockContainers() === 0, 30_000, 'the lock of the earlier tests to be gone');
    remote.cli(['run', '-d', '--name', REAPER_LOCK_NAME, '--label', 'sandboxes-test=remote', TEST_IMAGE, 'sleep', '600']);
    try {
      const soon = await overSsh.create(testSpec({ timeoutSeconds: 3, blockNetwork: true }));
      try {
        assert.equal(await until(async () => soon.poll(), 60_000, 'the sandbox to be ended at its deadline despite the planted container'), 137);
      } finally {
        await soon.terminate();
      }
    } finally {
      remote.cli(['rm', '-f', REAPER_LOCK_NAME]);
      await stopReapersOf(runDir);
    }
  });

  // Last: it restarts the remote engine's own dockerd (this file's, never this machine's).
  it('over SSH: after the remote dockerd restarts, no lock outlives its holder; a reaper holds it again and a lifetime holds', async (t) => {
    const endpoint = overSsh.endpoint.description;
    const before = await overSsh.create(testSpec({ timeoutSeconds: 600, blockNetwork: true }));
    try {
      const reaper = runningReaper(runDir, endpoint);
      assert.ok(reaper, 'a reaper for the remote endpoint');
      await until(async () => lockHolder() === reaper, 30_000, 'the reaper to hold the engine lock');
      await remote.restartDaemon();
      // No live-restore: the sandbox stopped with the daemon (the lock is only the reaper's; the
      // guard's policy does not depend on it).
      await until(async () => (await before.poll()) !== null, 60_000, 'the sandbox to be seen stopped after the restart');
      // Whatever lock container is on the engine now is held by a live reaper, not left over.
      await until(
        async () => {
          const holder = lockHolder();
          return lockContainers() === 0 || (holder !== null && isProcessAlive(holder));
        },
        60_000,
        'no stale lock',
      );
      const soon = await overSsh.create(testSpec({ timeoutSeconds: 3, blockNetwork: true }));
      try {
        assert.equal(await until(async () => soon.poll(), 60_000, 'a new sandbox to be ended by its timeout after the restart'), 137);
        const holder = lockHolder();
        assert.ok(holder === null || isProcessAlive(holder), 'the lock is held by a live reaper, or free');
      } finally {
        await soon.terminate();
      }
    } finally {
      // What the reaper saw of its lock, for the record.
      for (const line of readLog(runDir)
        .split('\n')
        .filter((l) => /lock|standing/.test(l)))
        t.diagnostic(line);
      await before.terminate().catch(() => undefined);
      await stopReapersOf(runDir, endpoint);
    }
  });
});
