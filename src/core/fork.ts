/**
 * Forks (issue #16, item 4): a new sandbox with a running one's filesystem and, unless the caller
 * gives another, its network policy and forwarded ports. Through the filesystem snapshot
 * (`snapshotFilesystem`), not a memory checkpoint: on this runtime setup runsc cannot checkpoint
 * (docs/benchmarks.md, "fork": `docker checkpoint` needs an experimental daemon; runsc's own
 * checkpoint refuses sandboxes on the host network stack, and the netstack runtime does not start
 * on this kernel). Processes are not carried over; files are, `copy` mounts included (they are in
 * the snapshot), bind mounts are mounted again from the same host folders.
 */
import { SandboxError } from './errors';
import { throwIfAborted } from './createPreparation';
import { removeSnapshot } from './files/snapshot';
import { LABEL } from './labels';
import type Docker from 'dockerode';
import type { Sandbox } from './sandbox';
import type { CreateOptions, SandboxSpec } from './types';
import { TUNNEL_KINDS } from '../shared/tunnelKinds';

/** The spec of a fork: the parent's (from its label), on the snapshot image, with its live policy and ports, then `overrides`. */
export function forkSpec(
  parent: SandboxSpec,
  snapshotRef: string,
  policy: { blockNetwork: boolean; cidrAllowlist: string[]; forwards: { port: number; kind: keyof typeof TUNNEL_KINDS }[] },
  overrides: Partial<SandboxSpec> = {},
): SandboxSpec {
  const { name: _name, ...rest } = parent;
  const ports: Partial<Record<string, number[]>> = {};
  for (const kind of Object.keys(TUNNEL_KINDS) as (keyof typeof TUNNEL_KINDS)[]) ports[TUNNEL_KINDS[kind].specField] = undefined;
  for (const f of policy.forwards) (ports[TUNNEL_KINDS[f.kind].specField] ??= []).push(f.port);
  return {
    ...rest,
    ...ports,
    image: snapshotRef,
    // The workspace copy is in the snapshot already; bind mounts are the same host folders again.
    mounts: parent.mounts?.filter((m) => m.mode !== 'copy'),
    blockNetwork: policy.blockNetwork,
    cidrAllowlist: policy.cidrAllowlist,
    ...overrides,
  };
}

/** What a fork reports and how it is cancelled (`sandbox.fork(overrides, options)`). */
export type ForkOptions = Pick<CreateOptions, 'signal' | 'onProgress'>;

/**
 * Forks `source` through a filesystem snapshot; `create` is the client's. A fork that is not made
 * (cancelled, or its create failed) removes its snapshot again: nothing is left behind.
 */
export async function forkSandbox(
  docker: Docker,
  source: Sandbox,
  create: (spec: SandboxSpec, options: CreateOptions) => Promise<Sandbox>,
  overrides: Partial<SandboxSpec> = {},
  options: ForkOptions = {},
): Promise<Sandbox> {
  const inspect = await source.info();
  if (inspect.state !== 'running') {
    throw new SandboxError('NOT_RUNNING', `Sandbox ${source.name} is not running (${inspect.state}), so it cannot be forked.`, 'Fork sandboxes while they run.');
  }
  const [container, policy] = await Promise.all([docker.getContainer(source.containerId).inspect(), source.networkPolicy()]);
  const labels = container.Config.Labels ?? {};
  let parent: SandboxSpec;
  try {
    parent = JSON.parse(labels[LABEL.spec] ?? '') as SandboxSpec;
  } catch {
    parent = { image: inspect.image, tags: inspect.tags };
  }
  throwIfAborted(options.signal);
  options.onProgress?.(`Saving the files of ${source.name}…`);
  const ref = await source.snapshotFilesystem({ tag: `fork-${Date.now().toString(36)}` });
  try {
    throwIfAborted(options.signal);
    options.onProgress?.(`Starting the fork of ${source.name}…`);
    return await create(forkSpec(parent, ref, policy, overrides), { signal: options.signal });
  } catch (error) {
    // The fork's container would hold the image: without one, the snapshot is only a leftover.
    await removeSnapshot(docker, ref).catch(() => undefined);
    throw error;
  }
}
