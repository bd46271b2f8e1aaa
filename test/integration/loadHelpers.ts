/**
 * Shared by the load test (test/integration/load.test.ts) and the load benchmark
 * (bench/load.bench.ts): sandboxes that each run a tiny echo server on an unencrypted and an
 * encrypted forward, connections that send a random payload and check every byte of the echo,
 * and what a sandbox may leave on the host (processes, runsc containers). Node built-ins and the
 * engine only: no test runner here, so the benchmark can use it too.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { SandboxSpec, Tunnel } from '../../src/core';

/** Ports inside every load sandbox: the same echo server behind a plain and a TLS forward. */
export const ECHO_PORTS = { unencrypted: 7000, encrypted: 7001 } as const;

/** PID 1 of a load sandbox: echoes whatever each connection sends, on both ports. */
export const ECHO_SERVER = `
import socketserver, threading
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                break
            self.request.sendall(data)
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128
for port in (${ECHO_PORTS.unencrypted}, ${ECHO_PORTS.encrypted}):
    server = Server(("0.0.0.0", port), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
threading.Event().wait()
`;

export type LoadPolicy = { blockNetwork?: boolean; cidrAllowlist?: string[] };

/**
 * The policy of load sandbox `i`: open, blocked and an allowlist in turn. The allowlist names only
 * a documentation range (nothing is ever sent there): forwards work in every mode.
 */
export function loadPolicy(i: number): LoadPolicy {
  return [{}, { blockNetwork: true }, { cidrAllowlist: ['192.0.2.0/24'] }][i % 3];
}

export function loadModeOf(policy: LoadPolicy): 'open' | 'blocked' | 'allowlist' {
  return policy.blockNetwork ? 'blocked' : policy.cidrAllowlist?.length ? 'allowlist' : 'open';
}

/** Spec of load sandbox `i` (image and tags from the caller). */
export function loadSpec(i: number, base: { image: string; tags: Record<string, string>; name: string }): SandboxSpec {
  return {
    ...base,
    ...loadPolicy(i),
    command: ['python3', '-c', ECHO_SERVER],
    unencryptedPorts: [ECHO_PORTS.unencrypted],
    encryptedPorts: [ECHO_PORTS.encrypted],
  };
}

export interface Forward {
  sandbox: string;
  tunnel: Tunnel;
}

export interface Exchange {
  forward: Forward;
  bytes: number;
  /** From connect to the last byte of the echo checked. */
  ms: number;
}

/**
 * One connection through a forward: sends `size` random bytes and reads them back, checking every
 * byte (length, content, SHA-256). TLS forwards are verified against `ca`. Throws on any difference,
 * or after `timeoutMs`.
 */
export function exchange(forward: Forward, size: number, ca: string, timeoutMs = 60_000): Promise<Exchange> {
  const payload = randomBytes(size);
  const started = performance.now();
  const { tunnel } = forward;
  return new Promise<Exchange>((resolve, reject) => {
    const socket: net.Socket =
      tunnel.kind === 'unencrypted'
        ? net.connect({ host: tunnel.host, port: tunnel.port })
        : tls.connect({ host: tunnel.host, port: tunnel.port, ca, servername: 'localhost' });
    const received: Buffer[] = [];
    let got = 0;
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(`${forward.sandbox} ${tunnel.kind} ${tunnel.host}:${tunnel.port}: ${why} (after ${got} of ${size} bytes)`));
    };
    const timer = setTimeout(() => fail(`no full echo within ${timeoutMs} ms`), timeoutMs);
    socket.once(tunnel.kind === 'unencrypted' ? 'connect' : 'secureConnect', () => {
      if (socket instanceof tls.TLSSocket && !socket.authorized) return fail(`certificate not verified: ${String(socket.authorizationError)}`);
      socket.write(payload);
    });
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      got += chunk.length;
      if (got > size) return fail('more bytes back than sent');
      if (got < size) return;
      clearTimeout(timer);
      const echo = Buffer.concat(received);
      const same = echo.equals(payload) && sha256(echo) === sha256(payload);
      socket.end();
      if (!same) return reject(new Error(`${forward.sandbox} ${tunnel.kind}: the echo differs from what was sent (${size} bytes)`));
      resolve({ forward, bytes: size, ms: performance.now() - started });
    });
    socket.once('error', (error) => fail(error.message));
    socket.once('close', () => {
      if (got < size) fail('closed early');
    });
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Waits, bounded, until a forward echoes a small payload (its server is up). */
export async function untilEchoing(forward: Forward, ca: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let attempt = 0; Date.now() < deadline && attempt < 300; attempt++) {
    try {
      await exchange(forward, 64, ca, 5000);
      return;
    } catch (error) {
      last = (error as Error).message;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the echo server behind ${forward.sandbox} ${forward.tunnel.kind} did not answer within ${timeoutMs} ms: ${last}`);
}

/**
 * `count` connections at once, spread round-robin over the forwards, each with a random payload
 * of `minBytes`…`maxBytes`. Resolves with every exchange, or rejects with the first failure.
 */
export function concurrentExchanges(forwards: Forward[], count: number, ca: string, minBytes = 16 * 1024, maxBytes = 256 * 1024): Promise<Exchange[]> {
  if (forwards.length === 0) throw new Error('no forwards to connect to');
  return Promise.all(Array.from({ length: count }, (_, i) => exchange(forwards[i % forwards.length], randomInt(minBytes, maxBytes + 1), ca)));
}

/** Host processes whose command line names one of these container ids, and runsc's containers among them. */
export function hostTracesOf(ids: Iterable<string>): string[] {
  const wanted = [...ids];
  if (wanted.length === 0) return [];
  const processes = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .filter((line) => wanted.some((id) => line.includes(id)))
    .map((line) => `process ${line.trim().slice(0, 160)}`);
  let runsc: string[] = [];
  try {
    runsc = execFileSync('runsc', ['--root=/var/run/docker/runtime-runc/moby', 'list', '-quiet'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // no runsc on this machine's PATH (remote engine): nothing to look at here
  }
  return [...processes, ...runsc.filter((id) => wanted.includes(id)).map((id) => `runsc container ${id.slice(0, 12)}`)];
}
