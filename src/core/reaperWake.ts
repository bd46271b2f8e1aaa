/**
 * What wakes the sleeping reaper early. It sleeps until the next deadline it knows of (at most
 * 30 s); a sandbox created meanwhile, by any client, has a deadline it does not know yet, which
 * could pass unnoticed for up to 30 s. Docker's event stream tells it at once: a managed
 * container started (a new deadline) or died (maybe nothing is left to watch). Any process that
 * starts a sandbox is covered this way, not only clients of this engine. While the stream is down
 * the reaper polls every second instead.
 */
import type Docker from 'dockerode';
import { MANAGED_FILTER } from './labels';

/** A sleep that `wake()` ends early; a wake-up that comes while awake ends the next sleep at once. */
export class Wakeup {
  private waiter: (() => void) | undefined;
  private pending = false;

  wake(): void {
    if (this.waiter) this.waiter();
    else this.pending = true;
  }

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      this.waiter = done;
    });
  }
}

export const WAKE_EVENT_FILTERS = { type: ['container'], event: ['start', 'die'], label: [MANAGED_FILTER] };

/** Reconnect delays; the last one repeats (a Docker restart takes a second or two). */
export const RECONNECT_BACKOFF_MS: readonly number[] = [250, 500, 1000, 2000, 5000];

type EventSource = Pick<Docker, 'getEvents'>;

/**
 * Follows the event stream, calling `onWake` for each event and once on every (re)connection
 * (events may have been missed while it was down). `connected()` says whether it is up now.
 */
export class StartWatcher {
  private abort = new AbortController();
  private up = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly docker: EventSource,
    private readonly onWake: () => void,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  connected(): boolean {
    return this.up;
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.abort.abort();
    clearTimeout(this.timer);
    this.up = false;
  }

  private async connect(): Promise<void> {
    if (this.abort.signal.aborted) return;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getEvents({ filters: WAKE_EVENT_FILTERS, abortSignal: this.abort.signal } as Docker.GetEventsOptions);
    } catch (error) {
      this.retry(`cannot follow Docker's events: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (this.abort.signal.aborted) return void (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    this.up = true;
    this.attempt = 0;
    this.onWake();
    stream.on('data', () => this.onWake());
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      this.up = false;
      this.retry(why);
    };
    stream.on('error', (error: Error) => end(`Docker's event stream failed: ${error.message}`));
    stream.on('end', () => end("Docker's event stream ended"));
    stream.on('close', () => end("Docker's event stream closed"));
  }

  private retry(why: string): void {
    if (this.abort.signal.aborted) return;
    this.onError(why);
    const delay = RECONNECT_BACKOFF_MS[Math.min(this.attempt++, RECONNECT_BACKOFF_MS.length - 1)];
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref?.();
  }
}
