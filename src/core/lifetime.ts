import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { dockerStatus } from './errors';
import { collectHalfMade } from './halfMade';
import { FILES_SPARE_NAME, LABEL, MANAGED_FILTER } from './labels';
import { ensurePrivateDir, readNoFollow, replaceFile } from './runDir';
import type { Logger } from './types';
import { applyClaims } from './pool/claims';
import { hasPoolMembers, removeOrphanedPoolMembers } from './pool/poolOrphans';

/** How often the reaper looks for pools whose owner is gone, while there are pools. */
const POOL_CHECK_MS = 5_000;

/**
 * Lifetimes (`timeoutSeconds`, `idleTimeoutSeconds`) must hold when no editor is running, so
 * they are enforced by a small detached process, the reaper, and not by the extension host.
 * Deadlines live in labels; the reaper only reads them. One reaper per Docker endpoint and user
 * (a pid file in the user's private run directory, runDir.ts), started by `create` and by `list`;
 * it learns of new sandboxes from Docker's events and exits by itself once nothing has a deadline.
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
  const soonest = (ms: number) => {
    next = next === null ? ms : Math.min(next, ms);
  };
  for (const view of views) {
    if (!view.running) continue;
    if (view.expiresAt !== null) {
      if (view.expiresAt <= now) {
        kill.push({ containerId: view.containerId, reason: 'timeout' });
        continue;
      }
      soonest(view.expiresAt - now);
    }
    if (view.idleTimeoutMs !== null) {
      const since = lastActive.get(view.containerId) ?? now;
      if (now - since >= view.idleTimeoutMs) {
        kill.push({ containerId: view.containerId, reason: 'idle' });
        continue;
      }
      soonest(Math.min(idlePollMs, since + view.idleTimeoutMs - now));
    }
  }
  return { kill, nextCheckMs: next };
}

/**
 * One pass: read deadlines from Docker, note activity, kill what is due; and remove what creates
 * that never finished left behind (halfMade.ts), from the same listing.
 */
export async function reapOnce(
  docker: Docker,
  lastActive: Map<string, number>,
  logger?: Logger,
  now = Date.now(),
  /** Told before each kill, so the reason outlives it (reapRecord.ts): Docker keeps none. */
  onKill?: (containerId: string, reason: 'timeout' | 'idle') => void,
): Promise<ReapDecision> {
  const everything = await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER] } });
  // Claimed pool members with their claim's lifetimes; unclaimed ones have none (pool/claims.ts).
  const containers = applyClaims(everything).filter((c) => c.State === 'running');
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
  await endSandboxes(docker, decision.kill, (containerId) => guardsOf.get(sandboxIdOf.get(containerId) ?? '') ?? [], lastActive, logger, onKill);
  // After the deadlines, which must not wait for it.
  await collectHalfMade(docker, everything, logger, now);
  const orphans = await removeOrphanedPoolMembers(docker, everything);
  if (orphans) logger?.info(`Removed ${orphans} pooled sandbox(es) whose pool's process is gone`);
  // While pools exist, keep looking: their owner may die without closing them.
  if (hasPoolMembers(everything)) decision.nextCheckMs = Math.min(decision.nextCheckMs ?? POOL_CHECK_MS, POOL_CHECK_MS);
  return decision;
}

/**
 * Whether anything on the engine has a lifetime for a reaper to watch (a running sandbox with a
 * deadline or idle timeout, or a warm pool): what a reaper standing by (reaper.ts, the engine's
 * lock held by another machine's reaper) looks at to know when to exit. One listing, no kills.
 */
export async function somethingToWatch(docker: Docker): Promise<boolean> {
  const everything = await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER] } });
  if (hasPoolMembers(everything)) return true;
  return applyClaims(everything).some((c) => {
    if (c.State !== 'running' || c.Labels?.[LABEL.role] === 'guard') return false;
    const view = lifetimeOf(c.Id, c.Labels ?? {}, true);
    return view.expiresAt !== null || view.idleTimeoutMs !== null;
  });
}

/** Ends what the decision says must end: each sandbox first, then the guards holding its network namespace. */
async function endSandboxes(
  docker: Docker,
  kill: ReapDecision['kill'],
  guardsOf: (containerId: string) => string[],
  lastActive: Map<string, number>,
  logger: Logger | undefined,
  onKill: ((containerId: string, reason: 'timeout' | 'idle') => void) | undefined,
): Promise<void> {
  for (const { containerId, reason } of kill) {
    logger?.info(`Ending sandbox ${containerId.slice(0, 12)}: ${reason === 'timeout' ? 'its timeoutSeconds passed' : 'idle longer than idleTimeoutSeconds'}`);
    try {
      onKill?.(containerId, reason);
    } catch (error) {
      logger?.warn(`Could not record why sandbox ${containerId.slice(0, 12)} ended: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const id of [containerId, ...guardsOf(containerId)]) {
      try {
        await docker.getContainer(id).kill({ signal: 'SIGKILL' });
      } catch (error) {
        if (dockerStatus(error) !== 404 && dockerStatus(error) !== 409) throw error;
      }
    }
    lastActive.delete(containerId);
  }
}

const busyAtLastCheck = new Set<string>();

async function hasRunningExec(docker: Docker, containerId: string): Promise<boolean> {
  try {
    const info = await docker.getContainer(containerId).inspect();
    for (const execId of info.ExecIDs ?? []) {
      const exec = await docker
        .getExec(execId)
        .inspect()
        .catch(() => null);
      // The files API's spare waits for the next file operation: not a command, not activity
      // (an editor polling open files would otherwise keep a sandbox alive for ever).
      if (exec?.Running && !exec.ProcessConfig?.arguments?.includes(FILES_SPARE_NAME)) return true;
    }
  } catch {
    // Gone between list and inspect: nothing to track.
  }
  return false;
}

/** Names an endpoint's pid file and marks its reaper's command line (the endpoint itself stays out of `ps`). */
export function endpointKey(endpointDescription: string): string {
  return createHash('sha256').update(endpointDescription).digest('hex').slice(0, 16);
}

export function reaperPidFile(runDir: string, endpointDescription: string): string {
  return path.join(runDir, `reaper-${endpointKey(endpointDescription)}.pid`);
}

/** The argument a reaper is started with: how a pid is known to be this endpoint's reaper. */
export function reaperMarker(endpointDescription: string): string {
  return `--sandboxes-reaper=${endpointKey(endpointDescription)}`;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The command line of one of this user's processes, or null (gone, or another user's: never our
 * reaper). From /proc where there is one; elsewhere (macOS) from `ps`, split on blanks.
 */
export function processCommandLine(pid: number): string[] | null {
  const uid = process.getuid?.();
  if (fs.existsSync('/proc/self/cmdline')) {
    try {
      if (uid !== undefined && fs.statSync(`/proc/${pid}`).uid !== uid) return null;
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-ww', '-o', 'uid=', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    const [owner, ...argv] = out.trim().split(/\s+/);
    return uid !== undefined && Number(owner) !== uid ? null : argv;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is a live reaper for this endpoint: its command line runs reaper.js with this
 * endpoint's marker. A pid file alone proves nothing: the pid may have been reused since, by
 * any process (pid 1 is always alive).
 */
export function isReaperProcess(pid: number, endpointDescription: string, commandLine: (pid: number) => string[] | null = processCommandLine): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return false;
  const argv = commandLine(pid);
  return !!argv && argv.includes(reaperMarker(endpointDescription)) && argv.some((arg) => path.basename(arg) === 'reaper.js');
}

/** The pid a pid file names (never read through a symlink), or null. */
export function readPidFile(file: string): number | null {
  const pid = Number((readNoFollow(file) ?? '').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** The pid of the reaper watching this endpoint, if one runs. */
export function runningReaper(runDir: string, endpointDescription: string): number | null {
  const pid = readPidFile(reaperPidFile(runDir, endpointDescription));
  return pid !== null && isReaperProcess(pid, endpointDescription) ? pid : null;
}

/** Where the bundled reaper is: next to dist/core.js, or dist/ when running from sources. */
export function reaperScript(): string | null {
  const candidates = [path.join(__dirname, 'reaper.js'), path.join(__dirname, '..', '..', 'dist', 'reaper.js')];
  return candidates.find((file) => fs.existsSync(file)) ?? null;
}

export interface ReaperTarget {
  /** The reaper's run directory (see runDir.ts); checked, and created 0700 when missing. */
  runDir: string;
  endpointDescription: string;
  dockerHost: string;
  /**
   * A remote engine: the reaper holds the engine's own lock (engineLock.ts), made from this
   * image, so that one reaper runs per engine whichever machines its clients are on.
   */
  remote?: { guardImage: string };
  /**
   * What the reaper needs to reach the endpoint that the client found in its own environment
   * when it connected (the ssh-agent, TLS certificates): the reaper starts later, maybe from
   * another caller's environment.
   */
  env?: Record<string, string>;
}

/**
 * Starts the detached reaper unless one already watches this endpoint. Returns its pid, or
 * null when the script cannot be found (logged: lifetimes then hold only while a client runs).
 * Throws UNSAFE_RUN_DIR when the run directory is not private to this user.
 */
export function ensureReaper(target: ReaperTarget, logger?: Logger): number | null {
  const runDir = ensurePrivateDir(target.runDir);
  const existing = runningReaper(runDir, target.endpointDescription);
  if (existing) return existing;
  const script = reaperScript();
  if (!script) {
    logger?.warn('The sandbox reaper (dist/reaper.js) was not found; build the project (npm run build) so timeouts hold without an editor running.');
    return null;
  }
  const child = spawn(process.execPath, [script, reaperMarker(target.endpointDescription)], {
    detached: true,
    stdio: 'ignore',
    // ELECTRON_RUN_AS_NODE: inside desktop VS Code, execPath is Electron.
    env: {
      ...process.env,
      ELECTRON_RUN_AS_NODE: '1',
      SANDBOXES_REAPER_ENDPOINT: target.endpointDescription,
      SANDBOXES_REAPER_DOCKER_HOST: target.dockerHost,
      SANDBOXES_REAPER_RUN_DIR: runDir,
      ...target.env,
      ...(target.remote ? { SANDBOXES_REAPER_GUARD_IMAGE: target.remote.guardImage } : {}),
    },
  });
  child.unref();
  // Claim the pid file for the child at once, so a second client does not start another reaper
  // while this one is still loading (the reaper accepts a file that names its own pid).
  if (child.pid) replaceFile(reaperPidFile(runDir, target.endpointDescription), String(child.pid));
  logger?.debug(`Started the sandbox reaper (pid ${child.pid}) for ${target.endpointDescription}`);
  return child.pid ?? null;
}

/**
 * Self-healing: when a listed sandbox has a lifetime and its endpoint's reaper is not running (a
 * reboot, a kill), start it again. Listing must work anyway: a failure is logged; creating a
 * sandbox with a lifetime reports the same, as an error.
 */
export function healReaper(infos: readonly { state: string; expiresAt: Date | null; idleTimeoutSeconds: number | null }[], target: ReaperTarget, logger?: Logger): void {
  if (!infos.some((i) => i.state === 'running' && (i.expiresAt || i.idleTimeoutSeconds)) || runningReaper(target.runDir, target.endpointDescription)) return;
  try {
    ensureReaper(target, logger);
  } catch (error) {
    logger?.warn(error instanceof Error ? error.toString() : String(error));
  }
}
