import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LOCK_COMMAND, REAPER_HOLDER_LABEL, REAPER_LOCK_NAME, lockContainerConfig, lockIsLive, looksLikeLock } from '../../src/core/engineLock';
import { MANAGED_FILTER } from '../../src/core/labels';
import { reaperTarget } from '../../src/core/reaperTarget';
import { resolveEndpoint } from '../../src/core/docker';

describe("the reaper's lock on a remote engine", () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('is live while its container runs, or was created moments ago (its taker is attaching)', () => {
    assert.equal(lockIsLive({ State: { Status: 'running' } }, now), true);
    assert.equal(lockIsLive({ State: { Status: 'created' }, Created: new Date(now - 5_000).toISOString() }, now), true);
  });

  it('is stale when created long ago and never started, or stopped: the next taker removes it', () => {
    assert.equal(lockIsLive({ State: { Status: 'created' }, Created: new Date(now - 120_000).toISOString() }, now), false);
    assert.equal(lockIsLive({ State: { Status: 'created' }, Created: 'garbage' }, now), false);
    for (const status of ['exited', 'dead', 'removing', 'paused']) assert.equal(lockIsLive({ State: { Status: status } }, now), false, status);
  });

  it('is a named, attached, self-removing container that no listing takes for a sandbox', () => {
    const config = lockContainerConfig('sandboxes/guard:2', 'host/42');
    assert.equal(config.name, REAPER_LOCK_NAME);
    assert.deepEqual(config.Cmd, LOCK_COMMAND);
    assert.equal(config.StdinOnce, true, 'the holder closing its connection closes stdin');
    assert.equal(config.OpenStdin, true);
    assert.equal(config.HostConfig?.AutoRemove, true);
    assert.equal(config.HostConfig?.NetworkMode, 'none');
    assert.deepEqual(config.HostConfig?.CapDrop, ['ALL']);
    assert.equal(config.Labels?.[REAPER_HOLDER_LABEL], 'host/42');
    const [key] = MANAGED_FILTER.split('=');
    assert.equal(config.Labels?.[key], undefined, 'not sandboxes.managed');
    assert.match(LOCK_COMMAND.join(' '), /read -r -t \d+/, 'a silent holder loses it');
  });

  it('is told from a container that merely took its name (which would stop every reaper for good)', () => {
    const config = lockContainerConfig('sandboxes/guard:2', 'host/42');
    const lock = {
      Config: { Cmd: config.Cmd as string[], StdinOnce: true, OpenStdin: true, Labels: config.Labels as Record<string, string> },
      HostConfig: { AutoRemove: true },
    };
    assert.equal(looksLikeLock(lock), true);
    assert.equal(looksLikeLock({ ...lock, Config: { ...lock.Config, Cmd: ['sleep', '600'] } }), false, 'another command');
    assert.equal(looksLikeLock({ ...lock, Config: { ...lock.Config, StdinOnce: false } }), false, 'stdin not closed with its holder');
    assert.equal(looksLikeLock({ ...lock, HostConfig: { AutoRemove: false } }), false, 'not removed when it ends');
    assert.equal(looksLikeLock({ ...lock, Config: { ...lock.Config, Labels: {} } }), false, 'no lock label');
    assert.equal(looksLikeLock({}), false);
  });

  it('is used for remote endpoints only, and the reaper gets the agent and certificates the client used', () => {
    const local = reaperTarget(resolveEndpoint('unix:///var/run/docker.sock', {}), '/run/x', '', 'g:2');
    assert.equal(local.remote, undefined);
    assert.equal(local.env, undefined);
    const ssh = reaperTarget(resolveEndpoint('ssh://root@192.0.2.1', { SSH_AUTH_SOCK: '/tmp/agent.sock' }), '/run/x', 'ssh://root@192.0.2.1', 'g:2');
    assert.deepEqual(ssh.remote, { guardImage: 'g:2' });
    assert.deepEqual(ssh.env, { SSH_AUTH_SOCK: '/tmp/agent.sock' });
    // A client that read its certificates from DOCKER_CERT_PATH when it connected: its reaper,
    // started later from an environment without it, gets the same folder.
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-certs-'));
    try {
      for (const file of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(certs, file), 'x');
      const tls = reaperTarget(resolveEndpoint('https://192.0.2.1:2376', { DOCKER_CERT_PATH: certs }), '/run/x', 'https://192.0.2.1:2376', 'g:2');
      assert.deepEqual(tls.env, { DOCKER_CERT_PATH: certs, DOCKER_TLS_VERIFY: '1' });
      assert.deepEqual(tls.remote, { guardImage: 'g:2' });
    } finally {
      fs.rmSync(certs, { recursive: true, force: true });
    }
  });
});
