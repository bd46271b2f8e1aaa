import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type Docker from 'dockerode';
import { dockerStatus } from './errors';
import { LABEL } from './labels';
import type { Logger } from './types';

/**
 * Half-made sandboxes: what a create leaves when it never finishes. While `create()` runs, a
 * sandbox's guard is up (holding its policy, or deny-all) and its container is created but not
 * started; the create then starts it, or removes both when a step fails. When the creating
 * process dies half way (SIGKILL, a crash, a closed editor) or its own clean-up fails (Docker
 * restarting), nothing else would ever finish the job: the reaper ends only running sandboxes,
 * and a guard whose sandbox container exists is kept for it.
 *
 * So the containers a create makes carry its creator (`sandboxes.creator`: this machine's boot,
 * pid namespace, pid and process start), and any client's listing, and the reaper, remove the
 * containers of a sandbox that never started once its create is over:
 *  - made by this process: its create is no longer in flight here;
 *  - made by another process of this machine (same boot and pid namespace): that process is gone
 *    (no such pid, a zombie, or the pid now belongs to a process started later);
 *  - made elsewhere (another machine or pid namespace, or an engine without the label): older
 *    than STALE_CREATE_MS, far longer than any create takes.
 * A sandbox container that started is never touched here, nor a spare guard (client.ts keeps those).
 */

/** A create from a process this one cannot check is over after this long. */
export const STALE_CREATE_MS = 10 * 60_000;

export type CreatorStatus = 'self' | 'alive' | 'gone' | 'unknown';

/** `<boot id>/<pid namespace>/<pid>/<start time>`; computed once per process. */
export function creatorLabel(): string {
  ownLabel ??= (() => {
    const machine = machineKey();
    const start = machine ? processStart(process.pid) : 'hidden';
    // No /proc (macOS): nobody else can check this process; a random start keeps it unique.
    return `${machine ?? 'unknown'}/${process.pid}/${typeof start === 'object' ? start.start : `r${randomBytes(6).toString('hex')}`}`;
  })();
  return ownLabel;
}
let ownLabel: string | undefined;

/** Whether the process that labelled a container with `label` is this one, alive, gone, or cannot be told. */
export function creatorStatus(label: string | undefined): CreatorStatus {
  if (!label) return 'unknown';
  if (label === creatorLabel()) return 'self';
  const match = /^([^/]+)\/(\d+)\/([^/]+)$/.exec(label);
  const machine = machineKey();
  if (!match || !machine || match[1] !== machine) return 'unknown';
  const found = processStart(Number(match[2]));
  if (typeof found === 'object') return found.start === match[3] ? 'alive' : 'gone'; // a later process reuses the pid
  // Another user's process behind /proc's hidepid: it exists, but whose it is cannot be told.
  return found === 'hidden' ? 'unknown' : 'gone';
}

/** This boot of this machine and this pid namespace: where pids mean the same processes. */
function machineKey(): string | null {
  if (machineKey_ !== undefined) return machineKey_;
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1];
    machineKey_ = boot && ns ? `${boot}.${ns}` : null;
  } catch {
    machineKey_ = null;
  }
  return machineKey_;
}
let machineKey_: string | null | undefined;

/**
 * A live process's start time (clock ticks since boot); `gone` when there is no such process, or
 * only its zombie; `hidden` when it exists but /proc does not show it to us (hidepid).
 */
function processStart(pid: number): { start: string } | 'gone' | 'hidden' {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name, which may itself hold spaces and parentheses: state is field 3, start time field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return 'gone';
    return fields[19] ? { start: fields[19] } : 'hidden';
  } catch {
    try {
      process.kill(pid, 0);
      return 'hidden';
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'hidden' : 'gone';
    }
  }
}

const creating = new Set<string>();

/** Marks a sandbox id as being created by this process until endCreate (its containers are not half-made meanwhile). */
export function beginCreate(sandboxId: string): void {
  creating.add(sandboxId);
}

export function endCreate(sandboxId: string): void {
  creating.delete(sandboxId);
}

/**
 * Pure decision: the sandbox ids whose containers are what is left of a create that is over.
 * `containers`: a listing with `all: true`. A sandbox is half-made when it has no sandbox
 * container that ever started; whose create it was is read from its sandbox container, else from
 * its guard (a spare guard's label names whoever prepared it, not whoever claimed it: skipped).
 */
export function halfMadeSandboxes(
  containers: readonly Docker.ContainerInfo[],
  now: number,
  status: (label: string | undefined) => CreatorStatus = creatorStatus,
  inFlight: (sandboxId: string) => boolean = (id) => creating.has(id),
): string[] {
  const bySandbox = new Map<string, Docker.ContainerInfo[]>();
  for (const c of containers) {
    const id = c.Labels?.[LABEL.id];
    if (!id || c.Labels?.[LABEL.role] === 'network') continue;
    bySandbox.set(id, [...(bySandbox.get(id) ?? []), c]);
  }
  const out: string[] = [];
  for (const [id, group] of bySandbox) {
    const sandboxes = group.filter((c) => c.Labels?.[LABEL.role] !== 'guard');
    if (sandboxes.some((c) => c.State !== 'created')) continue;
    const decider = sandboxes[0] ?? group.find((c) => c.Labels?.[LABEL.spare] !== 'true');
    if (!decider) continue;
    const creator = status(decider.Labels?.[LABEL.creator]);
    const over = creator === 'self' ? !inFlight(id) : creator === 'gone' ? true : creator === 'unknown' ? now - decider.Created * 1000 > STALE_CREATE_MS : false;
    if (over) out.push(id);
  }
  return out;
}

/** Ids being removed by this process, so overlapping listings do not repeat the work. */
const removing = new Set<string>();

/**
 * Removes what is left of every half-made sandbox in `containers` (see halfMadeSandboxes): its
 * sandbox container first, then its guard, with their volumes. Each is looked up again first,
 * and skipped if its sandbox container started meanwhile. Returns the sandbox ids removed.
 */
export async function collectHalfMade(docker: Docker, containers: readonly Docker.ContainerInfo[], logger?: Logger, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const id of halfMadeSandboxes(containers, now)) {
    if (removing.has(id)) continue;
    removing.add(id);
    try {
      const current = await docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=true`, `${LABEL.id}=${id}`] } });
      const sandboxes = current.filter((c) => c.Labels?.[LABEL.role] !== 'guard');
      if (sandboxes.some((c) => c.State !== 'created')) continue;
      logger?.info(`Removing half-made sandbox ${id}: its create ended before it started (the creating process exited, or its clean-up failed)`);
      for (const c of [...sandboxes, ...current.filter((c) => c.Labels?.[LABEL.role] === 'guard')]) {
        try {
          await docker.getContainer(c.Id).remove({ force: true, v: true });
        } catch (error) {
          if (dockerStatus(error) !== 404 && dockerStatus(error) !== 409) throw error;
        }
      }
      removed.push(id);
    } catch (error) {
      logger?.debug(`Could not remove half-made sandbox ${id} yet: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      removing.delete(id);
    }
  }
  return removed;
}
