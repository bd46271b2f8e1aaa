import type Docker from 'dockerode';
import { MANAGED_FILTER } from './labels';

/**
 * Docker does not end an exec's connection when its container is killed or removed from
 * outside — by another client, `docker rm -f`, or the lifetime reaper — so the exec's output
 * never ends and `wait()` never returns (a terminal would hang silently). While a client has
 * execs open, it watches Docker's events and reports containers that die, so their execs can be
 * hung up. One event stream per client, open only while there are execs.
 */
export class ContainerStopWatch {
  private abort: AbortController | undefined;

  constructor(
    private readonly docker: () => Docker,
    private readonly onStop: (containerId: string) => void,
  ) {}

  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    const filters = { type: ['container'], event: ['die', 'destroy'], label: [MANAGED_FILTER] };
    this.docker()
      .getEvents({ filters, abortSignal: abort.signal } as Docker.GetEventsOptions)
      .then(
        (stream) => {
          if (abort.signal.aborted) return destroy(stream);
          abort.signal.addEventListener('abort', () => destroy(stream));
          let buffered = '';
          stream.on('data', (chunk: Uint8Array | string) => {
            buffered += chunk.toString();
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            for (const line of lines) {
              const id = containerIdOf(line);
              if (id) this.onStop(id);
            }
          });
          // A broken stream (Docker restarting) is watched again by the next exec.
          const ended = () => {
            if (this.abort === abort) this.abort = undefined;
          };
          stream.on('error', ended);
          stream.on('end', ended);
          stream.on('close', ended);
        },
        () => {
          if (this.abort === abort) this.abort = undefined;
        },
      );
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
  }
}

function containerIdOf(line: string): string | undefined {
  try {
    const event = JSON.parse(line) as { id?: unknown; Actor?: { ID?: unknown } };
    const id = event.Actor?.ID ?? event.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
