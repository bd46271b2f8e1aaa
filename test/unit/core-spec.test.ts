import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError, validateSpec, networkModeOf, withResourceDefaults, DEFAULT_MEMORY_MIB, DEFAULT_PIDS_LIMIT } from '../../src/core';
import { hostPidsLimit } from '../../src/core/spec';
import { networkFileBinds } from '../../src/core/network/networkFiles';

describe('validateSpec', () => {
  it('accepts a full spec and normalises it', () => {
    const spec = validateSpec({
      image: ' python:3.12-slim ',
      command: ['python3', '-m', 'http.server'],
      env: { A: '1', _B2: 'two' },
      workdir: '/workspace',
      cpu: 1.5,
      memoryMiB: 512,
      timeoutSeconds: 60,
      idleTimeoutSeconds: 0,
      name: 'web-1',
      tags: { project: 'demo' },
      runtime: 'runsc',
      blockNetwork: false,
      cidrAllowlist: ['10.0.0.0/8'],
      encryptedPorts: [443],
      unencryptedPorts: [8000],
      h2Ports: [8443],
    });
    assert.equal(spec.image, 'python:3.12-slim');
    assert.equal(spec.idleTimeoutSeconds, undefined, '0 means no idle timeout');
    assert.deepEqual(spec.unencryptedPorts, [8000]);
  });

  it('names every bad field in one error', () => {
    assert.throws(
      () => validateSpec({ image: '', cpu: 0, memoryMiB: 8, env: { '9x': 'a', OK: 3 }, workdir: 'relative', name: '-bad', runtime: 'a b', timeoutSeconds: -5 }),
      (error: unknown) => {
        assert.ok(error instanceof SandboxError);
        assert.equal(error.code, 'INVALID_SPEC');
        for (const part of ['image', 'cpu', 'memoryMiB', 'env["9x"]', 'env.OK', 'workdir', 'name', 'runtime', 'timeoutSeconds']) {
          assert.ok(error.message.includes(part), `mentions ${part}: ${error.message}`);
        }
        assert.match(error.fix, /Settings/);
        return true;
      },
    );
  });

  it('rejects non-objects, non-array commands and bad ports', () => {
    assert.throws(() => validateSpec(null), /must be an object/);
    assert.throws(() => validateSpec({ image: 'x', command: 'ls -la' }), /command/);
    assert.throws(() => validateSpec({ image: 'x', command: [] }), /command/);
    assert.throws(() => validateSpec({ image: 'x', unencryptedPorts: [0] }), /not a port number/);
    assert.throws(() => validateSpec({ image: 'x', h2Ports: [70000] }), /not a port number/);
    assert.throws(() => validateSpec({ image: 'x', unencryptedPorts: [80], encryptedPorts: [80] }), /repeats port 80/);
    assert.throws(() => validateSpec({ image: 'x', cpu: Number.NaN }), /cpu/);
    assert.throws(() => validateSpec({ image: 'x', memoryMiB: 100.5 }), /memoryMiB/);
  });

  it('derives the network mode', () => {
    assert.equal(networkModeOf({}), 'open');
    assert.equal(networkModeOf({ cidrAllowlist: [] }), 'open');
    assert.equal(networkModeOf({ cidrAllowlist: ['1.2.3.4/32'] }), 'allowlist');
    assert.equal(networkModeOf({ blockNetwork: true, cidrAllowlist: ['1.2.3.4/32'] }), 'blocked');
  });
});

describe('resource limits (issue #10, finding 6)', () => {
  it('accepts a process limit and refuses a bad one, naming the field', () => {
    assert.equal(validateSpec({ image: 'x', pidsLimit: 64 }).pidsLimit, 64);
    for (const bad of [0, 8, 15, 100.5, '512', -1]) {
      assert.throws(() => validateSpec({ image: 'x', pidsLimit: bad }), /pidsLimit must be a whole number of processes, at least 16/, String(bad));
    }
  });

  it('validateSpec leaves unset limits unset; create applies the documented defaults', () => {
    const spec = validateSpec({ image: 'x' });
    assert.equal(spec.memoryMiB, undefined);
    assert.equal(spec.pidsLimit, undefined);
    assert.deepEqual(withResourceDefaults(spec), { image: 'x', memoryMiB: 2048, pidsLimit: 512 });
    assert.equal(DEFAULT_MEMORY_MIB, 2048);
    assert.equal(DEFAULT_PIDS_LIMIT, 512);
    assert.deepEqual(withResourceDefaults({ image: 'x', memoryMiB: 8192, pidsLimit: 4096 }), { image: 'x', memoryMiB: 8192, pidsLimit: 4096 }, 'a user can raise both');
  });

  it('the host cgroup backstop leaves gVisor room to refuse forks itself', () => {
    // Measured: 512 processes inside runsc cost 1,065 host tasks.
    assert.ok(hostPidsLimit(512, true) > 1065);
    assert.equal(hostPidsLimit(64, true), 384);
    assert.equal(hostPidsLimit(512, false), 512, 'under runc every process is a host task');
  });
});

describe('network files (issue #10, finding 4)', () => {
  it("binds the guard's tmpfs copies read-only over /etc/hosts, resolv.conf and hostname", () => {
    assert.deepEqual(networkFileBinds('/var/lib/docker', 'abc123'), [
      '/var/lib/docker/containers/abc123/mounts/shm/hosts:/etc/hosts:ro',
      '/var/lib/docker/containers/abc123/mounts/shm/resolv.conf:/etc/resolv.conf:ro',
      '/var/lib/docker/containers/abc123/mounts/shm/hostname:/etc/hostname:ro',
    ]);
    assert.equal(networkFileBinds('/srv/docker/', 'g')[0], '/srv/docker/containers/g/mounts/shm/hosts:/etc/hosts:ro');
  });
});
