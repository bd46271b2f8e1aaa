import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SandboxHost } from '../../src/core/sandboxHost';
import { SandboxError } from '../../src/core';
import { Sandbox } from '../../src/core/sandbox';

/** Docker's answers, as dockerode reports them. */
const inProgress = () =>
  Object.assign(new Error('(HTTP code 409) unexpected - removal of container c1 is already in progress'), {
    statusCode: 409,
    json: { message: 'removal of container c1 is already in progress' },
  });
const noSuch = () => Object.assign(new Error('(HTTP code 404) no such container'), { statusCode: 404, json: { message: 'No such container: c1' } });

interface FakeContainer {
  remove(): Promise<void>;
  inspect(): Promise<{ State: { Status: string } }>;
}

/** A sandbox on a fake engine: `containers` decides what each container's remove and inspect answer. */
function sandboxOn(containers: Record<string, FakeContainer>, guards: string[] = []): Sandbox {
  const docker = {
    getContainer: (id: string) => containers[id],
    listContainers: async () => guards.map((Id) => ({ Id })),
  };
  const client = {
    docker,
    tunnelRegistry: { close: async () => undefined },
    closeExecs: () => undefined,
    logger: undefined,
    manifests: { remove: () => undefined },
  } as unknown as SandboxHost;
  return new Sandbox(client, 'sb-test', 'c1', 'test');
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

describe('terminate confirms the sandbox is gone', () => {
  it('fails with TERMINATE_FAILED when removal is "already in progress" and the container never goes', async () => {
    let inspects = 0;
    const sandbox = sandboxOn({
      c1: {
        remove: async () => Promise.reject(inProgress()),
        inspect: async () => (inspects++, { State: { Status: 'removing' } }),
      },
    });
    await assert.rejects(sandbox.terminate({ timeoutMs: 600 }), (error: unknown) => {
      assert.ok(error instanceof SandboxError, String(error));
      assert.equal(error.code, 'TERMINATE_FAILED');
      assert.match(error.message, /sandbox test \(sb-test\) could not be terminated/i);
      assert.match(error.message, /still lists it as removing/);
      assert.match(error.fix, /Terminate again/);
      assert.ok(error.cause, 'keeps the cause');
      return true;
    });
    assert.ok(inspects >= 2, `polled Docker (${inspects} inspects)`);
  });

  it('waits for a removal in progress and succeeds once Docker answers 404', async () => {
    let inspects = 0;
    const sandbox = sandboxOn({
      c1: {
        remove: async () => Promise.reject(inProgress()),
        inspect: async () => {
          inspects++;
          if (inspects < 3) return { State: { Status: 'removing' } };
          throw noSuch();
        },
      },
    });
    await sandbox.terminate({ timeoutMs: 5000 });
    assert.equal(inspects, 3, 'returned only once Docker said the container is gone');
  });

  it('a removal that succeeds is confirmed; the guard is removed and confirmed too', async () => {
    const removed = new Set<string>();
    const container = (id: string): FakeContainer => ({
      remove: async () => void removed.add(id),
      inspect: async () => {
        if (removed.has(id)) throw noSuch();
        return { State: { Status: 'running' } };
      },
    });
    const sandbox = sandboxOn({ c1: container('c1'), g1: container('g1') }, ['g1']);
    await sandbox.terminate();
    assert.deepEqual([...removed].sort(), ['c1', 'g1']);
  });

  it('a sandbox that is already gone terminates without error', async () => {
    const sandbox = sandboxOn({ c1: { remove: async () => Promise.reject(noSuch()), inspect: async () => Promise.reject(noSuch()) } });
    await sandbox.terminate({ timeoutMs: 1000 });
  });

  it('an engine that never answers fails within the bound instead of hanging', async () => {
    const sandbox = sandboxOn({ c1: { remove: () => never(), inspect: () => never() } });
    const started = Date.now();
    await assert.rejects(
      sandbox.terminate({ timeoutMs: 800 }),
      (error: unknown) => error instanceof SandboxError && error.code === 'TERMINATE_FAILED' && /did not answer/.test(error.message),
    );
    assert.ok(Date.now() - started < 5000, 'bounded by the timeout, not by the engine');
  });

  it('a guard that stays behind fails the terminate, naming the guard', async () => {
    const sandbox = sandboxOn(
      {
        c1: { remove: async () => undefined, inspect: async () => Promise.reject(noSuch()) },
        g1: { remove: async () => Promise.reject(inProgress()), inspect: async () => ({ State: { Status: 'removing' } }) },
      },
      ['g1'],
    );
    await assert.rejects(sandbox.terminate({ timeoutMs: 500 }), /network guard \(container g1\) is still there/);
  });

  it('an error that waiting cannot cure is reported at once', async () => {
    const refused = Object.assign(new Error('(HTTP code 500) server error - driver failed'), { statusCode: 500, json: { message: 'driver failed' } });
    const sandbox = sandboxOn({ c1: { remove: async () => Promise.reject(refused), inspect: async () => ({ State: { Status: 'running' } }) } });
    await assert.rejects(
      sandbox.terminate({ timeoutMs: 10_000 }),
      (error: unknown) => error instanceof SandboxError && error.code === 'TERMINATE_FAILED' && /driver failed/.test(error.message),
    );
  });
});
