/**
 * The sandbox's own container: its labels, how it is created (runtime, limits, capabilities,
 * mounts, the guard's network namespace) and started, with Docker's failures turned into errors
 * that name the fix. client.create composes these with the guard (guardSelection.ts).
 */
import type Docker from 'dockerode';
import { OLD_RUNSC_FIX, OLD_RUNSC_SIGNATURE, SandboxError, dockerMessage, dockerStatus } from './errors';
import { creatorLabel } from './halfMade';
import { LABEL, tagLabels } from './labels';
import { bindsOf, readonlyMountsOf } from './files/mounts';
import { isGvisorRuntime } from './network/runtimeMode';
import { networkFileBinds } from './network/networkFiles';
import { KEEP_ALIVE_COMMAND, hostPidsLimit } from './spec';
import type { SandboxSpec } from './types';

export type RuntimeRegistrations = Map<string, { path?: string; runtimeArgs?: string[] }>;

/** What creating the container needs of the client. */
export interface ContainerContext {
  readonly docker: Docker;
  /** The engine's data root on its host, where the guard's network files are. */
  readonly dockerRootDir: string;
  /** Turns an unexpected Docker failure into an error naming `what` failed. */
  mapError(error: unknown, what: string): Error;
}

/** The labels of a new sandbox and of its guard (which has no lifetime labels: the reaper ends it with its sandbox). */
export function sandboxLabels(facts: { id: string; name: string; createdAt: Date; runtime: string; networkMode: string; spec: SandboxSpec; probe?: boolean }): {
  labels: Record<string, string>;
  guardLabels: Record<string, string>;
} {
  const { id, name, createdAt, runtime, networkMode, spec } = facts;
  const labels: Record<string, string> = {
    [LABEL.managed]: 'true',
    [LABEL.id]: id,
    [LABEL.name]: name,
    [LABEL.createdAt]: createdAt.toISOString(),
    [LABEL.runtime]: runtime,
    [LABEL.networkMode]: networkMode,
    [LABEL.spec]: JSON.stringify(spec),
    [LABEL.creator]: creatorLabel(),
    ...tagLabels(spec.tags),
    ...(facts.probe ? { [LABEL.probe]: 'true' } : {}),
  };
  const guardLabels = { ...labels };
  if (spec.timeoutSeconds) labels[LABEL.expiresAt] = new Date(createdAt.getTime() + spec.timeoutSeconds * 1000).toISOString();
  if (spec.idleTimeoutSeconds) labels[LABEL.idleTimeout] = String(spec.idleTimeoutSeconds);
  return { labels, guardLabels };
}

export async function createSandboxContainer(
  context: ContainerContext,
  spec: SandboxSpec & Required<Pick<SandboxSpec, 'memoryMiB' | 'pidsLimit'>>,
  where: { name: string; runtime: string; runtimes: RuntimeRegistrations; networkMode: string; guardId: string | undefined },
  labels: Record<string, string>,
): Promise<Docker.Container> {
  const { name, runtime, networkMode, guardId } = where;
  const gvisor = isGvisorRuntime(runtime, where.runtimes.get(runtime));
  // Read-only copies of the guard's network files instead of Docker's writable binds of its own.
  const binds = [...(bindsOf(spec.mounts) ?? []), ...(guardId ? networkFileBinds(context.dockerRootDir, guardId) : [])];
  try {
    return await context.docker.createContainer({
      name: `sandboxes-${name}`,
      Image: spec.image,
      // The spec's command is the whole argv, as in Modal: the image's ENTRYPOINT is reset.
      Entrypoint: [''],
      Cmd: spec.command ?? KEEP_ALIVE_COMMAND,
      Env: spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : undefined,
      WorkingDir: spec.workdir,
      Hostname: networkMode === 'none' ? name.slice(0, 63) : undefined,
      Labels: labels,
      HostConfig: {
        Runtime: runtime,
        NetworkMode: networkMode,
        NanoCpus: spec.cpu ? Math.round(spec.cpu * 1e9) : undefined,
        Memory: spec.memoryMiB * 1024 * 1024,
        MemorySwap: spec.memoryMiB * 1024 * 1024,
        // Processes: gVisor enforces RLIMIT_NPROC inside (fork fails with EAGAIN, the sandbox
        // lives on); the host's pids cgroup is the backstop (see hostPidsLimit). Under runc,
        // RLIMIT_NPROC does not bind root and counts the user's processes host-wide: the cgroup does it.
        PidsLimit: hostPidsLimit(spec.pidsLimit, gvisor),
        Ulimits: gvisor ? [{ Name: 'nproc', Soft: spec.pidsLimit, Hard: spec.pidsLimit }] : undefined,
        // Raw sockets would let code forge packets past the policy's intent; NET_ADMIN is never
        // granted (it would let a runc sandbox rewrite the rules it shares a namespace with);
        // SYS_RESOURCE (not granted by default either) would let root raise its process limit.
        CapDrop: ['NET_RAW', 'NET_ADMIN', 'SYS_RESOURCE'],
        Binds: binds.length ? binds : undefined,
        Mounts: readonlyMountsOf(spec.mounts, { [LABEL.managed]: 'true', [LABEL.id]: labels[LABEL.id] }),
        SecurityOpt: ['no-new-privileges'],
      },
    });
  } catch (error) {
    if (dockerStatus(error) === 409) throw nameInUse(name, error);
    throw context.mapError(error, `Could not create the sandbox from ${spec.image}`);
  }
}

export async function startSandboxContainer(context: ContainerContext, container: Docker.Container, spec: SandboxSpec, runtime: string): Promise<void> {
  try {
    await container.start();
  } catch (error) {
    const message = dockerMessage(error);
    if (message.includes(OLD_RUNSC_SIGNATURE)) {
      throw new SandboxError('RUNTIME_BROKEN', `The gVisor runtime "${runtime}" failed to start the sandbox: ${OLD_RUNSC_SIGNATURE}.`, OLD_RUNSC_FIX, { cause: error });
    }
    if (/\/bin\/sh/.test(message) && /executable file not found|no such file or directory/i.test(message) && !spec.command) {
      throw new SandboxError(
        'EXEC_FAILED',
        `Image ${spec.image} has no /bin/sh, which keeps a sandbox without a command alive.`,
        'Set a command for the sandbox (sandboxes.defaults.command), or use an image with a shell.',
        { cause: error },
      );
    }
    throw context.mapError(error, `The sandbox from ${spec.image} failed to start`);
  }
}

export function nameInUse(name: string, cause: unknown): SandboxError {
  return new SandboxError('NAME_IN_USE', `A sandbox or container named "${name}" already exists.`, 'Choose another name, or terminate the existing sandbox first.', { cause });
}
