import type { SandboxClient } from '../../core';
import type { ExtensionLog } from '../log';
import { sandboxesThatCanWrite, type SettingsWriter } from './settingsWriters';
import { workspaceSettingsFiles } from './workspaceSettingsFiles';

/**
 * Running sandboxes (of any window) whose bind mounts hold this window's workspace settings; one
 * unknown writer when Docker cannot say. `docker` is asked for only when there are settings files.
 */
export async function findSettingsWriters(docker: () => SandboxClient['docker'], log: ExtensionLog): Promise<SettingsWriter[]> {
  const files = workspaceSettingsFiles();
  if (files.length === 0) return [];
  try {
    const containers = await docker().listContainers({ all: true, filters: { label: ['sandboxes.managed=true'] } });
    return sandboxesThatCanWrite(
      containers.map((c) => ({
        name: c.Labels?.['sandboxes.name'] ?? c.Names?.[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
        state: c.State,
        mounts: (c.Mounts ?? []).map((m) => ({ type: m.Type, source: m.Source })),
      })),
      files,
    );
  } catch (err) {
    // Fail closed: with no answer, any sandbox might be one.
    log.warn(`Could not list the sandboxes' mounts to see whether one can write the workspace settings: ${err instanceof Error ? err.message : String(err)}`);
    return [{ name: '(unknown: Docker did not answer)', file: files[0] ?? 'the workspace settings' }];
  }
}
