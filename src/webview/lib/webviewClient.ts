/**
 * The script's end of the message protocol (src/vscode/webviews/protocol.ts): requests with ids
 * answered by promises, pushes to a handler, the `ready` handshake, and the state VS Code keeps
 * for the panel across reloads (`setState`).
 */
import type { MethodSpec, ResponseMessage, ToWebview } from '../../shared/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** How often, and how many times, `ready` is said while no answer came: 30 s in all, for a slow reload. */
const READY_RETRY_MS = 500;
const READY_ATTEMPTS = 60;

export class WebviewClient<M extends Record<keyof M, MethodSpec>, P> {
  private readonly api = acquireVsCodeApi();
  private nextId = 1;
  private awaitingFirstPush = false;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(onPush: (push: P) => void) {
    window.addEventListener('message', (event: MessageEvent<ToWebview<P>>) => {
      const message = event.data;
      if (message?.kind === 'push') {
        this.awaitingFirstPush = false;
        onPush(message.push);
      }
      else if (message?.kind === 'response') this.settle(message);
    });
  }

  /**
   * Tells the extension the listeners are in place: it answers with what the panel shows.
   *
   * Said again until the first push arrives (bounded): a restored panel's one `ready` can be lost,
   * or the answer to it, while the window is still reloading — the extension may not be listening
   * to this webview yet, or its answer reaches a frame VS Code is replacing — and a panel that
   * waits for an answer that never comes stays blank for good (issue #14). The extension answers
   * every `ready`, so saying it twice costs one more answer.
   */
  ready(): void {
    this.awaitingFirstPush = true;
    let sent = 0;
    const say = () => {
      if (!this.awaitingFirstPush || sent >= READY_ATTEMPTS) return;
      sent++;
      this.api.postMessage({ kind: 'ready' });
      setTimeout(say, READY_RETRY_MS);
    };
    say();
  }

  request<K extends keyof M & string>(method: K, params: M[K]['params']): Promise<M[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.api.postMessage({ kind: 'request', id, method, params });
    });
  }

  get state(): unknown {
    return this.api.getState();
  }

  set state(value: unknown) {
    this.api.setState(value);
  }

  private settle(response: ResponseMessage): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    this.pending.delete(response.id);
    if (response.ok) waiting.resolve(response.result);
    else waiting.reject(new Error(response.error));
  }
}
