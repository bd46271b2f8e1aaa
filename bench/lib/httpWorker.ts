/**
 * Worker-thread entry of the benchmarks' HTTP client (see httpClient.ts): runs one ClientJob and
 * posts {ok, result} or {ok: false, error}. Requests go one at a time, targets in turn
 * (latency: A, B, C, A, B, C…; throughput: A, B, C, C, B, A…), so machine noise falls on every
 * target alike.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientJob, ClientResult, ClientTarget } from './httpClient';

interface Requester {
  /** One request; resolves with its duration (ms) and body size once the body has ended. */
  get(): Promise<{ ms: number; bytes: number }>;
  connections(): number;
  protocol(): string;
  close(): void;
}

const REQUEST_TIMEOUT_MS = 30_000;
let stopping = false;
parentPort?.on('message', (m) => {
  if (m === 'stop') stopping = true;
});

function http1(target: ClientTarget, job: ClientJob): Requester {
  const secure = target.protocol === 'https';
  const lib = secure ? https : http;
  const agent =
    job.connection === 'new' ? false : secure ? new https.Agent({ keepAlive: true, maxSockets: 1, ca: job.ca }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new WeakSet<Socket>();
  let connections = 0;
  let version = '';
  const url = `${target.origin}${job.path}`;
  return {
    get: () =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const req = lib.get(url, { agent, ca: secure ? job.ca : undefined }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`${target.name}: GET ${job.path} answered ${res.statusCode}`));
          }
          if (secure && (res.socket as TLSSocket).authorized !== true) {
            return reject(new Error(`${target.name}: TLS peer not verified against the CA`));
          }
          version = `HTTP/${res.httpVersion}${secure ? ' over TLS' : ''}`;
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => resolve({ ms: performance.now() - started, bytes }));
          res.on('error', reject);
        });
        req.on('socket', (socket: Socket) => {
          if (!sockets.has(socket)) {
            sockets.add(socket);
            connections++;
          }
        });
        req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${target.name}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
        req.on('error', reject);
      }),
    connections: () => connections,
    protocol: () => version,
    close: () => {
      if (agent) agent.destroy();
    },
  };
}

function h2(target: ClientTarget, job: ClientJob): Requester {
  if (job.connection === 'new') throw new Error('HTTP/2 targets are measured on one connection');
  let session: http2.ClientHttp2Session | undefined;
  let connections = 0;
  const open = async () => {
    if (session && !session.closed && !session.destroyed) return session;
    // h2: TLS verified against the CA (rejectUnauthorized stays on); h2c: prior knowledge over TCP.
    const s = http2.connect(target.origin, target.protocol === 'h2' ? { ca: job.ca } : {});
    await new Promise<void>((resolve, reject) => s.once('connect', () => resolve()).once('error', reject));
    if (target.protocol === 'h2' && (s.alpnProtocol !== 'h2' || (s.socket as TLSSocket).authorized !== true)) {
      s.destroy();
      throw new Error(`${target.name}: expected a verified TLS session with ALPN h2, got ${s.alpnProtocol}`);
    }
    s.on('error', () => undefined); // surfaced on the stream of the request in flight
    connections++;
    session = s;
    return s;
  };
  return {
    get: async () => {
      const s = await open();
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const stream = s.request({ ':path': job.path });
        let bytes = 0;
        stream.setTimeout(REQUEST_TIMEOUT_MS, () => stream.close(http2.constants.NGHTTP2_CANCEL));
        stream.on('response', (headers) => {
          const status = Number(headers[':status']);
          if (status !== 200) reject(new Error(`${target.name}: GET ${job.path} answered ${status}`));
        });
        stream.on('data', (c: Buffer) => (bytes += c.length));
        stream.on('end', () => resolve({ ms: performance.now() - started, bytes }));
        stream.on('close', () => reject(new Error(`${target.name}: stream closed before the end of the body`)));
        stream.on('error', reject);
      });
    },
    connections: () => connections,
    protocol: () => (session?.alpnProtocol ? `HTTP/2 (${session.alpnProtocol})` : ''),
    close: () => session?.destroy(),
  };
}

async function run(job: ClientJob): Promise<ClientResult> {
  const requesters = job.targets.map((t) => ({ target: t, r: t.protocol === 'h2' || t.protocol === 'h2c' ? h2(t, job) : http1(t, job) }));
  const samples: Record<string, number[]> = Object.fromEntries(job.targets.map((t) => [t.name, []]));
  const bytes: Record<string, number> = Object.fromEntries(job.targets.map((t) => [t.name, 0]));
  const elapsed: Record<string, number> = Object.fromEntries(job.targets.map((t) => [t.name, 0]));
  const once = async (t: ClientTarget, r: Requester, timed: boolean) => {
    if (stopping) throw new Error('stopped');
    const { ms, bytes: got } = await r.get();
    if (job.expectBytes !== undefined && got !== job.expectBytes) throw new Error(`${t.name}: GET ${job.path} gave ${got} bytes, expected ${job.expectBytes}`);
    if (!timed) return;
    samples[t.name].push(ms);
    bytes[t.name] += got;
    elapsed[t.name] += ms;
  };
  try {
    for (let i = 0; i < job.warmup; i++) for (const { target, r } of requesters) await once(target, r, false);
    if (job.mode === 'latency') {
      for (let i = 0; i < job.n; i++) for (const { target, r } of requesters) await once(target, r, true);
    } else {
      // Rounds alternate the order (A B C, C B A, …): no target always follows the same one, so
      // neither the idle time before a download nor what ran just before it favours one path.
      const enough = () => job.targets.every((t) => samples[t.name].length >= job.n && elapsed[t.name] >= (job.durationMs ?? 0));
      for (let round = 0; !enough(); round++) {
        for (const { target, r } of round % 2 === 0 ? requesters : [...requesters].reverse()) await once(target, r, true);
      }
    }
    return {
      samples,
      bytes,
      connections: Object.fromEntries(requesters.map(({ target, r }) => [target.name, r.connections()])),
      protocol: Object.fromEntries(requesters.map(({ target, r }) => [target.name, r.protocol()])),
    };
  } finally {
    for (const { r } of requesters) r.close();
  }
}

run(workerData as ClientJob).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (error: Error) => parentPort?.postMessage({ ok: false, error: error.stack ?? String(error) }),
);
