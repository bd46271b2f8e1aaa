import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { dockerStatus } from './errors';
import { FILES_SPARE_NAME, LABEL, MANAGED_FILTER } from './labels';
import type { Logger } from './types';

/**
 * Lifetimes (`timeoutSeconds`, `idleTimeoutSeconds`) must hold when no editor is running, so
 * they are enforced by a small detached process, the reaper, and not by the extension host.
 * Deadlines live in labels; the reaper only reads them. One reaper per Docker endpoint (a pid
 * file), started by `create` and by `list`, exits by itself once nothing has a deadline left.
 */

export interface LifetimeView {
  containerId: string;
  running: boolean;
  expiresAt: number | null;
  idleTimeoutMs: number | null;
}

export function lifetimeOf(containerId: string, labels: Record<string, string>, running: boolean): LifetimeView {
  const expires = labels[LABEL.expiresAt] ? Date.parse(labels[LABEL.expiresAt]) : NaN;
  const idle = labels[LABEL.idleTimeout] ? Number(labels[LABEL.idleTimeout]) : NaN;
  return {
    containerId,
    running,
    expiresAt: Number.isFinite(expires) ? expires : null,
    idleTimeoutMs: Number.isFinite(idle) && idle > 0 ? idle * 1000 : null,
  };
}

export interface ReapDecision {
  kill: { containerId: string; reason: 'timeout' | 'idle' }[];
  /** Milliseconds until something may next be due; null when nothing is left to watch. */
  nextCheckMs: number | null;
}

/**
 * Pure scheduling: which sandboxes are due now and when to look again. `lastActive` maps a
 * container to the last time it had a running exec (or was first seen).
 */
export function decide(views: LifetimeView[], lastActive: Map<string, number>, now: number, idlePollMs = 1000): ReapDecision {
  const kill: ReapDecision['kill'] = [];
  let next: number | null = null;
  const soonest = (ms: number) => { next = next === null ? ms : Math.min(next, ms); };
  for (const view of views) {
    if (!view.running) continue;
    if (view.expiresAt !== null) {
      if (view.expiresAt <= now) { kill.push({ containerId: view.containerId, reason: 'timeout' }); continue; }
      soonest(view.expiresAt - now);
    }
    if (view.idleTimeoutMs !== null) {
      const since = lastActive.get(view.containerId) ?? now;
      if (now - since >= view.idleTimeoutMs) { kill.push({ containerId: view.containerId, reason: 'idle' }); continue; }
      soonest(Math.min(idlePollMs, since + view.idleTimeoutMs - now));
    }
  }
  return { kill, nextCheckMs: next };
}

/** One pass: read deadlines from Docker, note activity, kill what is due. */
export async function reapOnce(docker: Docker, lastActive: Map<string, number>, logger?: Logger, now = Date.now()): Promise<ReapDecision> {
  const containers = await docker.listContainers({ filters: { label: [MANAGED_FILTER] } });
  const views: LifetimeView[] = [];
  const guardsOf = new Map<string, string[]>();
  for (const c of containers) {
    if (c.Labels?.[LABEL.role] !== 'guard') continue;
    const id = c.Labels[LABEL.id];
    guardsOf.set(id, [...(guardsOf.get(id) ?? []), c.Id]);
  }
  const sandboxIdOf = new Map(containers.map((c) => [c.Id, c.Labels?.[LABEL.id] ?? '']));
  for (const c of containers) {
    if (c.Labels?.[LABEL.role] === 'guard') continue;
    const view = lifetimeOf(c.Id, c.Labels ?? {}, c.State === 'running');
    if (view.expiresAt === null && view.idleTimeoutMs === null) continue;
    if (view.idleTimeoutMs !== null) {
      // Idle time counts from when the reaper first sees the sandbox (it starts with the sandbox).
      if (!lastActive.has(c.Id)) lastActive.set(c.Id, now);
      // Idle time counts from the first check that finds no command running (checks are up to
      // a second apart, so "last seen busy" would cut the idle time short).
      const busy = await hasRunningExec(docker, c.Id);
      if (busy || busyAtLastCheck.has(c.Id)) lastActive.set(c.Id, now);
      if (busy) busyAtLastCheck.add(c.Id);
      else busyAtLastCheck.delete(c.Id);
    }
    views.push(view);
  }
  const decision = decide(views, lastActive, now);
  for (const { containerId, reason } of decision.kill) {
    logger?.info(`Ending sandbox ${containerId.slice(0, 12)}: ${reason === 'timeout' ? 'its timeoutSeconds passed' : 'idle longer than idleTimeoutSeconds'}`);
    // The sandbox first, then the guard that holds its network namespace.
    for (const id of [containerId, ...(guardsOf.get(sandboxIdOf.get(containerId) ?? '') ?? [])]) {
      try {
        await docker.getContainer(id).kill({ signal: 'SIGKILL' });
      } catch (error) {
        if (dockerStatus(error) !== 404 && dockerStatus(error) !== 409) throw error;
      }
    }
    lastActive.delete(containerId);
  }
  return decision;
}

const busyAtLastCheck = new Set<string>();

async function hasRunningExec(docker: Docker, containerId: string): Promise<boolean> {
  try {
    const info = await docker.getContainer(containerId).inspect();
    for (const execId of info.ExecIDs ?? []) {
      const exec = await docker.getExec(execId).inspect().catch(() => null);
      // The files API's spare waits for the next file operation: not a command, not activity
      // (an editor polling open files would otherwise keep a sandbox alive for ever).
      if (exec?.Running && !exec.ProcessConfig?.arguments?.includes(FILES_SPARE_NAME)) return true;
    }
  } catch {
    // Gone between list and inspect: nothing to track.
  }
  return false;
}

export function reaperPidFile(endpointDescription: string): string {
  const hash = createHash('sha256').update(endpointDescription).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), 'gvisor-sandboxes', `reaper-${hash}.pid`);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the reaper watching this endpoint, if one runs. */
export function runningReaper(endpointDescription: string): number | null {
  try {
    const pid = Number(fs.readFileSync(reaperPidFile(endpointDescription), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Where the bundled reaper is: next to dist/core.js, or dist/ when running from sources. */
export function reaperScript(): string | null {
  const candidates = [path.join(__dirname, 'reaper.js'), path.join(__dirname, '..', '..', 'dist', 'reaper.js')];
  return candidates.find((file) => fs.existsSync(file)) ?? null;
}

/**
 * Starts the detached reaper unless one already watches this endpoint. Returns its pid, or
 * null when the script cannot be found (logged: lifetimes then hold only while a client runs).
 */
export function ensureReaper(endpointDescription: string, dockerHost: string, logger?: Logger): number | null {
  const existing = runningReaper(endpointDescription);
  if (existing) return existing;
  const script = reaperScript();
  if (!script) {
    logger?.warn('The sandbox reaper (dist/reaper.js) was not found; build the project (npm run build) so timeouts hold without an editor running.');
    return null;
  }
  fs.mkdirSync(path.dirname(reaperPidFile(endpointDescription)), { recursive: true });
  const child = spawn(process.execPath, [script], {
    detached: true,
    stdio: 'ignore',
    // ELECTRON_RUN_AS_NODE: inside desktop VS Code, execPath is Electron.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SANDBOXES_REAPER_ENDPOINT: endpointDescription, SANDBOXES_REAPER_DOCKER_HOST: dockerHost },
  });
  child.unref();
  // Claim the pid file for the child at once, so a second client does not start another reaper
  // while this one is still loading (the reaper accepts a file that names its own pid).
  if (child.pid) {
    try {
      fs.writeFileSync(reaperPidFile(endpointDescription), String(child.pid), { flag: 'wx' });
    } catch {
      fs.writeFileSync(reaperPidFile(endpointDescription), String(child.pid));
    }
  }
  logger?.debug(`Started the sandbox reaper (pid ${child.pid}) for ${endpointDescription}`);
  return child.pid ?? null;
}
