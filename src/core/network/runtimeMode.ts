import { SandboxError } from '../errors';
import { isGvisorRuntime, type RuntimeRegistration } from '../../shared/runtimes';
import { modeOf, runtimeSupports, type NetworkPolicy, type RuntimeNetworking } from '../../shared/networkModes';

export type { RuntimeNetworking } from '../../shared/networkModes';

export { isGvisorRuntime, type RuntimeRegistration };

export function runtimeNetworking(name: string, registration: RuntimeRegistration | undefined): RuntimeNetworking {
  if (!isGvisorRuntime(name, registration)) return 'kernel';
  const args = registration?.runtimeArgs ?? [];
  let network = 'sandbox';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i].replace(/^--?/, '');
    if (arg.startsWith('network=')) network = arg.slice('network='.length);
    else if (arg === 'network' && i + 1 < args.length) network = args[++i];
  }
  if (network === 'host') return 'kernel';
  if (network === 'none') return 'none';
  return 'netstack';
}

/**
 * Fail closed: a policy that this runtime cannot enforce is refused, never silently ignored.
 * Open stays allowed on netstack, but there it is *not* the public-only open of kernel runtimes
 * (nothing filters it: it reaches private addresses too); the sandbox's state says
 * `enforced: false` and docs/security.md says so.
 */
export function assertEnforceable(runtime: string, networking: RuntimeNetworking, policy: NetworkPolicy): void {
  const mode = modeOf(policy);
  if (runtimeSupports(networking, mode)) return;
  if (networking === 'netstack') {
    throw new SandboxError(
      'POLICY_UNSUPPORTED',
      `Runtime "${runtime}" runs gVisor's own network stack (netstack), which writes raw frames that no netfilter rule in the sandbox's namespace sees, so a ${mode} policy cannot be enforced there.`,
      'Register runsc with "runtimeArgs": ["--network=host"] (scripts/setup-host.sh does) and use that runtime, or create the sandbox with an open network.',
    );
  }
  if (networking === 'none') {
    throw new SandboxError(
      'POLICY_UNSUPPORTED',
      `Runtime "${runtime}" is registered with --network=none: its sandboxes have loopback only, so a ${mode} network cannot be provided.`,
      'Use blockNetwork with this runtime, or a runtime registered with --network=host for open or allowlisted networks.',
    );
  }
}
