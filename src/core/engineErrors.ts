/**
 * How the client turns Docker failures into SandboxErrors: "no engine there" becomes
 * DOCKER_UNREACHABLE naming the endpoint, anything else EXEC_FAILED with what was being done.
 */
import { isConnectionError, unreachable, type DockerEndpoint } from './docker';
import { SandboxError, dockerMessage } from './errors';

/** Runs a Docker call, turning "no engine there" into a DOCKER_UNREACHABLE error. */
export async function guardCall<T>(endpoint: DockerEndpoint, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConnectionError(error)) throw unreachable(endpoint, error);
    throw error;
  }
}

export function mapEngineError(endpoint: DockerEndpoint, error: unknown, what: string): Error {
  if (error instanceof SandboxError) return error;
  if (isConnectionError(error)) return unreachable(endpoint, error);
  return new SandboxError('EXEC_FAILED', `${what}: ${dockerMessage(error)}`, 'See the Docker engine log for details; run "Sandboxes: Check Setup" to test the installation.', {
    cause: error,
  });
}
