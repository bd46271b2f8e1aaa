/**
 * The script's end of the webview handshake (src/webview/lib/webviewClient.ts), with a fake VS Code
 * API: issue #14 bug 4, a Create form restored by a reload stayed blank when its one `ready` (or
 * the answer to it) was lost while the window reloaded. The script says `ready` again until the
 * first answer, boundedly.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

type Listener = (event: { data: unknown }) => void;
const g = globalThis as unknown as { acquireVsCodeApi?: () => unknown; window?: unknown };
let posted: unknown[];
let listeners: Listener[];

beforeEach(() => {
  posted = [];
  listeners = [];
  g.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => posted.push(m), getState: () => undefined, setState: () => {} });
  g.window = { addEventListener: (_type: string, listener: Listener) => listeners.push(listener) };
  mock.timers.enable({ apis: ['setTimeout'] });
});
afterEach(() => {
  mock.timers.reset();
  delete g.acquireVsCodeApi;
  delete g.window;
});

/**
 * Loaded by a computed path: the module is browser code (src/webview, typechecked with DOM types by
 * its own tsconfig), which the Node-side typecheck must not pull in; the fakes above stand in for the DOM.
 */
const CLIENT_MODULE = ['..', '..', 'src', 'webview', 'lib', 'webviewClient'].join('/');
type Client = new (onPush: (push: unknown) => void) => { ready(): void };
const loadClient = async () => ((await import(CLIENT_MODULE)) as { WebviewClient: Client }).WebviewClient;

const readies = () => posted.filter((m) => (m as { kind?: string }).kind === 'ready').length;

describe('webview ready handshake', () => {
  it('says ready again when the first one got no answer, and stops at the first push', async () => {
    const WebviewClient = await loadClient();
    const pushes: unknown[] = [];
    const client = new WebviewClient((push) => pushes.push(push));
    client.ready();
    assert.equal(readies(), 1);
    // The first ready was lost (the extension was not listening yet): nothing came back.
    for (let i = 0; i < 4; i++) mock.timers.tick(500);
    assert.ok(readies() > 1, 'ready is said again while no answer came');
    for (const listener of listeners) listener({ data: { kind: 'push', push: { type: 'init' } } });
    assert.equal(pushes.length, 1);
    const count = readies();
    for (let i = 0; i < 20; i++) mock.timers.tick(500);
    assert.equal(readies(), count, 'no more ready once answered');
  });

  it('gives up after a bounded number of tries', async () => {
    const WebviewClient = await loadClient();
    new WebviewClient(() => {}).ready();
    for (let i = 0; i < 240; i++) mock.timers.tick(500);
    const count = readies();
    assert.ok(count > 1 && count <= 100, `bounded (${count})`);
    for (let i = 0; i < 240; i++) mock.timers.tick(500);
    assert.equal(readies(), count);
  });
});
