/**
 * Every container a benchmark run creates is findable by its run id, and removed in a `finally`,
 * also when a sample fails or the run is interrupted (Ctrl-C / SIGTERM):
 *  - CLI-baseline containers carry the label `sandboxes.bench=<run id>`;
 *  - engine sandboxes are created with the tag `{ bench: <run id> }`, i.e. the label
 *    `sandboxes.tag.bench=<run id>` (next to `sandboxes.managed=true`, set by the engine).
 * Only containers with this run's id are ever removed, and only child processes this run
 * started are ever signalled (by their pid).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Docker from 'dockerode';

export const BASELINE_LABEL = 'sandboxes.bench';
export const ENGINE_TAG = 'bench';

export function newRunId(): string {
  return `b${Date.now().toString(36)}-${process.pid}`;
}

/** `docker run` arguments that label a CLI-baseline container with the run id. */
export function baselineLabelArgs(runId: string): string[] {
  return ['--label', `${BASELINE_LABEL}=${runId}`];
}

/** Tags for `client.create` that mark an engine sandbox with the run id. */
export function engineTags(runId: string): Record<string, string> {
  return { [ENGINE_TAG]: runId };
}

/** Containers of this run, baseline and engine (Docker ANDs labels in one filter, hence two lists). */
export async function runContainerIds(docker: Docker, runId: string): Promise<string[]> {
  const filters = [`${BASELINE_LABEL}=${runId}`, `sandboxes.tag.${ENGINE_TAG}=${runId}`];
  const ids = new Set<string>();
  for (const label of filters) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) ids.add(c.Id);
  }
  return [...ids];
}

/** Force-removes every container of this run; returns how many were removed. */
export async function removeRunContainers(docker: Docker, runId: string): Promise<number> {
  let removed = 0;
  for (const id of await runContainerIds(docker, runId)) {
    try {
      await docker.getContainer(id).remove({ force: true, v: true });
      removed++;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw error; // gone already, or removal in progress
    }
  }
  return removed;
}

/** Force-removes one container, outside any timed section; a container already gone is fine. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw error;
  }
}

export class Interrupted extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

const children = new Set<ChildProcess>();
let stopSignal: string | undefined;

/** Throws Interrupted once a stop was requested; benchmarks call it between samples. */
export function checkInterrupted(): void {
  if (stopSignal) throw new Interrupted(stopSignal);
}

export function stopRequested(): boolean {
  return stopSignal !== undefined;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to the process having exited and its output being closed. */
  ms: number;
}

/**
 * Runs a command (the docker CLI) without a shell and times it. The child gets its own process
 * group, so a Ctrl-C in the terminal reaches only this runner, which lets the in-flight sample
 * finish (no half-created containers) and then cleans up.
 */
export function runCommand(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: env ?? process.env });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.once('close', (code) => {
      const ms = performance.now() - started;
      children.delete(child);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms });
    });
  });
}

/** runCommand that throws unless the command exits 0. */
export async function runChecked(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  const result = await runCommand(file, args, env);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result;
}

const FORCE_EXIT_AFTER_MS = 30_000;

/**
 * First SIGINT/SIGTERM/SIGHUP: ask the benchmarks to stop after the current sample (the runner's
 * `finally` then removes this run's containers). If that takes longer than 30 s, or a second
 * signal arrives, remove the containers here, stop our own children by pid, and exit 130.
 */
export function installSignalHandlers(docker: Docker, runId: string, log: (line: string) => void): () => void {
  let forcing = false;
  const force = async (why: string, exitCode = 130) => {
    if (forcing) return;
    forcing = true;
    log(`\n${why}: removing this run's containers and exiting`);
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM'); // its own process group: the docker CLI we started
        } catch {
          /* already gone */
        }
      }
    }
    try {
      await removeRunContainers(docker, runId);
      await new Promise((r) => setTimeout(r, 1000)); // a create still in flight in the daemon
      await removeRunContainers(docker, runId);
    } catch (error) {
      log(
        `cleanup failed: ${(error as Error).message}; remove leftovers with: docker rm -f $(docker ps -aq --filter label=${BASELINE_LABEL}=${runId}) $(docker ps -aq --filter label=sandboxes.tag.${ENGINE_TAG}=${runId})`,
      );
    }
    process.exit(exitCode);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal) {
      void force(`second ${signal}`);
      return;
    }
    stopSignal = signal;
    log(`\n${signal}: stopping after the current sample, then cleaning up (again to force)`);
    setTimeout(() => void force('still running 30 s after the stop request'), FORCE_EXIT_AFTER_MS).unref();
  };
  // Output piped into `head` or a closed terminal must not crash the run past its cleanup.
  const ignore = () => undefined;
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  // A bug that escapes every await still removes this run's containers.
  const onCrash = (error: unknown) => {
    log(`unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    void force('crashed', 1);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  };
}
