import type Docker from 'dockerode';
import { LABEL } from './labels';
import type { GuardChoice } from './guardSelection';
import type { RuntimeEntry } from './runtimeRegistry';
import { createSandboxContainer, type ContainerContext } from './sandboxContainer';
import type { withResourceDefaults } from './spec';
import { copyWorkspaceIn } from './files/workspaceCopy';
import type { MountBaseline } from './review/manifest';
import type { CreateOptions } from './types';

/**
 * The sandbox container, created while its guard gets ready (added to `created`, which create
 * removes again if a later step fails), with its copy mounts copied in before it starts.
 */
export async function createContainerWithCopy(
  context: ContainerContext,
  guard: GuardChoice,
  created: Docker.Container[],
  what: { spec: ReturnType<typeof withResourceDefaults>; name: string; runtime: string; runtimes: Map<string, RuntimeEntry>; labels: Record<string, string> },
  options: CreateOptions,
): Promise<{ container: Docker.Container; baselines: MountBaseline[] }> {
  const { spec, name, runtime, runtimes, labels } = what;
  let baselines: MountBaseline[] = [];
  const where = { name, runtime, runtimes, networkMode: guard.networkMode, guardId: guard.guardId };
  const [, container] = await Promise.all([
    guard.ready,
    createSandboxContainer(context, spec, where, { ...labels, [LABEL.role]: 'sandbox' }).then(async (c) => {
      created.push(c);
      // Copy mounts go in before start (see copyMountsIn). Docker mounts the container's
      // binds for that, the guard's copies of the network files among them, which exist once
      // the guard is ready: before, Docker would make directories in their place.
      if (spec.mounts?.some((m) => m.mode === 'copy')) {
        await guard.ready;
        baselines = await copyWorkspaceIn(c, spec, options);
      }
      return c;
    }),
  ]);
  return { container, baselines };
}
