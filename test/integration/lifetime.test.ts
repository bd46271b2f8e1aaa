/**
 * Lifetimes hold without an editor running, for every client, on time. Clients here run in
 * isolated homes (reaperHelpers.ts): the reapers they start are this file's, and are ended by it.
 * Other clients' sandboxes on the engine are watched by those reapers too (they may keep them
 * alive), so "the reaper exits by itself" is asserted against a test-only endpoint (fakeDocker.ts).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it, after } from 'node:test';
import { LABEL } from '../../src/core/labels';
import { isProcessAlive, isReaperProcess, reaperScript, runningReaper } from '../../src/core/lifetime';
import { cleanupAfterFile, client, testSpec, until } from './helpers';
import { ENDPOINT, createInChild, isolatedHome, reapersOf, stopReapersAfterFile } from './reaperHelpers';
import { FakeDocker } from './fakeDocker';

cleanupAfterFile();
stopReapersAfterFile();

describe('sandbox lifetimes hold without an editor running', () => {
  const engine = client();

  it('kills a sandbox at timeoutSeconds after the process that created it has exited', async () => {
    const home = isolatedHome('timeout');
    const started = Date.now();
    const created = createInChild(home, { timeoutSeconds: 3 });
    const returned = Date.now();
    assert.ok(created.id, `create failed: ${created.error?.message}`);
    const sandbox = await engine.fromId(created.id);
    const info = await sandbox.info();
    assert.equal(info.state, 'running');
    // The deadline counts from the create, somewhere between the child's start and its return
    // (the child compiles the sources first: seconds under load).
    const deadline = info.expiresAt?.getTime() ?? 0;
    assert.ok(deadline >= started + 3000 - 1000 && deadline <= returned + 3000 + 1000, `expiresAt ${info.expiresAt?.toISOString()} is 3 s after the create`);
    const reaper = runningReaper(home.runDir, ENDPOINT);
    assert.ok(reaper && isProcessAlive(reaper), 'a detached reaper watches the deadline');
    assert.deepEqual(reapersOf(home), [reaper], 'the pid file names the reaper its client started');
    const exitCode = await until(async () => sandbox.poll(), 15_000, 'the sandbox to be ended by its timeout');
    assert.equal(exitCode, 137);
    const endedAfter = Date.now() - started;
    assert.ok(endedAfter >= 2500, `ended too early (${endedAfter} ms)`);
  });

  it('ends a sandbox idle for idleTimeoutSeconds, but not while a command runs', async () => {
    const home = isolatedHome('idle');
    const own = client({ runDir: home.runDir });
    const sandbox = await own.create(testSpec({ idleTimeoutSeconds: 2 }));
    const busy = await sandbox.run(['sleep', '4']);
    assert.equal(busy.exitCode, 0, 'the sandbox was ended while a command was running');
    const finishedAt = Date.now();
    await until(async () => (await sandbox.poll()) !== null, 15_000, 'the idle sandbox to be ended');
    assert.ok(Date.now() - finishedAt >= 1500, 'ended before it was idle for idleTimeoutSeconds');
    // The in-process client started the reaper through the same env-independent option.
    const reaper = runningReaper(home.runDir, ENDPOINT);
    assert.ok(reaper && isReaperProcess(reaper, ENDPOINT), 'a reaper for this endpoint, in this run directory');
  });

  it('a reaper already sleeping toward a far deadline ends a sandbox another client creates at its idle deadline', async () => {
    const home = isolatedHome('asleep');
    // One client makes a sandbox with a far deadline and exits: its reaper then sleeps.
    const far = createInChild(home, { timeoutSeconds: 600 });
    assert.ok(far.id, `create failed: ${far.error?.message}`);
    await until(async () => reapersOf(home).length === 1, 10_000, 'the reaper of the first client');
    const sleeping = reapersOf(home)[0];
    await new Promise((resolve) => setTimeout(resolve, 2000)); // it has looked once and sleeps now
    // Another client, another process: finds the reaper running and starts none.
    const soon = createInChild(home, { idleTimeoutSeconds: 2 });
    assert.ok(soon.id, `create failed: ${soon.error?.message}`);
    const sandbox = await engine.fromId(soon.id);
    // Bounded wait, not a benchmark: 2 s idle, then at most a second for the reaper to act.
    assert.equal(await until(async () => sandbox.poll(), 3000, 'the idle sandbox to be ended by the sleeping reaper'), 137);
    assert.deepEqual(reapersOf(home), [sleeping], 'the same reaper, no second one');
    assert.equal((await (await engine.fromId(far.id)).info()).state, 'running', 'the far deadline is still ahead');
  });
});

describe('the reaper of an endpoint nobody else uses', () => {
  const home = isolatedHome('fake-endpoint');
  const fake = new FakeDocker(path.join(home.root, 'docker.sock'));
  let reaper: ChildProcess | undefined;
  after(async () => {
    if (reaper?.pid && reaper.exitCode === null) reaper.kill('SIGTERM');
    await fake.close();
  });

  const sandbox = (id: string, expiresInMs: number) => ({
    Id: id,
    State: 'running' as const,
    Labels: { [LABEL.managed]: 'true', [LABEL.id]: `sb-${id}`, [LABEL.role]: 'sandbox', [LABEL.expiresAt]: new Date(Date.now() + expiresInMs).toISOString() },
  });

  it('learns of a new sandbox from the event stream at once, ends it at its deadline, and exits once nothing has a deadline', async () => {
    await fake.listen();
    fake.add(sandbox('far', 600_000));
    const script = reaperScript();
    assert.ok(script, 'dist/reaper.js is built (npm run build)');
    const started = spawn(process.execPath, [script], {
      stdio: 'ignore',
      env: { ...home.env, SANDBOXES_REAPER_DOCKER_HOST: fake.dockerHost, SANDBOXES_REAPER_ENDPOINT: fake.dockerHost },
    });
    reaper = started;
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    await until(async () => fake.listCalls > 0, 10_000, 'the reaper to look at the endpoint');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // it sleeps toward the far deadline now

    const soon = sandbox('soon', 1000);
    const deadline = Date.parse(soon.Labels[LABEL.expiresAt]);
    fake.add(soon);
    fake.emit('start', soon.Id);
    const killedAt = await until(async () => fake.kills.get('soon'), 5000, 'the new sandbox to be ended at its deadline');
    assert.ok(killedAt >= deadline, `ended ${deadline - killedAt} ms before its deadline`);
    assert.ok(!fake.kills.has('far'), 'the far deadline is still ahead');

    // The far one is stopped by someone else: nothing has a deadline any more.
    fake.containers.get('far')!.State = 'exited';
    fake.emit('die', 'far');
    await until(async () => started.exitCode !== null || started.signalCode !== null, 30_000, 'the reaper to exit by itself');
    await exited;
    assert.equal(started.exitCode, 0);
    const pidFiles = fs.existsSync(home.runDir) ? fs.readdirSync(home.runDir).filter((f) => f.endsWith('.pid')) : [];
    assert.deepEqual(pidFiles, [], 'it removed its pid file');
  });
});
