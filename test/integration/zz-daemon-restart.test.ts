/**
 * Fail closed across a Docker daemon restart: nothing comes back with an open network, and a create
 * cut short by the restart leaves nothing behind once a client lists. Runs only where this
 * project's setup started dockerd itself (no service manager), since it stops and starts it (twice).
 *
 * It KILLS EVERY SANDBOX ON THE ENGINE, not only its own: stopping dockerd stops every container,
 * other clients' sandboxes, spare guards and a VS Code window's sandboxes included, and none comes
 * back by itself. So it runs last (its name sorts after every other file), and never while
 * anything else uses this engine: not next to other test runs, benchmarks or an editor you work in.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { after, describe, it } from 'node:test';
import type { Sandbox, SandboxSpec } from '../../src/core';
import { FAULT_TAG, bigFolder, collectedByListing, faultTag, hostProcessesGone, killChild, leftoversOf, startCreator, watchNeverOpen } from './faultHelpers';
import { cleanupAfterFile, client, docker, RUN_ID, testSpec, TEST_IMAGE, until } from './helpers';

cleanupAfterFile();

const dockerdPid = (() => {
  try {
    return Number(execFileSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).split('\n')[0]);
  } catch {
    return 0;
  }
})();
const managedBySystemd = fs.existsSync('/run/systemd/system');
const skip = !dockerdPid ? 'dockerd is not running here' : managedBySystemd ? 'dockerd is managed by systemd; not restarting it from a test' : false;
const LABELS = { 'sandboxes.test': RUN_ID };
const NETWORK = `sandboxes-test-restart-${RUN_ID}`;

describe('after a Docker daemon restart the policy still holds', { skip }, () => {
  after(async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.test=${RUN_ID}`] } })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    // The sandbox's guard was connected to it too, and outlives this hook (cleanupAfterFile removes
    // it later): disconnect whatever is still attached, or the network stays behind.
    const network = docker.getNetwork(NETWORK);
    const attached = Object.keys((await network.inspect().catch(() => ({ Containers: {} }))).Containers ?? {});
    for (const id of attached) await network.disconnect({ Container: id, Force: true }).catch(() => undefined);
    await network.remove().catch(() => undefined);
  });

  it('a restarted guard comes back closed; the engine re-applies the policy', async () => {
    await docker.createNetwork({ Name: NETWORK, Driver: 'bridge', Labels: LABELS });
    const target = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['python3', '-m', 'http.server', '8080'],
      Labels: LABELS,
      HostConfig: { NetworkMode: NETWORK, Runtime: 'runc' },
    });
    await target.start();
    const targetIp = (await target.inspect()).NetworkSettings.Networks[NETWORK].IPAddress;
    const fetchFrom = (ip: string) => `import urllib.request; print(urllib.request.urlopen("http://${ip}:8080/", timeout=2).status)`;
    const fetch = fetchFrom(targetIp);

    const sandbox = await client().create(testSpec({ cidrAllowlist: [`${targetIp}/32`] }));
    const [guard] = await docker.listContainers({ filters: { label: [`sandboxes.id=${sandbox.id}`, 'sandboxes.role=guard'] } });
    await docker.getNetwork(NETWORK).connect({ Container: guard.Id });
    await until(async () => (await sandbox.run(['python3', '-c', fetch])).stdout.trim() === '200', 10_000, 'the allowed target');

    // Stop the engine this project started, then start it again the way the setup does.
    process.kill(dockerdPid, 'SIGTERM');
    await until(async () => !isAlive(dockerdPid), 60_000, 'dockerd to stop');
    execFileSync('bash', [path.resolve(__dirname, '../../scripts/setup-host.sh')], { stdio: 'ignore' });

    assert.notEqual(await sandbox.poll(), null, 'containers do not come back by themselves');
    // Someone starts the guard and the sandbox by hand: the guard's own PID 1 closes the namespace first.
    await docker.getContainer(guard.Id).start();
    await docker.getContainer(sandbox.containerId).start();
    await target.start().catch(() => undefined);
    // Addresses are handed out again on start: the target may have a new one.
    const newIp = (await target.inspect()).NetworkSettings.Networks[NETWORK].IPAddress;
    const closed = await sandbox.run(['python3', '-c', fetchFrom(newIp)], { timeoutSeconds: 10 });
    assert.notEqual(closed.exitCode, 0, `the target must not be reachable before the policy is re-applied: ${closed.stdout}`);
    assert.equal((await sandbox.networkPolicy()).mode, 'blocked', 'no recorded policy: the deny-all rules are in force');

    await sandbox.setNetworkPolicy({ cidrAllowlist: [`${newIp}/32`] });
    await until(async () => (await sandbox.run(['python3', '-c', fetchFrom(newIp)])).stdout.trim() === '200', 15_000, 'the re-applied policy');
    await sandbox.terminate();
  });
});

/**
 * #13, 6: a dockerd restart in the middle of creates, one in a child process (cut mid-copy of its
 * workspace, and then exiting, as a script would) and one in this process (which lives on, as an
 * editor would). Both creates fail; the containers they had made survive the restart (the guard
 * exited, the sandbox container created, never started) and must be removed by the next listing:
 * the first because its creator is gone, the second because this process's create is over. At no
 * moment may a sandbox of either run with a network other than its restricted one.
 */
describe('a dockerd restart during a create leaves nothing behind and nothing open', { skip }, () => {
  const POLICY = { cidrAllowlist: ['192.0.2.0/24'] }; // a documentation range: nothing is sent there
  const specFor = (tag: string, extra: Partial<SandboxSpec>) => testSpec({ ...POLICY, ...extra, tags: { [FAULT_TAG]: tag } });
  let tmp: string | undefined;
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates cut by the restart fail, and the next listing removes what they made', async (t) => {
    // The case above restarted dockerd: find the one running now.
    const pid = currentDockerdPid();
    assert.ok(pid, 'dockerd runs');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-restart-create-'));
    const folder = bigFolder(tmp, 3000, 40 * 1024 * 1024);
    const childTag = faultTag('restart-child');
    const selfTag = faultTag('restart-self');
    const watches = [watchNeverOpen(childTag, POLICY), watchNeverOpen(selfTag, POLICY)];
    const own = client();
    const creator = startCreator(specFor(childTag, { mounts: [{ source: folder, mode: 'copy' }] }));
    let selfCopied = 0;
    const selfCreate: Promise<{ sandbox?: Sandbox; error?: Error }> = own
      .create(specFor(selfTag, { mounts: [{ source: folder, mode: 'copy' }] }), { onCopyProgress: (p) => (selfCopied = p.files) })
      .then(
        (sandbox) => ({ sandbox }),
        (error: Error) => ({ error }),
      );
    try {
      await creator.line(
        (l) => {
          if (!l.startsWith('copy ')) return false;
          const p = JSON.parse(l.slice(5)) as { files: number; totalFiles: number };
          return p.files >= p.totalFiles / 10 && p.files < p.totalFiles / 2;
        },
        90_000,
        "the child's copy under way",
      );
      t.diagnostic(`restarting dockerd (pid ${pid}); this process's copy at ${selfCopied} files`);
      process.kill(pid, 'SIGTERM');
      await until(async () => !isAlive(pid), 60_000, 'dockerd to stop');
      execFileSync('bash', [path.resolve(__dirname, '../../scripts/setup-host.sh')], { stdio: 'ignore' });

      // The child's create failed (Docker went away under it) and the child exited by itself.
      const how = await Promise.race([creator.exited, new Promise((r) => setTimeout(() => r('still running'), 60_000))]);
      killChild(creator.child);
      t.diagnostic(`the child: ${creator.lines.filter((l) => !l.startsWith('copy ')).join(' | ')} (exit: ${String(how)})`);
      assert.ok(!creator.lines.some((l) => l.startsWith('created ')), "the child's create did not succeed");
      const outcome = await Promise.race([
        selfCreate,
        new Promise<{ sandbox?: Sandbox; error?: Error }>((r) => setTimeout(() => r({ error: new Error('no answer 60 s after the restart') }), 60_000)),
      ]);
      if (outcome.sandbox) {
        // It finished before dockerd stopped: a whole sandbox, not a half-made one. Ended by hand,
        // with the spare guard its client prepared for the next create (close() removes it).
        t.diagnostic("this process's create had finished before the restart; its sandbox is terminated by hand");
        await outcome.sandbox.terminate();
        await own.close();
      } else {
        t.diagnostic(`this process's create failed: ${outcome.error?.message}`);
      }
      t.diagnostic(`left after the restart: ${[...(await leftoversOf(childTag)), ...(await leftoversOf(selfTag))].join('; ') || 'nothing'}`);

      // Any client's listing (here: another client in this process) removes what is left of both.
      const lister = client();
      const listings = [await collectedByListing(lister, childTag, 15_000), await collectedByListing(lister, selfTag, 15_000)];
      t.diagnostic(`gone after ${listings.join(' and ')} listing(s)`);
      assert.deepEqual(await hostProcessesGone(new Set([...watches[0].seen, ...watches[1].seen])), [], 'no host process of their containers is left');
    } finally {
      killChild(creator.child);
      for (const watch of watches) await watch.stop();
    }
    for (const watch of watches) assert.deepEqual(watch.violations, [], `never ran with another network (states seen: ${watch.states.join(' → ')})`);
  });
});

function currentDockerdPid(): number {
  try {
    return Number(execFileSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).split('\n')[0]);
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
