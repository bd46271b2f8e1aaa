/**
 * The warm pool (issue #16) on the real engine with runsc: claims, policies from the first packet,
 * tags and lifetimes, refills, racing clients, members killed from outside, the cold path, and
 * nothing left behind. Targets for the allowlist are this file's own containers on its own
 * network in a documentation range (198.51.100.0/24 or 203.0.113.0/24); nothing else is contacted.
 * Clients use an isolated run directory, so the reaper their pools start is this file's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { isSandboxError, type SandboxClient, type SandboxSpec } from '../../src/core';
import { cleanupAfterFile, client, docker, RUN_ID, testSpec, TEST_IMAGE, until } from './helpers';
import { isolatedHome, stopReapersAfterFile, warmInChildThenKill } from './reaperHelpers';

cleanupAfterFile();
stopReapersAfterFile();

const PROBE = fs.readFileSync(path.join(__dirname, 'fixtures/probe.py'), 'utf8');
const TARGETS = fs.readFileSync(path.join(__dirname, 'fixtures/targets.py'), 'utf8');
const TEST_LABELS = { 'sandboxes.test': RUN_ID };
const TARGET_NETWORK = `sandboxes-test-pool-targets-${RUN_ID}`;
const home = isolatedHome('pool');
const extra: Docker.Container[] = [];
let targetNetwork: Docker.Network | undefined;

/** A client of this file (closed after it), with the file's run directory for its reaper. */
function poolClient(): SandboxClient {
  return client({ runDir: home.runDir });
}

/** A spec only this test uses (its own tag), so pools of different tests never serve each other. */
function poolSpec(test: string, more: Partial<SandboxSpec> = {}): SandboxSpec {
  return testSpec({ ...more, tags: { 'pool-test': test, ...(more.tags ?? {}) } });
}

/** Unclaimed members of this run's pools for one test (sandbox containers still named sandboxes-pool-…). */
async function pooled(test: string): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({
    all: true,
    filters: { label: ['sandboxes.pool=true', 'sandboxes.role=sandbox', `sandboxes.tag.pool-test=${test}`, `sandboxes.tag.test-run=${RUN_ID}`] },
  });
  return all.filter((c) => c.Names.some((n) => n.startsWith('/sandboxes-pool-')));
}

async function guardOf(sandboxId: string): Promise<string> {
  const [guard] = await docker.listContainers({ filters: { label: [`sandboxes.id=${sandboxId}`, 'sandboxes.role=guard'] } });
  assert.ok(guard, `sandbox ${sandboxId} has a running guard`);
  return guard.Id;
}

/** A network of this file's in a documentation range (a free /28 of it: other tests may hold others). */
async function createTargetNetwork(): Promise<Docker.Network> {
  const candidates: string[] = [];
  for (const base of ['198.51.100', '203.0.113']) for (let i = 0; i < 16; i++) candidates.push(`${base}.${i * 16}/28`);
  const start = process.pid % candidates.length;
  let last: unknown;
  for (let i = 0; i < candidates.length; i++) {
    const subnet = candidates[(start + i) % candidates.length];
    try {
      return await docker.createNetwork({ Name: TARGET_NETWORK, Driver: 'bridge', IPAM: { Config: [{ Subnet: subnet }] }, Labels: TEST_LABELS } as never);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

async function startTarget(name: string): Promise<string> {
  const container = await docker.createContainer({
    name: `sandboxes-test-pool-${name}-${RUN_ID}`,
    Image: TEST_IMAGE,
    Cmd: ['python3', '-u', '-c', TARGETS, name],
    Labels: TEST_LABELS,
    HostConfig: { NetworkMode: TARGET_NETWORK, Runtime: 'runc' },
  });
  extra.push(container);
  await container.start();
  await until(async () => String(await container.logs({ stdout: true, stderr: true } as never)).includes('ready'), 15_000, `${name} to listen`);
  const address = (await container.inspect()).NetworkSettings.Networks[TARGET_NETWORK].IPAddress;
  assert.match(address, /^(198\.51\.100|203\.0\.113)\./, 'the target is in a documentation range');
  return address;
}

after(async () => {
  for (const c of extra) await c.remove({ force: true }).catch(() => undefined);
  await targetNetwork?.remove().catch(() => undefined);
});

describe('warm pool', () => {
  let allowed: string;
  let denied: string;

  before(async () => {
    targetNetwork = await createTargetNetwork();
    allowed = await startTarget('allowed');
    denied = await startTarget('denied');
    // Seen from the host side before anything is sent from a sandbox: both answer.
    for (const address of [allowed, denied]) {
      const out = execFileSync(
        'docker',
        ['exec', `sandboxes-test-pool-allowed-${RUN_ID}`, 'python3', '-c', `import urllib.request; print(urllib.request.urlopen("http://${address}:8080/", timeout=3).status)`],
        { encoding: 'utf8' },
      );
      assert.equal(out.trim(), '200');
    }
  });

  it("a claimed sandbox holds its allowlist from the first packet; pooled sandboxes are nobody's", async () => {
    const engine = poolClient();
    const spec = poolSpec('policy');
    await engine.warm(spec, 1);
    const [member] = await pooled('policy');
    assert.ok(member, 'the pool started a sandbox');
    const memberId = member.Labels['sandboxes.id'];
    // Unclaimed: not listed, not found, closed (its guard holds the blocked policy).
    assert.ok(!(await engine.listInfo({ tags: spec.tags })).some((s) => s.id === memberId), 'a pooled sandbox is not listed');
    await assert.rejects(engine.fromId(memberId), (e) => isSandboxError(e, 'NOT_FOUND'));
    await assert.rejects(engine.fromId(member.Id), (e) => isSandboxError(e, 'NOT_FOUND'));
    // Its guard joins the targets' network while it is closed, so only the policy stands between them.
    await targetNetwork!.connect({ Container: await guardOf(memberId) });

    const sandbox = await engine.create({ ...spec, name: `pool-policy-${RUN_ID}`, cidrAllowlist: [`${allowed}/32`] });
    // The first thing the sandbox sends after the claim: the policy is already in force.
    const result = await sandbox.run([
      'python3',
      '-c',
      PROBE,
      JSON.stringify([
        ['tcp', allowed, 8080],
        ['tcp', denied, 8080],
        ['udp', denied, 9090],
      ]),
    ]);
    assert.equal(sandbox.id, memberId, 'create claimed the pooled sandbox');
    assert.equal(result.exitCode, 0, result.stderr);
    const probe = JSON.parse(result.stdout) as Record<string, string>;
    assert.match(probe[`tcp ${allowed} 8080`], /^ok:.*200/, 'the allowlisted target answers');
    assert.match(probe[`tcp ${denied} 8080`], /^err:/, 'anything else is refused');
    assert.match(probe[`udp ${denied} 9090`], /^err:/);
    // Claimed: listed, found by id and name, with its name and mode, like a created sandbox.
    const info = (await engine.listInfo({ tags: spec.tags })).find((s) => s.id === memberId);
    assert.equal(info?.name, `pool-policy-${RUN_ID}`);
    assert.equal(info?.networkMode, 'allowlist');
    assert.equal((await engine.fromId(`pool-policy-${RUN_ID}`)).id, memberId);
    assert.equal((await sandbox.info()).name, `pool-policy-${RUN_ID}`);
    assert.equal((await sandbox.info()).networkMode, 'allowlist');
    assert.equal((await sandbox.networkPolicy()).mode, 'allowlist');
    await sandbox.terminate();
    assert.deepEqual(
      await docker.listContainers({ all: true, filters: { label: [`sandboxes.id=${memberId}`] } }),
      [],
      'terminate removes the sandbox, its guard and its claim record',
    );
  });

  it('tags and lifetimes hold for a claimed sandbox (timeout counted from the claim, enforced by the reaper)', async () => {
    const engine = poolClient();
    const spec = poolSpec('lifetime');
    await engine.warm(spec, 1);
    const [member] = await pooled('lifetime');
    const claimedAt = Date.now();
    const sandbox = await engine.create({ ...spec, timeoutSeconds: 3 });
    assert.equal(sandbox.id, member.Labels['sandboxes.id'], 'create claimed the pooled sandbox');
    const info = (await engine.listInfo({ tags: { 'pool-test': 'lifetime' } })).find((s) => s.id === sandbox.id);
    assert.ok(info, 'list({ tags }) finds the claimed sandbox');
    assert.deepEqual(info.tags, spec.tags);
    assert.ok(info.expiresAt && Math.abs(info.expiresAt.getTime() - (claimedAt + 3000)) < 2000, `expires 3 s after the claim (${info.expiresAt?.toISOString()})`);
    assert.deepEqual((await sandbox.info()).expiresAt, info.expiresAt, 'info() agrees with list()');
    const exitCode = await until(async () => sandbox.poll(), 20_000, 'the reaper to end the claimed sandbox at its timeout');
    assert.equal(exitCode, 137);
    assert.ok(Date.now() - claimedAt >= 2500, 'not ended before its timeout');
  });

  it('a pool of 3 refills after 3 claims', async () => {
    const engine = poolClient();
    // Three of 512 MiB fit the default pool memory budget (4096 MiB; three default 2048 MiB ones would not).
    const spec = poolSpec('refill', { memoryMiB: 512 });
    assert.equal((await engine.warm(spec, 3)).size, 3);
    const first = new Set((await pooled('refill')).map((c) => c.Labels['sandboxes.id']));
    assert.equal(first.size, 3);
    const claimed = [];
    for (let i = 0; i < 3; i++) claimed.push(await engine.create(spec));
    assert.deepEqual(new Set(claimed.map((s) => s.id)), first, 'each create claimed one of the three');
    await until(async () => (await engine.poolStatus())[0]?.ready === 3, 60_000, 'the pool to be refilled to 3');
    const now = await pooled('refill');
    assert.equal(now.length, 3);
    assert.ok(
      now.every((c) => !first.has(c.Labels['sandboxes.id'])),
      'three new members',
    );
    for (const s of claimed) assert.equal((await s.run(['echo', 'ok'])).stdout, 'ok\n');
  });

  it('two clients racing for one pooled sandbox: exactly one gets it, the other the cold path', async () => {
    const keeper = poolClient();
    const spec = poolSpec('race');
    await keeper.warm(spec, 1);
    const [member] = await pooled('race');
    const [a, b] = [poolClient(), poolClient()];
    const got = await Promise.all([a.create(spec), b.create(spec)]);
    const winners = got.filter((s) => s.id === member.Labels['sandboxes.id']);
    assert.equal(winners.length, 1, `exactly one client claimed ${member.Labels['sandboxes.id']} (got ${got.map((s) => s.id).join(', ')})`);
    assert.notEqual(got[0].id, got[1].id);
    for (const s of got) assert.equal((await s.run(['echo', 'ok'])).stdout, 'ok\n');
  });

  it('a pooled sandbox killed from outside is never handed out, and is replaced', async () => {
    const engine = poolClient();
    const spec = poolSpec('killed');
    await engine.warm(spec, 1);
    const [member] = await pooled('killed');
    const killedId = member.Labels['sandboxes.id'];
    await docker.getContainer(member.Id).kill();
    const sandbox = await engine.create(spec);
    assert.notEqual(sandbox.id, killedId, 'the killed member was not handed out');
    assert.equal((await sandbox.run(['echo', 'ok'])).stdout, 'ok\n');
    await until(
      async () => {
        const now = await pooled('killed');
        return now.length === 1 && now[0].State === 'running' && now[0].Labels['sandboxes.id'] !== killedId;
      },
      60_000,
      'a new running member in place of the killed one',
    );
    await until(
      async () => (await docker.listContainers({ all: true, filters: { label: [`sandboxes.id=${killedId}`] } })).length === 0,
      20_000,
      'the killed member and its guard to be removed',
    );
  });

  it('a create whose spec matches no pool takes the cold path and leaves the pool alone', async () => {
    const engine = poolClient();
    const spec = poolSpec('cold');
    await engine.warm(spec, 1);
    const [member] = await pooled('cold');
    const other = await engine.create({ ...spec, env: { DIFFERENT: '1' } });
    assert.notEqual(other.id, member.Labels['sandboxes.id']);
    assert.equal((await other.run(['sh', '-c', 'echo $DIFFERENT'])).stdout, '1\n');
    const after = await pooled('cold');
    assert.deepEqual(
      after.map((c) => c.Id),
      [member.Id],
      'the pooled sandbox is still there, unclaimed',
    );
  });

  it("the claim's policy goes through the shell waiting in the pooled guard, which verifies it", async () => {
    const engine = poolClient();
    const spec = poolSpec('ready-policy');
    await engine.warm(spec, 1);
    const [member] = await pooled('ready-policy');
    const guardId = await guardOf(member.Labels['sandboxes.id']);
    const [waiting, ...others] = await until(async () => (await docker.getContainer(guardId).inspect()).ExecIDs ?? undefined, 20_000, 'the pool to start a shell in the guard');
    assert.deepEqual(others, [], 'one exec in the pooled guard: the waiting shell');
    const sandbox = await engine.create({ ...spec, cidrAllowlist: ['198.51.100.7/32'] });
    assert.equal(sandbox.containerId, member.Id, 'create claimed the pooled sandbox');
    // Exit 0 only after the guard's apply script verified the rules (a failure there falls back to a new exec).
    const shell = await docker.getExec(waiting).inspect();
    assert.equal(shell.Running, false);
    assert.equal(shell.ExitCode, 0, 'the waiting shell applied and verified the policy');
    const policy = await sandbox.networkPolicy();
    assert.equal(policy.mode, 'allowlist');
    assert.deepEqual(policy.cidrAllowlist, ['198.51.100.7/32']);
  });

  it('the first command of a claimed sandbox (served by the exec started ahead) gets its exact argv, stdin and exit code', async () => {
    const engine = poolClient();
    const spec = poolSpec('first-exec');
    await engine.warm(spec, 1);
    const [member] = await pooled('first-exec');
    const [readyExec] = await until(async () => (await docker.getContainer(member.Id).inspect()).ExecIDs ?? undefined, 20_000, 'the pool to start an exec ahead');
    const sandbox = await engine.create(spec);
    assert.equal(sandbox.containerId, member.Id, 'create claimed the pooled sandbox');
    const script = 'read -r line; printf "%s|" "$0" "$1" "$line"; echo "$FROM_IMAGE_ENV:$(id -u)" >&2; exit 7';
    const first = await sandbox.run(['/bin/sh', '-c', script, "it's $HOME", 'a  b'], { stdin: 'from stdin\n' });
    assert.equal(first.exitCode, 7);
    assert.equal(first.stdout, "it's $HOME|a  b|from stdin|");
    assert.equal(first.stderr, ':0\n');
    assert.equal((await docker.getExec(readyExec).inspect()).ExitCode, 7, 'the exec started ahead ran the first command');
    // The second command starts an exec of its own, as always.
    assert.equal((await sandbox.run(['echo', 'again'])).stdout, 'again\n');
    const waiting = (
      await sandbox.run(['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done | grep -c "sandboxes-ready-exe[c]" || true'])
    ).stdout.trim();
    assert.equal(waiting, '0', 'no waiting shell is left in the claimed sandbox');
  });

  it('a copy-mode spec claims a pooled sandbox of the same spec without the copy, and gets the copy and its review baseline at claim; ignored files stay out', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-pool-copy-'));
    try {
      fs.writeFileSync(path.join(folder, 'main.py'), 'print("hi")\n');
      fs.mkdirSync(path.join(folder, 'src'));
      fs.writeFileSync(path.join(folder, 'src', 'lib.py'), 'X = 1\n');
      fs.writeFileSync(path.join(folder, '.gitignore'), '.env\n');
      fs.writeFileSync(path.join(folder, '.env'), 'SECRET=1\n');
      const engine = poolClient();
      const spec = poolSpec('copy', { mounts: [{ source: folder, mode: 'copy', target: '/workspace' }], workdir: '/workspace' });
      // A pool of the same spec without the copy has the same key (copies are not part of a
      // pooled container: they go in at claim, pool/copyAtClaim.ts).
      await engine.warm({ ...spec, mounts: [] }, 1);
      const [member] = await pooled('copy');
      assert.ok(member, 'the pool has a member');
      const sandbox = await engine.create(spec);
      assert.equal(sandbox.containerId, member.Id, 'create claimed the pooled sandbox');
      assert.deepEqual(await sandbox.changes(), [], 'the copy has its review baseline: nothing changed yet');
      const out = await sandbox.run(['sh', '-c', 'pwd; cat main.py src/lib.py; ls -a']);
      assert.equal(out.exitCode, 0, out.stderr);
      assert.match(out.stdout, /^\/workspace\nprint\("hi"\)\nX = 1\n/);
      assert.doesNotMatch(out.stdout, /\.env/, 'a git-ignored file is not copied');
      assert.match(out.stdout, /\.gitignore/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('close() leaves no pooled container behind', async () => {
    const engine = poolClient();
    const spec = poolSpec('close');
    await engine.warm(spec, 2);
    assert.equal((await pooled('close')).length, 2);
    await engine.close();
    const left = await docker.listContainers({ all: true, filters: { label: ['sandboxes.tag.pool-test=close', `sandboxes.tag.test-run=${RUN_ID}`] } });
    assert.deepEqual(
      left.map((c) => c.Names[0]),
      [],
      'no pooled sandbox, guard or claim record left',
    );
  });

  it('a pool whose process died is removed by the next listing', async () => {
    const spec = poolSpec('orphan');
    const out = warmInChildThenKill(home, spec);
    assert.equal(out, 'ready', 'the child warmed its pool, then was killed');
    assert.equal((await pooled('orphan')).length, 1, 'its pooled sandbox outlived it');
    const engine = poolClient();
    await until(
      async () => {
        await engine.listInfo();
        return (await docker.listContainers({ all: true, filters: { label: ['sandboxes.tag.pool-test=orphan', `sandboxes.tag.test-run=${RUN_ID}`] } })).length === 0;
      },
      20_000,
      'the orphaned pool to be removed',
    );
  });
});
