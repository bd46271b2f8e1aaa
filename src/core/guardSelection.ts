/**
 * Which guard a new sandbox joins: a claimed spare (already holding its verified policy), a new
 * guard, or none for a `--network=none` runtime. Whatever it creates is pushed to `created`,
 * so the caller removes it again when a later step fails.
 */
import type Docker from 'dockerode';
import { dockerStatus } from './errors';
import { createGuard, guardName, type GuardSpec, type NetworkInfo } from './network/guard';
import { nameInUse } from './sandboxContainer';

/** The guard the sandbox's container joins. */
export interface GuardChoice {
  /** Docker's NetworkMode for the sandbox: `container:<guard>`, or `none`. */
  readonly networkMode: string;
  readonly guardId: string | undefined;
  /** Resolves once the guard has loaded and verified the policy: the sandbox may start only then (fail closed). */
  readonly ready: Promise<void>;
}

export async function attachGuard(
  docker: Docker,
  choice: { spare: { container: Docker.Container } | null; network: NetworkInfo | undefined },
  guard: Omit<GuardSpec, 'network'>,
  created: Docker.Container[],
): Promise<GuardChoice> {
  const { spare, network } = choice;
  if (spare) {
    // A spare guard, started earlier and now holding this sandbox's verified policy.
    created.push(spare.container);
    await spare.container.rename({ name: guardName(guard.sandboxId) });
    return { networkMode: `container:${spare.container.id}`, guardId: spare.container.id, ready: Promise.resolve() };
  }
  if (!network) {
    return { networkMode: 'none', guardId: undefined, ready: Promise.resolve() };
  }
  const created_ = await createGuard(docker, { ...guard, network }).catch((error: unknown) => {
    throw dockerStatus(error) === 409 ? nameInUse(guard.name, error) : error;
  });
  created.push(created_.container);
  // Meanwhile the sandbox container is created (creating does not join the namespace yet).
  return { networkMode: `container:${created_.container.id}`, guardId: created_.container.id, ready: created_.start() };
}
