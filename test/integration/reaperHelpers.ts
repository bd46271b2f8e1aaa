/**
 * For the lifetime and reaper tests: clients that run as child processes with their own TMPDIR
 * and XDG_RUNTIME_DIR (an "isolated home"), so that what a test plants (the reaper's old files in
 * /tmp, its run directory) and the reaper its clients start belong to the test alone, never to
 * other clients on this machine. The reapers themselves still watch the one shared engine: they
 * end only sandboxes whose deadline passed, which any reaper may do.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { resolveEndpoint } from '../../src/core/docker';
import type { SandboxSpec } from '../../src/core';
import { testSpec } from './helpers';

export const ENDPOINT = resolveEndpoint(undefined).description;
/** How the engine names this endpoint's files (`reaper-<key>.pid`). */
export const ENDPOINT_KEY = createHash('sha256').update(ENDPOINT).digest('hex').slice(0, 16);

export interface IsolatedHome {
  root: string;
  /** TMPDIR of its clients: where the engine kept the reaper's files before finding 9 of #10. */
  tmp: string;
  /** XDG_RUNTIME_DIR of its clients. */
  runtime: string;
  /** The reaper's run directory for these clients ($XDG_RUNTIME_DIR/gvisor-sandboxes). */
  runDir: string;
  /** The old, shared location ($TMPDIR/gvisor-sandboxes). */
  oldDir: string;
  env: NodeJS.ProcessEnv;
}

const homes: IsolatedHome[] = [];
let base: string | undefined;

/** A new isolated home; `stopReapersAfterFile()` ends its reapers and removes it. */
export function isolatedHome(name: string): IsolatedHome {
  base ??= fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-reaper-test-'));
  const root = path.join(base, name);
  const tmp = path.join(root, 'tmp');
  const runtime = path.join(root, 'runtime');
  fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
  fs.mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const home: IsolatedHome = {
    root,
    tmp,
    runtime,
    runDir: path.join(runtime, 'gvisor-sandboxes'),
    oldDir: path.join(tmp, 'gvisor-sandboxes'),
    env: { ...process.env, TMPDIR: tmp, XDG_RUNTIME_DIR: runtime },
  };
  homes.push(home);
  return home;
}

export type ChildResult = { id: string; error?: undefined } | { id?: undefined; error: { code?: string; message: string } };

/** Creates a sandbox from another process (a client of this home) that exits right after. */
export function createInChild(home: IsolatedHome, extra: Partial<SandboxSpec>): ChildResult {
  const script = `
    const { connect } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/index.ts'))});
    const client = connect();
    client.create(${JSON.stringify(testSpec(extra))}).then(
      async (s) => { await client.close(); process.stdout.write(JSON.stringify({ id: s.id })); process.exit(0); },
      async (e) => { await client.close(); process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } })); process.exit(0); });`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: home.env, timeout: 60_000 });
  return JSON.parse(out) as ChildResult;
}

/**
 * Reapers started by clients of this home, found by what only they have: a command line naming
 * reaper.js and, in their environment, this home's XDG_RUNTIME_DIR (child clients) or its run
 * directory (in-process clients given `runDir`). Needs /proc (Linux).
 */
export function reapersOf(home: IsolatedHome): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline.some((arg) => path.basename(arg) === 'reaper.js')) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`XDG_RUNTIME_DIR=${home.runtime}`) || environ.includes(`SANDBOXES_REAPER_RUN_DIR=${home.runDir}`)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Registers an `after` hook: ends the reapers of every isolated home (by pid) and removes the homes. */
export function stopReapersAfterFile(): void {
  after(() => {
    for (const home of homes.splice(0)) {
      for (const pid of reapersOf(home)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
    if (base) fs.rmSync(base, { recursive: true, force: true });
    base = undefined;
  });
}

/**
 * Warms a pool of 1 for `spec` in a child process of this home, which SIGKILLs itself once the
 * pool is ready (a window or script that died with its pool up). Returns what the child printed:
 * `ready` when it got that far.
 */
export function warmInChildThenKill(home: IsolatedHome, spec: SandboxSpec): string {
  const script = `
      const { connect } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/index.ts'))});
      const c = connect({ runDir: ${JSON.stringify(home.runDir)} });
      c.warm(${JSON.stringify(spec)}, 1).then(() => { process.stdout.write('ready'); process.kill(process.pid, 'SIGKILL'); });`;
  try {
    return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: home.env, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '');
  }
}
