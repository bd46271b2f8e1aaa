/**
 * Shared setup for integration tests on the real Docker engine with runsc. Every sandbox a test
 * creates carries the tag `test-run=<id of this process>`, and `cleanupRun()` removes them all,
 * also when a test failed half way.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import Docker from 'dockerode';
import { connect, SandboxError, type ConnectOptions, type SandboxClient, type SandboxSpec } from '../../src/core';

export const TEST_IMAGE = process.env.SANDBOXES_TEST_IMAGE || 'sandboxes-test/base:bookworm-2';
export const RUN_ID = `t${process.pid}-${Date.now().toString(36)}`;
export const RUN_TAGS = { 'test-run': RUN_ID };
export const docker = new Docker();

const clients: SandboxClient[] = [];

/**
 * Review baselines of this run's copy-mode sandboxes: a folder of its own, removed with the run
 * (cleanupRun removes containers without terminate(), which would leave them in the user's folder).
 */
const RUN_REVIEW_DIR = path.join(os.tmpdir(), `sandboxes-review-${RUN_ID}`);

/** A client for this file; cleanupAfterFile() closes it (its spare guard included). */
export function client(options: ConnectOptions = {}): SandboxClient {
  const created = connect({ reviewDir: RUN_REVIEW_DIR, ...options });
  clients.push(created);
  return created;
}

/** A spec for this run: the test image, tagged for cleanup. */
export function testSpec(extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return { image: TEST_IMAGE, ...extra, tags: { ...RUN_TAGS, ...(extra.tags ?? {}) } };
}

/** This run's sandboxes and guards; a spare guard waiting for the next create is not one of them. */
export async function runContainers(): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [`sandboxes.tag.test-run=${RUN_ID}`] } });
  return all.filter((c) => !(c.Labels['sandboxes.spare'] === 'true' && c.Names.some((n) => n.startsWith('/sandboxes-spare-'))));
}

export async function cleanupRun(): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.tag.test-run=${RUN_ID}`] } })) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
}

/**
 * Registers cleanup for the whole file (runs even when tests fail): this run's containers, and
 * the runsc processes that a failed container start leaves behind (only those that appeared
 * while this file ran, removed through runsc by container id).
 */
export function cleanupAfterFile(): void {
  const before = new Set(runscContainers());
  after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await cleanupRun();
    rmSync(RUN_REVIEW_DIR, { recursive: true, force: true });
    const leftovers = runscContainers().filter((id) => !before.has(id));
    if (leftovers.length) execFileSync('bash', [path.resolve(__dirname, '../../scripts/cleanup-runsc-leftovers.sh'), ...leftovers]);
  });
}

export function runscContainers(): string[] {
  try {
    return execFileSync('runsc', ['--root=/var/run/docker/runtime-runc/moby', 'list', '-quiet'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * For `assert.rejects`: the error is a SandboxError with this code, names a fix (longer than
 * `fixLongerThan` characters) and, given a pattern, says it in its message.
 */
export function isError(code: SandboxError['code'], pattern?: RegExp, fixLongerThan = 10) {
  return (error: unknown) => {
    assert.ok(error instanceof SandboxError, `expected a SandboxError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(error.fix.length > fixLongerThan, 'names a fix');
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}
