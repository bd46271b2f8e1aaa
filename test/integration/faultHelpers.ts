/**
 * For the tests that cut a create short (faults.test.ts, zz-daemon-restart.test.ts): a creating
 * client in a child process that the test kills at a chosen step, a watch that no sandbox of the
 * test ever runs with a network other than the one it asked for, and what is left of a sandbox
 * afterwards (containers, volumes, host processes). Everything is found by the tag the test gave
 * its sandbox (`fault=<unique>`), so only the test's own objects are looked at.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SandboxClient, SandboxSpec } from '../../src/core';
import { readPolicyState } from '../../src/core/network/guard';
import { docker, until } from './helpers';
import { hostTracesOf } from './loadHelpers';

export const FAULT_TAG = 'fault';
const CHILD = path.resolve(__dirname, 'faultChild.ts');

/** A unique value for the `fault` tag of one case. */
export function faultTag(name: string): string {
  return `${name}-${process.pid}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function tagLabel(tag: string): string {
  return `sandboxes.tag.${FAULT_TAG}=${tag}`;
}

export interface CreatorChild {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (so far or later) that `match` accepts; rejects after timeoutMs or when the child exits first. */
  line(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string>;
  /** Resolves with the exit code or signal once the child has exited. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Starts faultChild.ts creating `spec` (test/integration/faultChild.ts says what it prints). */
export function startCreator(spec: SandboxSpec): CreatorChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of [...waiters]) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  let done = false;
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      for (const wake of [...waiters]) wake();
      resolve(signal ?? code);
    }),
  );
  const line = (match: (line: string) => boolean, timeoutMs: number, what: string) =>
    new Promise<string>((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < lines.length; seen++) {
          if (match(lines[seen])) return finish(() => resolve(lines[seen]));
        }
        if (done) finish(() => reject(new Error(`the creating process exited before ${what}; it said: ${lines.join(' | ')} ${stderr}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms; the creating process said: ${lines.join(' | ')} ${stderr}`))),
        timeoutMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        then();
      };
      waiters.add(check);
      check();
    });
  return { child, lines, line, exited };
}

/** Ends a creating child we started (by its pid), if it still runs. */
export function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * A folder of `files` files of random bytes, `totalBytes` in all, in subfolders of 100: a copy
 * of it takes long enough to be cut short half way.
 */
export function bigFolder(root: string, files: number, totalBytes: number): string {
  const dir = fs.mkdtempSync(path.join(root, 'workspace-'));
  const size = Math.ceil(totalBytes / files);
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, `f${i}.bin`), randomBytes(size));
  }
  return dir;
}

/**
 * Kills the child (SIGKILL) as soon as Docker reports `action` (`create`, `start`) for the guard
 * of the sandbox tagged `tag`; `killed` then resolves with the guard's container id. Resolves
 * once Docker's event stream is open: start the child after that.
 */
export async function killOnGuardEvent(tag: string, action: 'create' | 'start', child: () => ChildProcess | undefined): Promise<{ killed: Promise<string>; close(): void }> {
  const abort = new AbortController();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: [action], label: [tagLabel(tag), 'sandboxes.role=guard'] },
    abortSignal: abort.signal,
  } as never)) as unknown as NodeJS.ReadableStream;
  const killed = new Promise<string>((resolve, reject) => {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.trim()) continue;
        const event = JSON.parse(part) as { id?: string; Action?: string };
        const target = child();
        if (event.Action === action && target) {
          killChild(target);
          resolve(event.id ?? '');
        }
      }
    });
    stream.on('error', (error: Error) => {
      if (!abort.signal.aborted) reject(error);
    });
  });
  killed.catch(() => undefined);
  return { killed, close: () => abort.abort() };
}

/**
 * Watches, every 100 ms until stopped, that no sandbox container tagged `tag` runs with a network
 * other than `intended`: a running sandbox must share the namespace of a running guard of its own
 * whose recorded (verified) policy is the intended one. Also remembers every container id seen,
 * for the host-process check afterwards. Docker not answering (a daemon restart) is skipped.
 */
export function watchNeverOpen(
  tag: string,
  intended: { blockNetwork?: boolean; cidrAllowlist?: string[] },
): { seen: Set<string>; violations: string[]; states: string[]; stop(): Promise<void> } {
  const seen = new Set<string>();
  const violations: string[] = [];
  const states: string[] = [];
  let stopped = false;
  const loop = (async () => {
    const deadline = Date.now() + 10 * 60_000;
    while (!stopped && Date.now() < deadline) {
      try {
        const containers = await docker.listContainers({ all: true, filters: { label: [tagLabel(tag)] } });
        const summary = containers
          .map((c) => `${c.Labels['sandboxes.role']}:${c.State}`)
          .sort()
          .join(',');
        if (states.at(-1) !== summary) states.push(summary);
        for (const c of containers) seen.add(c.Id);
        for (const sandbox of containers.filter((c) => c.Labels['sandboxes.role'] === 'sandbox' && c.State === 'running')) {
          const guard = containers.find((c) => c.Labels['sandboxes.role'] === 'guard' && c.Labels['sandboxes.id'] === sandbox.Labels['sandboxes.id']);
          const inspect = await docker
            .getContainer(sandbox.Id)
            .inspect()
            .catch(() => null);
          if (!inspect || inspect.State.Status !== 'running') continue;
          const mode = inspect.HostConfig.NetworkMode ?? '';
          if (mode === 'none') continue; // loopback only: nothing to leak
          if (!guard || mode !== `container:${guard.Id}`) {
            violations.push(`sandbox ${sandbox.Id.slice(0, 12)} runs with network ${mode}, not its guard's`);
            continue;
          }
          const state = await readPolicyState(docker, guard.Id).catch(() => null);
          const wanted = { blockNetwork: intended.blockNetwork === true, cidrAllowlist: intended.cidrAllowlist ?? [] };
          if (!state || state.blockNetwork !== wanted.blockNetwork || JSON.stringify(state.cidrAllowlist) !== JSON.stringify(wanted.cidrAllowlist)) {
            violations.push(
              `sandbox ${sandbox.Id.slice(0, 12)} runs while its guard holds ${state ? JSON.stringify({ blockNetwork: state.blockNetwork, cidrAllowlist: state.cidrAllowlist }) : 'no recorded policy'}, not ${JSON.stringify(wanted)}`,
            );
          }
        }
      } catch {
        // Docker not answering (restarting): nothing can run meanwhile that we could ask about.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    seen,
    violations,
    states,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** What Docker still has of the sandbox tagged `tag`: containers (role:state) and volumes. */
export async function leftoversOf(tag: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [tagLabel(tag)] } });
  const listed = (await docker.listVolumes({ filters: { label: [tagLabel(tag)] } })) as unknown as { Volumes?: { Name: string; Labels?: Record<string, string> }[] };
  const volumes = listed.Volumes ?? [];
  return [
    ...containers.map((c) => `container ${c.Id.slice(0, 12)} (${c.Labels['sandboxes.role']}, ${c.State})`),
    ...volumes.map((v) => `volume ${v.Name.slice(0, 12)} (${v.Labels?.['sandboxes.role'] ?? ''})`),
  ];
}

/**
 * Lists the tagged sandbox the way any client does (its listing collects what is left of
 * half-made sandboxes, in the background) and waits, bounded, until Docker has nothing of it.
 * A second listing is allowed: a request the dead creator sent may land after the first.
 * Returns how many listings it took; throws with what is left otherwise.
 */
export async function collectedByListing(engine: SandboxClient, tag: string, waitMs = 10_000): Promise<number> {
  for (let listing = 1; listing <= 2; listing++) {
    await engine.listInfo({ tags: { [FAULT_TAG]: tag } });
    try {
      await until(async () => (await leftoversOf(tag)).length === 0, waitMs, 'nothing left');
      return listing;
    } catch {
      // look again
    }
  }
  throw new Error(`after two listings, still there: ${(await leftoversOf(tag)).join('; ')}`);
}

/** Waits (bounded) until no host process names these container ids; returns what is still there. */
export async function hostProcessesGone(ids: Iterable<string>, waitMs = 15_000): Promise<string[]> {
  const all = [...ids];
  try {
    await until(async () => hostTracesOf(all).length === 0, waitMs, 'host processes to end');
  } catch {
    // reported below
  }
  return hostTracesOf(all);
}
