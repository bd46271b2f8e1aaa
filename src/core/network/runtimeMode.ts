import { SandboxError } from '../errors';
import { modeOf, type NetworkPolicy } from './policy';

/**
 * How a runtime connects a sandbox to the network decides where a policy can be enforced.
 *
 * - `kernel`: runc, or runsc with --network=host. Packets go through the Linux network stack of
 *   the sandbox's network namespace, so netfilter rules there see every packet.
 * - `netstack`: runsc's default. gVisor's own network stack writes raw frames to the interface;
 *   the namespace's netfilter hooks never see them, so rules there would enforce nothing.
 * - `none`: runsc with --network=none. Only loopback exists inside the sandbox.
 */
export type RuntimeNetworking = 'kernel' | 'netstack' | 'none';

export interface RuntimeRegistration {
  path?: string;
  runtimeArgs?: string[];
}

export function isGvisorRuntime(name: string, registration: RuntimeRegistration | undefined): boolean {
  return /runsc|gvisor/i.test(name) || /runsc/.test(registration?.path ?? '');
}

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
  if (networking === 'netstack' && mode !== 'open') {
    throw new SandboxError(
      'POLICY_UNSUPPORTED',
      `Runtime "${runtime}" runs gVisor's own network stack (netstack), which writes raw frames that no netfilter rule in the sandbox's namespace sees, so a ${mode} policy cannot be enforced there.`,
      'Register runsc with "runtimeArgs": ["--network=host"] (scripts/setup-host.sh does) and use that runtime, or create the sandbox with an open network.',
    );
  }
  if (networking === 'none' && mode !== 'blocked') {
    throw new SandboxError(
      'POLICY_UNSUPPORTED',
      `Runtime "${runtime}" is registered with --network=none: its sandboxes have loopback only, so a ${mode} network cannot be provided.`,
      'Use blockNetwork with this runtime, or a runtime registered with --network=host for open or allowlisted networks.',
    );
  }
}

