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

export class WebviewClient<M extends Record<keyof M, MethodSpec>, P> {
  private readonly api = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(onPush: (push: P) => void) {
    window.addEventListener('message', (event: MessageEvent<ToWebview<P>>) => {
      const message = event.data;
      if (message?.kind === 'push') onPush(message.push);
      else if (message?.kind === 'response') this.settle(message);
    });
  }

  /** Tells the extension the listeners are in place: it answers with what the panel shows. */
  ready(): void {
    this.api.postMessage({ kind: 'ready' });
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
