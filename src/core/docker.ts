import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { SandboxError, dockerMessage } from './errors';
import { SshDialAgent } from './sshTransport';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export interface DockerEndpoint {
  /** What users see in messages, e.g. "unix:///var/run/docker.sock". */
  readonly description: string;
  readonly options: Docker.DockerOptions;
  /** For ssh:// endpoints: where and as whom the SSH connection goes, and the ssh-agent it authenticates with. */
  readonly ssh?: { host: string; port: number; username?: string; agent?: string };
  /** For TLS endpoints: the folder the certificates were read from (DOCKER_CERT_PATH), for processes started later (the reaper). */
  readonly certPath?: string;
}

/**
 * Resolves where the Docker engine is: the explicit option, then DOCKER_HOST, then the default
 * socket. Pure, so the precedence is unit-tested.
 */
export function resolveEndpoint(dockerHost: string | undefined, env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const value = (dockerHost ?? '').trim() || (env.DOCKER_HOST ?? '').trim();
  if (!value) return { description: `unix://${DEFAULT_SOCKET}`, options: { socketPath: DEFAULT_SOCKET } };
  if (value.startsWith('/')) return { description: `unix://${value}`, options: { socketPath: value } };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badHost(value);
  }
  switch (url.protocol) {
    case 'unix:':
      return { description: value, options: { socketPath: url.pathname } };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = url.protocol === 'https:' || env.DOCKER_TLS_VERIFY === '1';
      const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
      const options: Docker.DockerOptions = { host: url.hostname, port, protocol: tls ? 'https' : 'http' };
      if (tls && env.DOCKER_CERT_PATH) {
        const read = (file: string) => fs.readFileSync(path.join(env.DOCKER_CERT_PATH as string, file));
        Object.assign(options, { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') });
      }
      const certPath = tls && env.DOCKER_CERT_PATH ? env.DOCKER_CERT_PATH : undefined;
      return { description: `${tls ? 'https' : 'tcp'}://${url.hostname}:${port}`, options, ...(certPath ? { certPath } : {}) };
    }
    case 'ssh:': {
      // The key comes from the user's ssh-agent, as with the Docker CLI's `ssh://` (which runs
      // `ssh`); all requests share one SSH connection (see sshTransport.ts).
      const port = url.port ? Number(url.port) : 22;
      const ssh = { host: url.hostname, port, username: url.username || undefined, agent: env.SSH_AUTH_SOCK || undefined };
      return {
        description: value,
        ssh,
        // The agent dials the real host; the HTTP request itself names localhost. Inside VS Code,
        // its proxy support (http.proxySupport "override", the default) replaces the agent of every
        // request to another host, which then went over plain TCP to the SSH port ("Expected HTTP/").
        options: { protocol: 'http', host: 'localhost', port, agent: new SshDialAgent(ssh) } as Docker.DockerOptions,
      };
    }
    default:
      throw badHost(value);
  }
}

/**
 * Whether the engine runs on this machine: a socket, or TCP to a loopback address. Only then
 * can this machine reach the engine's bridges (forwarded ports connect to the guard's address)
 * and name host folders to mount; a remote engine gets forwards relayed over its own
 * connection and refuses bind mounts.
 */
export function isLocalEngine(endpoint: DockerEndpoint): boolean {
  if (endpoint.ssh) return false;
  if (endpoint.options.socketPath) return true;
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(String(endpoint.options.host ?? '').toLowerCase());
}

function badHost(value: string): SandboxError {
  return new SandboxError(
    'DOCKER_UNREACHABLE',
    `"${value}" is not a Docker endpoint this extension understands.`,
    'Use unix:///var/run/docker.sock, tcp://HOST:2375, https://HOST:2376 or ssh://USER@HOST (option dockerHost, VS Code setting sandboxes.docker.host, or DOCKER_HOST).',
  );
}

/** Turns a failed ping (or any connection-level failure) into an error naming cause and fix. */
export function unreachable(endpoint: DockerEndpoint, error: unknown): SandboxError {
  const code = (error as { code?: string } | null)?.code;
  const cause = code ? `${code}: ${dockerMessage(error)}` : dockerMessage(error);
  const fix =
    code === 'EACCES'
      ? `Give your user access to the socket (e.g. \`sudo usermod -aG docker $USER\`, then log in again), or run as a user that has it.`
      : 'Start the Docker engine (`sudo bash scripts/setup-host.sh` starts it and sets up gVisor; or `sudo systemctl start docker`), ' +
        'or point the dockerHost option / VS Code setting sandboxes.docker.host / DOCKER_HOST at a running engine.';
  return new SandboxError('DOCKER_UNREACHABLE', `Cannot reach the Docker engine at ${endpoint.description} (${cause}).`, fix, { cause: error });
}

/** True for errors that mean "no engine answered", as opposed to an API error from a live engine. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return typeof code === 'string' && ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code);
}

const PING_TIMEOUT_MS = 5000;

/** Resolves when the engine answers; otherwise a DOCKER_UNREACHABLE error naming the endpoint and the fix. */
export async function pingEngine(docker: Docker, endpoint: DockerEndpoint): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })), PING_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    throw unreachable(endpoint, error);
  } finally {
    clearTimeout(timer);
  }
}
