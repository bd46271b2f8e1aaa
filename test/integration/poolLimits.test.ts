/**
 * The warm pool's limits (issue #16) on the real engine with runsc: a pool nobody claims from
 * expires and leaves no container behind, the memory budget clips or refuses `warm()`, a spec the
 * pool would never serve (copy mounts) is refused, and the reaper removes the pool of a process
 * that died without any listing. Each test uses its own tag, so only this file's objects are
 * looked at; clients use an isolated run directory, so the reaper is this file's.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type Docker from 'dockerode';
import type { ConnectOptions, SandboxClient, SandboxSpec } from '../../src/core';
import { cleanupAfterFile, client, docker, isError, RUN_ID, testSpec, until } from './helpers';
import { isolatedHome, stopReapersAfterFile, warmInChildThenKill } from './reaperHelpers';

cleanupAfterFile();
stopReapersAfterFile();

const home = isolatedHome('pool-limits');
const folders: string[] = [];
after(() => {
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

function poolClient(options: ConnectOptions = {}): SandboxClient {
  return client({ runDir: home.runDir, ...options });
}

/** A spec only this test uses (its own tag), so pools of different tests never serve each other. */
function poolSpec(test: string, more: Partial<SandboxSpec> = {}): SandboxSpec {
  return testSpec({ ...more, tags: { 'pool-limits': test, ...(more.tags ?? {}) } });
}

/** Every container of this run for one test: pooled sandboxes, their guards (claim records are checked by sandbox id). */
async function containersOf(test: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`sandboxes.tag.pool-limits=${test}`, `sandboxes.tag.test-run=${RUN_ID}`] } });
}

/** Unclaimed pooled sandboxes of one test (a claim renames its sandbox: `sandboxes-pool-…` are the unclaimed ones). */
async function pooled(test: string): Promise<Docker.ContainerInfo[]> {
  return (await containersOf(test)).filter(
    (c) => c.Labels['sandboxes.pool'] === 'true' && c.Labels['sandboxes.role'] === 'sandbox' && c.Names.some((n) => n.startsWith('/sandboxes-pool-')),
  );
}

/** Any container (sandbox, guard, claim or retiring record) of these sandbox ids. */
async function leftOf(ids: string[]): Promise<Docker.ContainerInfo[]> {
  const out: Docker.ContainerInfo[] = [];
  for (const id of ids) out.push(...(await docker.listContainers({ all: true, filters: { label: [`sandboxes.id=${id}`] } })));
  return out;
}

describe('warm pool limits', () => {
  it('a pool not claimed from for its idle time shrinks to 0 and leaves no container behind', async () => {
    const engine = poolClient();
    const spec = poolSpec('idle');
    const result = await engine.warm(spec, 2, { idleExpirySeconds: 2 });
    assert.equal(result.size, 2);
    const members = await pooled('idle');
    assert.equal(members.length, 2, 'two pooled sandboxes started');
    const ids = members.map((c) => c.Labels['sandboxes.id']);
    // Expiry is checked every few seconds: wait for it, boundedly.
    await until(async () => (await leftOf(ids)).length === 0 && (await containersOf('idle')).length === 0, 30_000, 'the idle pool to be removed');
    assert.deepEqual(await engine.poolStatus(), [], 'the pool ended');
    // Ended, not refilling: still nothing a few maintenance rounds later.
    await new Promise((r) => setTimeout(r, 7_000));
    assert.equal((await containersOf('idle')).length, 0, 'the pool was not refilled');
    // A create with the spec now takes the cold path and works.
    const cold = await engine.create(spec);
    assert.ok(!(await docker.getContainer(cold.containerId).inspect()).Config.Labels['sandboxes.pool'], 'created cold');
    await cold.terminate();
  });

  it('a claim keeps the pool alive, and its idle time counts from the claim', async () => {
    const engine = poolClient();
    const spec = poolSpec('claimed');
    const idleMs = 15_000;
    await engine.warm(spec, 1, { idleExpirySeconds: idleMs / 1000 });
    const warmed = Date.now();
    await new Promise((r) => setTimeout(r, 8_000));
    const sandbox = await engine.create(spec);
    assert.equal((await docker.getContainer(sandbox.containerId).inspect()).Config.Labels['sandboxes.pool'], 'true', 'claimed from the pool');
    // Past the idle time counted from warm() (by 2 s), but only 9 s or so after the claim: a
    // pool counted from warm() would be gone by now (behaviour, with 6 s to spare either way).
    await new Promise((r) => setTimeout(r, Math.max(0, warmed + idleMs + 2_000 - Date.now())));
    assert.equal((await engine.poolStatus())[0]?.size, 1, 'the pool lives on after a claim');
    await until(async () => (await engine.poolStatus()).length === 0 && (await pooled('claimed')).length === 0, 30_000, 'the pool to expire after the claim');
    await sandbox.terminate();
  });

  it('the memory budget clips warm(), counts other pools, and refuses when nothing fits', async () => {
    const engine = poolClient({ poolMemoryBudgetMiB: 600 });
    const result = await engine.warm(poolSpec('budget', { memoryMiB: 256 }), 3);
    assert.equal(result.size, 2, 'clipped to two members of 256 MiB in 600 MiB');
    assert.match(result.clipped ?? '', /keeps 2 instead of 3.*768 MiB.*600 MiB/);
    assert.equal((await pooled('budget')).length, 2, 'two members started, not three');
    assert.equal((await engine.poolStatus())[0]?.size, 2);
    // 88 MiB left: another pool of 256 MiB members does not fit at all.
    await assert.rejects(engine.warm(poolSpec('budget-2', { memoryMiB: 256 }), 1), isError('POOL_BUDGET', /budget is 600 MiB with 512 MiB held by other pools/));
    assert.equal((await pooled('budget-2')).length, 0, 'nothing started for the refused pool');
    // Warming the same pool again with a smaller size frees budget and removes the extra member.
    await engine.warm(poolSpec('budget', { memoryMiB: 256 }), 1);
    await until(async () => (await pooled('budget')).length === 1, 30_000, 'the pool to shrink to 1');
    assert.equal((await engine.warm(poolSpec('budget-2', { memoryMiB: 256 }), 1)).size, 1, 'fits now');
    await engine.close();
    assert.equal((await pooled('budget')).length + (await pooled('budget-2')).length, 0, 'close() removed both pools');
  });

  it('a copy-mode spec is pooled: the workspace goes in at claim (ignored files stay out), with its review baseline', async () => {
    const engine = poolClient();
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-pool-copy-'));
    folders.push(folder);
    fs.writeFileSync(path.join(folder, 'main.py'), 'print("hi")\n');
    fs.mkdirSync(path.join(folder, 'src'));
    fs.writeFileSync(path.join(folder, 'src', 'lib.py'), 'X = 1\n');
    fs.writeFileSync(path.join(folder, '.gitignore'), '.env\n');
    fs.writeFileSync(path.join(folder, '.env'), 'SECRET=1\n');
    const spec = poolSpec('copy', { mounts: [{ source: folder, mode: 'copy', target: '/workspace' }], workdir: '/workspace' });
    await engine.warm(spec, 1);
    const [member] = await pooled('copy');
    assert.ok(member, 'a pooled sandbox was started for the copy-mode spec (without the copy)');
    const sandbox = await engine.create(spec);
    assert.equal(sandbox.containerId, member.Id, 'create claimed the pooled sandbox');
    const out = await sandbox.run(['sh', '-c', 'pwd; cat main.py src/lib.py; ls -a']);
    assert.equal(out.exitCode, 0, out.stderr);
    assert.match(out.stdout, /^\/workspace\nprint\("hi"\)\nX = 1\n/);
    assert.doesNotMatch(out.stdout, /\.env/, 'a git-ignored file is not copied');
    // Review Sandbox Changes works as for a cold copy: nothing changed yet, then exactly the edit.
    assert.deepEqual(await sandbox.changes(), []);
    await sandbox.files.write('/workspace/src/lib.py', 'X = 2\n');
    const changes = await sandbox.changes();
    assert.deepEqual(
      changes.map((c) => [c.rel, c.kind]),
      [['src/lib.py', 'changed']],
    );
    await engine.close();
  });

  it('the reaper removes the pool of a process that died, without any listing', async () => {
    const spec = poolSpec('reaped');
    const out = warmInChildThenKill(home, spec);
    assert.equal(out, 'ready', 'the child warmed its pool, then was killed');
    const ids = (await pooled('reaped')).map((c) => c.Labels['sandboxes.id']);
    assert.equal(ids.length, 1, 'its pooled sandbox outlived it');
    // Only the reaper the child started looks now (this test lists with Docker alone, never with a client).
    await until(async () => (await leftOf(ids)).length === 0, 30_000, 'the reaper to remove the orphaned pool');
  });
});
