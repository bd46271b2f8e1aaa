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
import { LABEL } from './labels';
import type Docker from 'dockerode';
import type { Sandbox } from './sandbox';
import type { SandboxSpec } from './types';
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

/** Forks `source` through a filesystem snapshot; `create` is the client's. */
export async function forkSandbox(docker: Docker, source: Sandbox, create: (spec: SandboxSpec) => Promise<Sandbox>, overrides: Partial<SandboxSpec> = {}): Promise<Sandbox> {
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
  const ref = await source.snapshotFilesystem({ tag: `fork-${Date.now().toString(36)}` });
  return create(forkSpec(parent, ref, policy, overrides));
}
