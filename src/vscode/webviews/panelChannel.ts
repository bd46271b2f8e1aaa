/**
 * The extension's end of a webview's message protocol (protocol.ts): checks what the script
 * posts, answers each request exactly once, and posts nothing before the script's `ready`, which
 * comes again whenever VS Code recreates a hidden webview; `onReady` then sends what it shows.
 */
import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import type { ExtensionLog } from '../log';
import { isFromWebview, type MethodSpec, type RequestMessage, type ResponseMessage, type ToWebview } from '../../shared/webviewProtocol';

export type Handlers<M extends Record<keyof M, MethodSpec>> = {
  [K in keyof M & string]: (params: M[K]['params']) => Promise<M[K]['result']>;
};

export class PanelChannel<M extends Record<keyof M, MethodSpec>, P> extends Disposable {
  private ready = false;

  constructor(
    private readonly webview: vscode.Webview,
    private readonly options: {
      name: string;
      log: ExtensionLog;
      paramsOk: { [K in keyof M & string]: (params: unknown) => boolean };
      handlers: Handlers<M>;
      onReady: () => void;
    },
  ) {
    super();
    this._register(webview.onDidReceiveMessage((message: unknown) => void this.receive(message)));
  }

  /** Posts to the script once it is ready; earlier pushes are dropped, `onReady` sends the current state. */
  push(push: P): void {
    if (this.ready) void this.post({ kind: 'push', push });
  }

  /** Handles one message as if the script had posted it, and returns the response (also for tests). */
  async receive(message: unknown): Promise<ResponseMessage | undefined> {
    if (!isFromWebview<M>(message, this.options.paramsOk)) {
      this.options.log.warn(`${this.options.name}: ignored a malformed message from the webview: ${JSON.stringify(message)?.slice(0, 200)}`);
      return undefined;
    }
    if (message.kind === 'ready') {
      this.ready = true;
      // A throw here would leave the panel blank with nothing logged: the script says `ready`
      // again for a while, so a passing problem (settings being written) heals itself.
      try {
        this.options.onReady();
      } catch (err) {
        this.options.log.failure(`${this.options.name}: sending what the panel shows`, err);
      }
      return undefined;
    }
    const response = await this.answer(message);
    void this.post(response);
    return response;
  }

  private async answer(request: RequestMessage<M>): Promise<ResponseMessage> {
    const handler = this.options.handlers[request.method] as (params: unknown) => Promise<unknown>;
    try {
      return { kind: 'response', id: request.id, ok: true, result: (await handler(request.params)) ?? null };
    } catch (err) {
      // Handlers present the failures users can act on themselves: this is a bug.
      this.options.log.failure(`${this.options.name}: ${request.method}`, err);
      return { kind: 'response', id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async post(message: ToWebview<P>): Promise<void> {
    if (this.isDisposed) return;
    try {
      await this.webview.postMessage(message);
    } catch {
      // The panel was closed meanwhile.
    }
  }
}
