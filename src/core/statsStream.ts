import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError } from './errors';
import { jsonLines } from './jsonLines';
import { statsFromDocker, type DockerStats } from './stats';
import type { SandboxStats } from './types';

/**
 * A container's samples as Docker streams them (one connection, no polling), until `signal`
 * aborts or the container stops. `mapError` turns Docker's errors into the sandbox's.
 */
export async function* streamStats(
  container: Docker.Container,
  signal: AbortSignal | undefined,
  mapError: (error: unknown) => Error,
): AsyncGenerator<SandboxStats, void, undefined> {
  if (signal?.aborted) return;
  let stream: Readable;
  try {
    stream = (await container.stats({ stream: true, abortSignal: signal } as never)) as unknown as Readable;
  } catch (error) {
    if (signal?.aborted) return;
    throw mapError(error);
  }
  const stop = () => stream.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const raw of jsonLines(stream)) {
      const sample = statsFromDocker(raw as DockerStats);
      // A stopped container's samples are empty: the stream has nothing more to tell.
      if (!sample) return;
      yield sample;
    }
  } catch (error) {
    if (!signal?.aborted) throw mapError(error);
  } finally {
    signal?.removeEventListener('abort', stop);
    stream.destroy();
  }
}

/** One sample of the container `name` (Docker measures CPU over about a second); NOT_RUNNING when it has stopped. */
export async function statsSample(container: Docker.Container, name: string, mapError: (error: unknown) => Error): Promise<SandboxStats> {
  let raw: DockerStats;
  try {
    raw = (await container.stats({ stream: false })) as DockerStats;
  } catch (error) {
    throw mapError(error);
  }
  const sample = statsFromDocker(raw);
  if (!sample) throw new SandboxError('NOT_RUNNING', `Sandbox ${name} is not running, so it uses no CPU or memory.`, 'Create a new sandbox.');
  return sample;
}
