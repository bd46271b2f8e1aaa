/**
 * Docker's event stream, narrowed to the lifecycle of the containers this engine manages: how the
 * Sandboxes view learns within a second that a sandbox was started or removed anywhere (another
 * window, the CLI, a script), without polling. One long-lived `GET /events` request, parsed line
 * by line; when it ends (Docker restarted, the socket went away) it reconnects with backoff and
 * says so, since events may have been missed meanwhile.
 *
 * No `vscode` import: the parsing and the reconnecting are unit-tested. A candidate for the engine
 * (`SandboxClient.watch()`); until then it lives with its only user.
 */
import type { Logger } from '../../core/types';

/**
 * Only actions that change what a list of sandboxes shows. Left out on purpose: exec events
 * (reading a sandbox's network policy is an exec in its guard, so listening to them would make
 * every refresh cause the next one) and `create` (a sandbox being created is started a moment
 * later, and `start` tells; a sandbox that fails to start is removed, and `destroy` tells).
 */
export const LIFECYCLE_ACTIONS = ['start', 'die', 'destroy', 'pause', 'unpause', 'rename'] as const;

export const SANDBOX_EVENT_FILTERS = {
  type: ['container' as const],
  label: ['sandboxes.managed=true'],
  event: [...LIFECYCLE_ACTIONS],
};

/** Reconnect delays; the last one repeats. Short at first: a Docker restart takes a second or two. */
export const RECONNECT_BACKOFF_MS: readonly number[] = [250, 500, 1000, 2000, 5000];

/** A connection that lasted this long was healthy: the next reconnect starts the backoff over. */
export const STABLE_CONNECTION_MS = 5000;

export interface SandboxEvent {
  /** Docker's action, e.g. `start`, `die`, `destroy`. */
  action: string;
  containerId: string;
  /** The `sb-…` id, for the sandbox and for its guard alike. */
  sandboxId: string | undefined;
  /** `sandbox`, `guard` or `network` (labels of the engine; absent on sandboxes from before roles). */
  role: string | undefined;
  /** The engine's own probe (Check Setup's trial sandbox), nobody's sandbox. */
  probe: boolean;
}

/** What `dockerode`'s `Docker#getEvents` offers, as far as it is used here. */
export interface DockerEventSource {
  getEvents(options: { filters: typeof SANDBOX_EVENT_FILTERS; abortSignal?: AbortSignal }): Promise<NodeJS.ReadableStream>;
}

/** Splits a byte stream into JSON values, one per line; a value may arrive in several chunks. */
export class JsonLineParser {
  private buffered = '';
  private readonly decoder = new TextDecoder();

  /** The complete lines so far, parsed; lines that are not JSON go to `onInvalid`. */
  push(chunk: Uint8Array | string, onInvalid: (line: string) => void = () => undefined): unknown[] {
    this.buffered += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    const values: unknown[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch {
        onInvalid(line);
      }
    }
    return values;
  }
}

/**
 * Whether an event is about a sandbox itself rather than one of the engine's helpers. A guard
 * starts before its sandbox exists and ends with it: its events tell nothing the sandbox's own do
 * not, and a list taken on them would catch the sandbox half made.
 */
export function isSandboxContainerEvent(event: SandboxEvent): boolean {
  // A probe comes and goes within seconds and is never listed: refreshing for it shows nothing new.
  return !event.probe && (event.role === undefined || event.role === 'sandbox');
}

/** A Docker event (`{ Type, Action, Actor: { ID, Attributes } }`) as a `SandboxEvent`; `undefined` for anything else. */
export function sandboxEventOf(raw: unknown): SandboxEvent | undefined {
  const event = raw as { Type?: unknown; Action?: unknown; Actor?: { ID?: unknown; Attributes?: Record<string, unknown> } } | null;
  if (!event || event.Type !== 'container' || typeof event.Action !== 'string' || typeof event.Actor?.ID !== 'string') {
    return undefined;
  }
  const attributes = event.Actor.Attributes ?? {};
  const text = (key: string) => (typeof attributes[key] === 'string' ? (attributes[key] as string) : undefined);
  return { action: event.Action, containerId: event.Actor.ID, sandboxId: text('sandboxes.id'), role: text('sandboxes.role'), probe: text('sandboxes.probe') === 'true' };
}

export interface SandboxEventStreamOptions {
  /** Asked on every connect: the extension recreates its client when the Docker endpoint changes. */
  source: () => DockerEventSource;
  onEvent: (event: SandboxEvent) => void;
  /** A connection is up; events before it may have been missed, so whatever they would have triggered is due. */
  onConnected: () => void;
  /** A connection that was up has ended (Docker stopping or restarting, or gone). */
  onDisconnected: (error: unknown) => void;
  log?: Pick<Logger, 'debug' | 'warn'>;
  backoffMs?: readonly number[];
}

export class SandboxEventStream {
  private running = false;
  /** Bumped on every (re)connect and on stop, so callbacks of a superseded connection do nothing. */
  private generation = 0;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private stream: NodeJS.ReadableStream | undefined;

  constructor(private readonly options: SandboxEventStreamOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.abort?.abort();
    this.abort = undefined;
    destroy(this.stream);
    this.stream = undefined;
  }

  /** Reconnects now, e.g. to a new Docker endpoint. */
  restart(): void {
    if (!this.running) return;
    this.stop();
    this.start();
  }

  dispose(): void {
    this.stop();
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const abort = new AbortController();
    this.abort = abort;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.options.source().getEvents({ filters: SANDBOX_EVENT_FILTERS, abortSignal: abort.signal });
    } catch (error) {
      if (generation === this.generation) this.retry(generation, error);
      return;
    }
    if (generation !== this.generation) {
      destroy(stream);
      return;
    }
    this.stream = stream;
    const connectedAt = Date.now();
    this.options.log?.debug('Docker events: connected.');
    this.options.onConnected();

    const parser = new JsonLineParser();
    stream.on('data', (chunk: Uint8Array | string) => {
      if (generation !== this.generation) return;
      for (const raw of parser.push(chunk, (line) => this.options.log?.warn(`Docker events: ignored a line that is not JSON: ${line.slice(0, 200)}`))) {
        const event = sandboxEventOf(raw);
        if (event) this.options.onEvent(event);
      }
    });
    let ended = false;
    const onEnd = (error?: unknown) => {
      if (ended || generation !== this.generation) return;
      ended = true;
      this.stream = undefined;
      destroy(stream);
      if (Date.now() - connectedAt >= STABLE_CONNECTION_MS) this.attempt = 0;
      this.options.onDisconnected(error);
      this.retry(generation, error ?? new Error('the event stream ended'));
    };
    stream.once('end', () => onEnd());
    stream.once('close', () => onEnd());
    stream.once('error', (error: unknown) => onEnd(error));
  }

  private retry(generation: number, error: unknown): void {
    if (!this.running) return;
    const backoff = this.options.backoffMs ?? RECONNECT_BACKOFF_MS;
    const delay = backoff[Math.min(this.attempt, backoff.length - 1)] ?? 1000;
    this.attempt++;
    this.options.log?.debug(`Docker events: disconnected (${error instanceof Error ? error.message : String(error)}); reconnecting in ${delay} ms.`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running && generation === this.generation) void this.connect();
    }, delay);
  }
}

function destroy(stream: NodeJS.ReadableStream | undefined): void {
  (stream as { destroy?: () => void } | undefined)?.destroy?.();
}
