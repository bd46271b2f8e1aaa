/**
 * A logging pass-through between a Docker client and the engine's unix socket: records every
 * API call (method, path, when the request left, when the response headers and its last byte
 * arrived) so the engine's and the CLI's call sequences can be compared call by call. Local
 * sockets only; bytes are forwarded unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TracedCall {
  conn: number;
  method: string;
  path: string;
  status?: number;
  /** performance.now() of the request line, the response status line, and the last byte seen. */
  tReq: number;
  tResp?: number;
  tEnd?: number;
  /** Exec start / attach: the connection became a raw stream (101 or an upgraded 200). */
  hijacked?: boolean;
  /** Hijacked calls: first stream byte after the response headers. */
  tFirstData?: number;
}

const REQUEST_LINE = /(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/g;

export class TraceProxy {
  readonly calls: TracedCall[] = [];
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;

  constructor(private readonly upstream: string) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'sandboxes-bench-trace-'));
    this.socketPath = path.join(this.dir, 'docker.sock');
    // Half-open: a client ending stdin of an exec must not cut the output coming back.
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.relay(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
  }

  /** Calls recorded since `from` (an index into `calls`). */
  since(from: number): TracedCall[] {
    return this.calls.slice(from);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private relay(client: net.Socket): void {
    const conn = ++this.connections;
    const upstream = net.connect({ path: this.upstream, allowHalfOpen: true });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const pending: TracedCall[] = [];
    let current: TracedCall | undefined;
    let raw = false; // after a hijack: bytes are the process's stream, not HTTP
    let headersOpen = false; // a hijack response whose headers came in more than one chunk

    client.on('data', (buf: Buffer) => {
      if (!raw) {
        const text = buf.toString('latin1');
        for (const m of text.matchAll(REQUEST_LINE)) {
          const call: TracedCall = { conn, method: m[1], path: m[2], tReq: performance.now() };
          this.calls.push(call);
          pending.push(call);
        }
      }
      upstream.write(buf);
    });
    upstream.on('data', (buf: Buffer) => {
      const now = performance.now();
      if (!raw && pending.length > 0 && buf.subarray(0, 7).toString('latin1') === 'HTTP/1.') {
        const call = pending.shift()!;
        const text = buf.toString('latin1');
        call.status = Number(text.slice(9, 12));
        call.tResp = now;
        current = call;
        const headerEnd = text.indexOf('\r\n\r\n');
        const headers = headerEnd >= 0 ? text.slice(0, headerEnd) : text;
        if (call.status === 101 || /\r\ncontent-type: application\/vnd\.docker\.(raw|multiplexed)-stream/i.test(headers)) {
          call.hijacked = true;
          raw = true;
          headersOpen = headerEnd < 0;
          if (headerEnd >= 0 && buf.length > headerEnd + 4) call.tFirstData = now;
        }
      } else if (current?.hijacked && headersOpen) {
        // The rest of the response headers, possibly followed by the first output.
        const headerEnd = buf.toString('latin1').indexOf('\r\n\r\n');
        if (headerEnd >= 0) {
          headersOpen = false;
          if (buf.length > headerEnd + 4) current.tFirstData = now;
        }
      } else if (current?.hijacked && current.tFirstData === undefined) {
        current.tFirstData = now;
      }
      if (current) current.tEnd = now;
      client.write(buf);
    });
    const finish = () => {
      if (current?.hijacked) current.tEnd = performance.now();
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', finish);
    upstream.on('close', finish);
    client.on('error', finish);
    upstream.on('error', finish);
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }
}

/** `/v1.41/containers/<64 hex>/start?x=y` → `/containers/{id}/start` (ids and version folded). */
export function normalizePath(p: string): string {
  return p
    .replace(/^\/v\d+\.\d+/, '')
    .replace(/\?.*$/, '')
    .replace(/\/[0-9a-f]{64}(?=\/|$)/g, '/{id}')
    .replace(/\/(containers|exec)\/[^/]+(?=\/)/g, '/$1/{id}')
    .replace(/\/images\/.+\/json$/, '/images/{ref}/json');
}
