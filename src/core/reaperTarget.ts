import { isLocalEngine, type DockerEndpoint } from './docker';
import type { ReaperTarget } from './lifetime';
import { defaultRunDir } from './runDir';

/**
 * Where a client finds or starts its endpoint's reaper, and what that reaper needs: the engine's
 * lock for a remote engine (local engines keep the run directory's pid file alone: every client
 * of a local engine is on this machine, where the pid file already keeps one reaper per user,
 * and a second user's reaper only repeats kills that tolerate "already gone"); the ssh-agent
 * or certificate folder the endpoint was resolved with.
 */
export function reaperTarget(endpoint: DockerEndpoint, runDir: string | undefined, dockerHost: string, guardImage: string): ReaperTarget {
  const env: Record<string, string> = {};
  if (endpoint.ssh?.agent) env.SSH_AUTH_SOCK = endpoint.ssh.agent;
  if (endpoint.certPath) Object.assign(env, { DOCKER_CERT_PATH: endpoint.certPath, DOCKER_TLS_VERIFY: '1' });
  return {
    runDir: runDir || defaultRunDir(),
    endpointDescription: endpoint.description,
    dockerHost,
    ...(isLocalEngine(endpoint) ? {} : { remote: { guardImage } }),
    ...(Object.keys(env).length ? { env } : {}),
  };
}
