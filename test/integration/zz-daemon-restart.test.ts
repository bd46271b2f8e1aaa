/**
 * Fail closed across a Docker daemon restart: nothing comes back with an open network. Runs only
 * where this project's setup started dockerd itself (no service manager), since it stops and
 * starts it.
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
import { after, describe, it } from 'node:test';
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
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await docker.getNetwork(NETWORK).remove().catch(() => undefined);
  });

  it('a restarted guard comes back closed; the engine re-applies the policy', async () => {
    await docker.createNetwork({ Name: NETWORK, Driver: 'bridge', Labels: LABELS });
    const target = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['python3', '-m', 'http.server', '8080'], Labels: LABELS, HostConfig: { NetworkMode: NETWORK, Runtime: 'runc' } });
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
