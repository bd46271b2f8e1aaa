/**
 * A plain-HTTP listener on 127.0.0.1 for *viewing* an HTTPS or HTTP/2 forward through a proxy
 * that speaks plain HTTP/1.1 to local ports: code-server's `/proxy/<port>/`, which is how a
 * browser-hosted VS Code reaches `http://127.0.0.1:<port>`. Pointed at an HTTPS tunnel, that proxy
 * fails ("socket hang up": it sends plain HTTP into a TLS listener). The server inside such a
 * forward speaks plain HTTP (HTTPS kind) or h2c (HTTP/2 kind), so this listener serves it to the
 * proxy without TLS:
 *
 * - HTTPS kind: a byte pipe, as an HTTP/TCP forward (WebSockets pass through);
 * - HTTP/2 kind: HTTP/1.1 requests translated to h2c streams on one HTTP/2 session.
 *
 * Always loopback (never the configured bind address), created on first use, closed with its
 * forward. Nothing about the forward itself changes: its https:// URL keeps its certificate.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import type { TunnelKind } from '../../shared/tunnelKinds';
import { TunnelListener, type TunnelTarget } from './listener';

export const VIEW_HOST = '127.0.0.1';

export interface ViewListener {
  readonly port: number;
  close(): Promise<void>;
}

export async function openViewListener(kind: TunnelKind, target: () => Promise<TunnelTarget>): Promise<ViewListener> {
  if (kind === 'h2') return H2cGateway.open(target);
  const pipe = new TunnelListener('unencrypted', target);
  const port = await pipe.listen(VIEW_HOST, 0);
  return { port, close: () => pipe.close() };
}

/** Request headers HTTP/2 forbids or that only describe the HTTP/1.1 connection. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'host', 'http2-settings']);

class H2cGateway implements ViewListener {
  private session: http2.ClientHttp2Session | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  private constructor(private readonly target: () => Promise<TunnelTarget>) {
    this.server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async open(target: () => Promise<TunnelTarget>): Promise<H2cGateway> {
    const gateway = new H2cGateway(target);
    await new Promise<void>((resolve, reject) => {
      gateway.server.once('error', reject);
      gateway.server.listen(0, VIEW_HOST, () => resolve());
    });
    return gateway;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo | null)?.port ?? 0;
  }

  async close(): Promise<void> {
    this.session?.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** One HTTP/2 session to the server inside, opened again after it ends. */
  private async h2(): Promise<http2.ClientHttp2Session> {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const target = await this.target();
    // A remote engine's port comes through a relay stream (execRelay.ts), a local one by address.
    const session =
      'relay' in target
        ? await target.relay().then((stream) => http2.connect('http://sandbox', { createConnection: () => stream }))
        : http2.connect(`http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`);
    session.on('error', () => session.destroy());
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const fail = (error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The HTTP/2 server in the sandbox did not answer: ${error instanceof Error ? error.message : String(error)}\n`);
    };
    try {
      const headers: http2.OutgoingHttpHeaders = {
        ':method': req.method ?? 'GET',
        ':path': req.url ?? '/',
        ':scheme': 'http',
        ':authority': req.headers.host ?? VIEW_HOST,
      };
      for (const [name, value] of Object.entries(req.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
      }
      const stream = (await this.h2()).request(headers);
      stream.on('response', (answer) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer)) {
          if (!name.startsWith(':') && value !== undefined) out[name] = value;
        }
        res.writeHead(Number(answer[':status']) || 502, out);
        stream.pipe(res);
      });
      stream.on('error', fail);
      res.on('close', () => stream.close());
      req.pipe(stream);
    } catch (error) {
      fail(error);
    }
  }
}
