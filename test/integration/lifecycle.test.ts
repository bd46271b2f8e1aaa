import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core';
import { cleanupAfterFile, client, docker, RUN_TAGS, testSpec } from './helpers';

cleanupAfterFile();

describe('sandbox lifecycle under gVisor', () => {
  const engine = client();

  it('creates a sandbox that runs under runsc and shows gVisor in dmesg', async () => {
    const sandbox = await engine.create(testSpec());
    const inspect = await docker.getContainer(sandbox.containerId).inspect();
    assert.equal(inspect.HostConfig.Runtime, 'runsc');
    assert.equal(inspect.Config.Labels['sandboxes.managed'], 'true');
    assert.equal(inspect.Config.Labels['sandboxes.id'], sandbox.id);
    assert.match(sandbox.id, /^sb-[a-z0-9]{12}$/);
    const result = await sandbox.run(['dmesg']);
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout, /Starting gVisor/);
    const kernel = await sandbox.run(['uname', '-r']);
    assert.equal(kernel.stdout.trim(), '4.4.0');
    await sandbox.terminate();
  });

  it('reports exit codes, stderr and stdin of exec', async () => {
    const sandbox = await engine.create(testSpec());
    const failing = await sandbox.run(['sh', '-c', 'echo out; echo err >&2; exit 42']);
    assert.deepEqual(failing, { exitCode: 42, stdout: 'out\n', stderr: 'err\n' });
    const echoed = await sandbox.run(['sh', '-c', 'tr a-z A-Z; echo done >&2'], { stdin: 'hello\nworld\n' });
    assert.equal(echoed.stdout, 'HELLO\nWORLD\n');
    assert.equal(echoed.stderr, 'done\n');
    const missing = await sandbox.run(['no-such-command-here']);
    assert.notEqual(missing.exitCode, 0);
    const env = await sandbox.run(['sh', '-c', 'echo "$GREETING" && pwd'], { env: { GREETING: 'hi there' }, workdir: '/tmp' });
    assert.equal(env.stdout, 'hi there\n/tmp\n');
    await sandbox.terminate();
  });

  it('streams a large output intact', async () => {
    const sandbox = await engine.create(testSpec());
    const result = await sandbox.run(['sh', '-c', 'head -c 5000000 /dev/zero | tr "\\0" x']);
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.length, 5_000_000);
    await sandbox.terminate();
  });

  it('gives a PTY exec a terminal whose size follows resize', async () => {
    const sandbox = await engine.create(testSpec());
    const proc = await sandbox.exec(['sh', '-c', 'stty size; read line; stty size; echo "got:$line"'], { pty: { cols: 100, rows: 30 } });
    let output = '';
    proc.stdout.on('data', (chunk) => (output += chunk));
    await until(() => output.includes('30 100'), 5000);
    await proc.resize(132, 43);
    proc.stdin.write('typed\r');
    assert.equal(await proc.wait(), 0);
    assert.match(output, /30 100/);
    assert.match(output, /43 132/);
    assert.match(output, /got:typed/);
    await sandbox.terminate();
  });

  it('applies env, workdir, cpu and memory from the spec', async () => {
    const sandbox = await engine.create(testSpec({ env: { APP_MODE: 'test' }, workdir: '/opt', cpu: 0.5, memoryMiB: 256, name: `named-${process.pid}` }));
    const inspect = await docker.getContainer(sandbox.containerId).inspect();
    assert.equal(inspect.HostConfig.NanoCpus, 500_000_000);
    assert.equal(inspect.HostConfig.Memory, 256 * 1024 * 1024);
    assert.equal(sandbox.name, `named-${process.pid}`);
    const result = await sandbox.run(['sh', '-c', 'echo $APP_MODE; pwd']);
    assert.equal(result.stdout, 'test\n/opt\n');
    await assert.rejects(engine.create(testSpec({ name: `named-${process.pid}` })), (e: SandboxError) => e.code === 'NAME_IN_USE');
    await sandbox.terminate();
  });

  it('poll and wait report the main process exit code; logs return its output', async () => {
    const sandbox = await engine.create(testSpec({ command: ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; sleep 1; exit 7'] }));
    assert.equal(await sandbox.poll(), null);
    assert.equal(await sandbox.wait(), 7);
    assert.equal(await sandbox.poll(), 7);
    const logs = await sandbox.logs();
    assert.match(logs, /to-stdout/);
    assert.match(logs, /to-stderr/);
    await sandbox.terminate();
  });

  it('terminate removes the container and is idempotent', async () => {
    const sandbox = await engine.create(testSpec());
    await sandbox.terminate();
    await assert.rejects(docker.getContainer(sandbox.containerId).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
    await sandbox.terminate();
    await assert.rejects(sandbox.poll(), (e: SandboxError) => e.code === 'NOT_FOUND');
  });

  it('a new client finds an existing sandbox by id, name and tags, and can use it', async () => {
    // This run's tag as well: another client on the engine may be running this same test.
    const tags = { ...RUN_TAGS, purpose: 'find-me' };
    const sandbox = await engine.create(testSpec({ tags }));
    const other = client();
    const byId = await other.fromId(sandbox.id);
    assert.equal(byId.containerId, sandbox.containerId);
    const byName = await other.fromId(sandbox.name);
    assert.equal(byName.id, sandbox.id);
    const byContainer = await other.fromId(sandbox.containerId);
    assert.equal(byContainer.id, sandbox.id);
    const tagged = await other.list({ tags });
    assert.deepEqual(
      tagged.map((s) => s.id),
      [sandbox.id],
    );
    const info = (await other.listInfo({ tags }))[0];
    assert.equal(info.state, 'running');
    assert.equal(info.runtime, 'runsc');
    assert.deepEqual(info.tags.purpose, 'find-me');
    assert.equal((await byId.run(['echo', 'still here'])).stdout, 'still here\n');
    await byId.terminate();
    assert.deepEqual(await other.list({ tags }), []);
  });

  it('kill() signals an exec and everything it started, and nothing else', async () => {
    const sandbox = await engine.create(testSpec());
    const bystander = await sandbox.exec(['sleep', '300']);
    const proc = await sandbox.exec(['sh', '-c', 'sleep 300 & sleep 301; echo never']);
    await new Promise((r) => setTimeout(r, 300));
    await proc.kill('TERM');
    assert.notEqual(await proc.wait(), 0);
    const ps = await sandbox.run(['ps', '-eo', 'args']);
    assert.doesNotMatch(ps.stdout, /sleep 301/);
    assert.doesNotMatch(ps.stdout, /sleep 300\n.*sleep 300/s, 'the background child was killed too');
    assert.match(ps.stdout, /sleep 300/, 'another exec was left alone');
    await bystander.kill('KILL');
    assert.equal(await bystander.wait(), 137);
    await proc.kill('KILL'); // already ended: a no-op
    await sandbox.terminate();
  });

  it('kills an exec that outlives its timeoutSeconds', async () => {
    const sandbox = await engine.create(testSpec());
    const started = Date.now();
    const result = await sandbox.run(['sleep', '30'], { timeoutSeconds: 1 });
    assert.equal(result.exitCode, 137);
    assert.ok(Date.now() - started < 10_000, 'the exec was not killed in time');
    await sandbox.terminate();
  });
});

function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => (check() ? resolve() : Date.now() > deadline ? reject(new Error('condition not met in time')) : setTimeout(tick, 20));
    tick();
  });
}
