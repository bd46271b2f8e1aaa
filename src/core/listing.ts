import type Docker from 'dockerode';
import { LABEL, tagsFromLabels } from './labels';
import { isNetworkMode } from '../shared/networkModes';
import { isGvisorRuntime } from '../shared/runtimes';
import type { SandboxInfo, SandboxState } from './types';

/** What both of Docker's container answers (list entry, inspect) say, in one shape. */
interface ContainerFacts {
  labels: Record<string, string>;
  containerId: string;
  /** The container's name without Docker's leading slash. */
  containerName: string;
  image: string;
  /** Docker's own runtime field (inspect has it), preferred over our label. */
  runtime: string | undefined;
  state: SandboxState;
  exitCode: number | null;
  /** When Docker created the container, if our label is missing. */
  created: Date;
}

/** The one mapping from container data to SandboxInfo (lists and inspects agree by construction). */
function infoFromFacts(f: ContainerFacts): SandboxInfo {
  const labels = f.labels;
  const runtime = f.runtime ?? labels[LABEL.runtime] ?? 'runc';
  const mode = labels[LABEL.networkMode];
  return {
    id: labels[LABEL.id] ?? f.containerId.slice(0, 12),
    containerId: f.containerId,
    // A claimed pool member has no name label of its own (pool/claims.ts): its container is `sandboxes-<name>`.
    name: labels[LABEL.name] ?? (labels[LABEL.pool] === 'true' ? f.containerName.replace(/^sandboxes-/, '') : f.containerName),
    image: f.image,
    runtime,
    state: f.state,
    exitCode: f.exitCode,
    createdAt: new Date(labels[LABEL.createdAt] ?? f.created),
    expiresAt: labels[LABEL.expiresAt] ? new Date(labels[LABEL.expiresAt]) : null,
    tags: tagsFromLabels(labels),
    networkMode: isNetworkMode(mode) ? mode : 'open',
    gvisor: isGvisorRuntime(runtime),
  };
}

/** SandboxInfo from a `GET /containers/json` entry: no per-sandbox inspect needed for lists. */
export function infoFromList(c: Docker.ContainerInfo): SandboxInfo & { idleTimeoutSeconds: number | null } {
  const labels = c.Labels ?? {};
  const exit = /^Exited \((\d+)\)/.exec(c.Status ?? '');
  return {
    ...infoFromFacts({
      labels,
      containerId: c.Id,
      containerName: (c.Names?.[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      runtime: undefined,
      state: c.State as SandboxState,
      exitCode: exit ? Number(exit[1]) : null,
      created: new Date(c.Created * 1000),
    }),
    idleTimeoutSeconds: labels[LABEL.idleTimeout] ? Number(labels[LABEL.idleTimeout]) : null,
  };
}

/** SandboxInfo from `GET /containers/{id}/json`. */
export function infoFromInspect(c: Docker.ContainerInspectInfo): SandboxInfo {
  const state = c.State.Status as SandboxState;
  return infoFromFacts({
    labels: c.Config.Labels ?? {},
    containerId: c.Id,
    containerName: c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    runtime: c.HostConfig.Runtime,
    state,
    exitCode: state === 'running' || state === 'created' ? null : c.State.ExitCode,
    created: new Date(c.Created),
  });
}
