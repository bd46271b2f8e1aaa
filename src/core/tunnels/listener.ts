import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { SandboxError } from '../errors';

import { TUNNEL_KINDS, type TunnelKind } from '../../shared/tunnelKinds';

export type { TunnelKind };

/** Bytes per read from the sandbox (the size Node reads by default). */
const READ_CHUNK = 64 * 1024;

/**
 * Where a forwarded connection goes: an address this machine can reach (the guard's address on
 * the `sandboxes` bridge of a local engine), or a relay over the engine's own connection (a
 * remote engine, whose bridge is not reachable from here: see execRelay.ts).
 */
export type TunnelTarget = { host: string; port: number } | { relay: () => Promise<Duplex> };

/**
 * One forwarded port: a listener on this machine that pipes bytes to the port inside the
 * sandbox. `encrypted` terminates TLS here (certificate from the local CA); `h2` does too, with
 * ALPN `h2`, and the server inside speaks HTTP/2 with prior knowledge (h2c), as Modal's h2_ports.
 * Everything after the handshake is a byte pipe, so keep-alive, streaming, WebSocket upgrades
 * and HTTP/2 multiplexing pass through untouched.
 */
export class TunnelListener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Relayed upstreams (remote engines), closed with the listener like the sockets. */
  private readonly streams = new Set<Duplex>();
  private closed = false;

  constructor(
    readonly kind: TunnelKind,
    private readonly target: () => Promise<TunnelTarget>,
    tlsMaterial?: { key: string; cert: string },
  ) {
    const onClient = (client: net.Socket) => void this.pipe(client);
    if (!TUNNEL_KINDS[kind].tls) {
      // Half-open: a client that finishes sending (FIN) still gets the rest of the answer.
      this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, onClient);
    } else {
      if (!tlsMaterial) throw new Error('TLS material is required for encrypted tunnels');
      this.server = tls.createServer({ key: tlsMaterial.key, cert: tlsMaterial.cert, ALPNProtocols: TUNNEL_KINDS[kind].alpn, noDelay: true } as tls.TlsOptions, onClient);
      // A client that fails the handshake (e.g. does not trust the CA) only affects itself.
      this.server.on('tlsClientError', (_error, socket) => socket.destroy());
    }
    // Every raw connection, also those still in the TLS handshake, so close() can end them all.
    this.server.on('connection', (socket: net.Socket) => this.track(socket));
  }

  /** Binds; `port` 0 picks a free one. Throws PORT_IN_USE when the port is taken. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new SandboxError('PORT_IN_USE', `Local port ${host}:${port} is already in use.`, 'Pick another local port, or leave it empty to get a free one.', {
                cause: error,
              })
            : error,
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo | null)?.port ?? 0;
  }

  get connections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    for (const stream of this.streams) stream.destroy();
    await closed;
  }

  private async pipe(client: net.Socket): Promise<void> {
    this.track(client);
    client.on('error', () => client.destroy());
    let target: TunnelTarget;
    try {
      target = await this.target();
    } catch {
      client.destroy();
      return;
    }
    if (client.destroyed) return;
    if ('relay' in target) return this.pipeRelay(client, target.relay);
    // Sandbox → client, the direction downloads take, reads into reused buffers (see relayTo);
    // client → sandbox is an ordinary pipe.
    const upstream: net.Socket = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true, onread: relayTo(client, () => upstream) });
    this.track(upstream);
    this.join(client, upstream);
  }

  private async pipeRelay(client: net.Socket, relay: () => Promise<Duplex>): Promise<void> {
    client.pause();
    let upstream: Duplex;
    try {
      upstream = await relay();
    } catch {
      client.destroy();
      return;
    }
    if (client.destroyed || this.closed) {
      upstream.destroy();
      return;
    }
    this.trackStream(upstream);
    upstream.pipe(client, { end: false });
    this.join(client, upstream);
    client.resume();
  }

  /** Errors and closes end both sides; each side's FIN reaches the other after its last byte. */
  private join(client: net.Socket, upstream: Duplex): void {
    upstream.on('error', () => {
      upstream.destroy();
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    // Half-close: the server's FIN reaches the client after the last byte, as pipe() would do it.
    upstream.on('end', () => client.end());
  }

  private trackStream(stream: Duplex): void {
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/**
 * What `upstream.pipe(client)` does, without a new Buffer per read: each read lands in a buffer
 * that is reused once the client's write of it has completed. pipe() allocates 64 KiB per read,
 * and in the extension host's large heap that allocation and its garbage collection made up a
 * third of the relay's CPU time per MiB (docs/benchmarks.md, "Tunnels"). Backpressure is
 * pipe()'s: reading stops while the client's write buffer is full and resumes on `drain`.
 */
function relayTo(client: net.Socket, upstream: () => net.Socket): net.OnReadOpts {
  const free: Uint8Array[] = [];
  return {
    buffer: () => free.pop() ?? Buffer.allocUnsafeSlow(READ_CHUNK),
    callback: (bytes, buffer) => {
      if (client.write(buffer.subarray(0, bytes), () => free.push(buffer))) return true;
      client.once('drain', () => upstream().resume());
      return false; // pauses the upstream socket
    },
  };
}

/** Resolves once something accepts connections on the target, or throws after `timeoutMs`. */
export async function waitForListening(target: () => Promise<TunnelTarget>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: string;
  for (;;) {
    try {
      const where = await target();
      if ('relay' in where) {
        (await where.relay()).destroy();
        return;
      }
      const { host, port } = where;
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host, port });
        socket.setTimeout(1000, () => socket.destroy(new Error('timed out')));
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new SandboxError(
        'TUNNEL_FAILED',
        `Nothing is listening on ${what} after ${Math.round(timeoutMs / 1000)} s (${lastError}).`,
        'Start the server inside the sandbox on that port, listening on 0.0.0.0 (not 127.0.0.1); the forward stays open and connects once it listens.',
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
