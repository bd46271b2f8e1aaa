import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from './errors';

/** No single Docker call may hold terminate() up: a stuck engine answers nothing (seen: 10 minutes). */
const DOCKER_CALL_TIMEOUT_MS = 5_000;
const REMOVAL_POLL_MS = 250;

/**
 * Removes containers and confirms each is gone (inspect answers 404) before a deadline. Docker's
 * 409 "removal already in progress" is not success: another client (or the reaper) has started,
 * and the container stays until it is done — or forever, if the engine is stuck.
 */
export class ContainerRemoval {
  constructor(
    private readonly docker: Docker,
    private readonly deadline: number,
  ) {}

  /** true when gone; a SandboxError for an error that waiting cannot cure; otherwise what was last seen at the deadline. */
  async remove(id: string): Promise<true | SandboxError | { state: string; cause?: unknown }> {
    const container = this.docker.getContainer(id);
    let last: { state: string; cause?: unknown } = { state: 'no answer from Docker' };
    try {
      await bounded((signal) => container.remove({ force: true, v: true, abortSignal: signal }), this.timeLeft());
    } catch (error) {
      if (dockerStatus(error) === 404) return true;
      if (dockerStatus(error) === 409 && /already in progress/i.test(dockerMessage(error))) last = { state: 'removal in progress', cause: error };
      else if (isTimeout(error)) last = { state: 'Docker did not answer the removal', cause: error };
      else
        return new SandboxError(
          'TERMINATE_FAILED',
          `Docker refused to remove container ${id.slice(0, 12)}: ${dockerMessage(error)}`,
          'See the Docker engine log for why; remove it with `docker rm -f` once that is fixed.',
          { cause: error },
        );
    }
    // Confirm, and wait for a removal someone else is doing, up to the deadline.
    for (;;) {
      try {
        const info = await bounded((signal) => container.inspect({ abortSignal: signal }), this.timeLeft());
        last = { state: `Docker still lists it as ${info.State?.Status ?? 'unknown'}`, cause: last.cause };
      } catch (error) {
        if (dockerStatus(error) === 404) return true;
        last = { state: isTimeout(error) ? 'Docker did not answer whether it is gone' : dockerMessage(error), cause: error };
      }
      if (this.timeLeft() <= 0) return last;
      await new Promise((resolve) => setTimeout(resolve, Math.min(REMOVAL_POLL_MS, this.timeLeft())));
    }
  }

  private timeLeft(): number {
    return Math.max(0, this.deadline - Date.now());
  }
}

/** A Docker call given at most DOCKER_CALL_TIMEOUT_MS (and never past the deadline); its request is aborted then. */
async function bounded<T>(call: (signal: AbortSignal) => Promise<T>, timeLeftMs: number): Promise<T> {
  const ms = Math.max(1, Math.min(DOCKER_CALL_TIMEOUT_MS, timeLeftMs));
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(Object.assign(new Error(`no answer from Docker within ${ms} ms`), { code: 'ETIMEDOUT' }));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function isTimeout(error: unknown): boolean {
  const e = error as { code?: string; name?: string } | null;
  return e?.code === 'ETIMEDOUT' || e?.name === 'AbortError';
}
