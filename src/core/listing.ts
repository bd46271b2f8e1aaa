import type Docker from 'dockerode';
import { LABEL, tagsFromLabels } from './labels';
import type { NetworkMode, SandboxInfo, SandboxState } from './types';

/** SandboxInfo from a `GET /containers/json` entry: no per-sandbox inspect needed for lists. */
export function infoFromList(c: Docker.ContainerInfo): SandboxInfo & { idleTimeoutSeconds: number | null } {
  const labels = c.Labels ?? {};
  const state = c.State as SandboxState;
  const exit = /^Exited \((\d+)\)/.exec(c.Status ?? '');
  return {
    id: labels[LABEL.id] ?? c.Id.slice(0, 12),
    containerId: c.Id,
    name: labels[LABEL.name] ?? (c.Names?.[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    runtime: labels[LABEL.runtime] ?? 'runc',
    state,
    exitCode: exit ? Number(exit[1]) : null,
    createdAt: new Date(labels[LABEL.createdAt] ?? c.Created * 1000),
    expiresAt: labels[LABEL.expiresAt] ? new Date(labels[LABEL.expiresAt]) : null,
    tags: tagsFromLabels(labels),
    networkMode: (labels[LABEL.networkMode] as NetworkMode) ?? 'open',
    idleTimeoutSeconds: labels[LABEL.idleTimeout] ? Number(labels[LABEL.idleTimeout]) : null,
  };
}
