/**
 * Everything a create checks and looks up before it creates anything (client.ts `create`, and
 * the warm pool's fills): the spec with its default limits, the policy, a registered runtime that
 * can enforce it, mounts this engine can serve, the image, the network and the guard image.
 */
import type Docker from 'dockerode';
import { isLocalEngine, type DockerEndpoint } from './docker';
import { SandboxError } from './errors';
import { assertMountsReachable, assertSourcesExist } from './files/mounts';
import { ensureImage } from './images';
import { ensureGuardImage, type NetworkInfo } from './network/guard';
import { validatePolicy } from './network/policy';
import { assertEnforceable, runtimeNetworking } from './network/runtimeMode';
import type { RuntimeEntry, RuntimeRegistry } from './runtimeRegistry';
import { DEFAULT_RUNTIME, validateSpec, withResourceDefaults } from './spec';
import type { CreateOptions, SandboxSpec } from './types';

/** What the preparation needs of its client. */
export interface PreparationContext {
  docker: Docker;
  endpoint: DockerEndpoint;
  guardImage: string;
  registry: RuntimeRegistry;
  ping(): Promise<void>;
  runtimes(): Promise<Map<string, RuntimeEntry>>;
  /** The client's guard: "no engine there" becomes DOCKER_UNREACHABLE. */
  guard<T>(call: () => Promise<T>): Promise<T>;
  /** The shared network and the guard image, looked up once per client. */
  networkAndGuardImage(): Promise<NetworkInfo>;
}

export async function prepareCreate(ctx: PreparationContext, input: SandboxSpec, options: CreateOptions) {
  // The default memory and process limits are applied here, so every caller gets them (finding 6 of #10).
  const spec = withResourceDefaults(validateSpec(input));
  const policy = validatePolicy(spec);
  const runtime = spec.runtime ?? DEFAULT_RUNTIME;
  if (spec.mounts) assertMountsReachable(spec.mounts, isLocalEngine(ctx.endpoint), ctx.endpoint.description);
  if (spec.mounts) assertSourcesExist(spec.mounts);
  // Independent look-ups in parallel: creation time is what users wait on.
  const [, runtimes] = await Promise.all([ctx.ping(), ctx.runtimes()]);
  throwIfAborted(options.signal);
  ctx.registry.require(runtime, runtimes);
  const networking = runtimeNetworking(runtime, runtimes.get(runtime));
  assertEnforceable(runtime, networking, policy);
  const [, network] = await ctx.guard(() =>
    Promise.all([
      ensureImage(ctx.docker, spec.image, options.onProgress, options.signal),
      // A --network=none runtime needs no network, but still a guard: it holds the copies of the
      // sandbox's /etc/hosts, resolv.conf and hostname (network/networkFiles.ts).
      networking === 'none' ? ensureGuardImage(ctx.docker, ctx.guardImage).then((): NetworkInfo => ({ name: 'none' })) : ctx.networkAndGuardImage(),
    ]),
  );
  throwIfAborted(options.signal);
  return { spec, policy, runtime, runtimes, networking, network };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SandboxError('CANCELLED', 'Creating the sandbox was cancelled.', 'Run the command again when you are ready.');
}
