import { isLocalEngine, type DockerEndpoint } from '../docker';
import type { PortPath, SandboxHost } from '../sandboxHost';
import { sshForwarder } from '../sshTransport';

/**
 * How forwarded ports reach this endpoint's sandboxes: the guard's bridge address on a local
 * engine; sshd's TCP forward to it on an `ssh://` engine (falling back to the exec relay where sshd
 * refuses, tunnels/forwardOrRelay.ts); the exec relay over the engine's connection otherwise.
 */
export function portRouting(endpoint: DockerEndpoint, override: PortPath | undefined): Pick<SandboxHost, 'portPath' | 'forwardTcp'> {
  const portPath = override ?? (isLocalEngine(endpoint) ? 'bridge' : endpoint.ssh ? 'forward' : 'relay');
  return { portPath, forwardTcp: sshForwarder((endpoint.options as { agent?: unknown }).agent) };
}
