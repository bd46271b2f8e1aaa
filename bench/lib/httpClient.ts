/**
 * The HTTP side of the network benchmarks (policy-overhead, tunnels).
 *
 * The measuring client runs in a worker thread (`httpWorker.ts`): its own event loop, so it
 * does not share one with the tunnel listeners it measures. Those stay in the main thread, as
 * they live in the editor's extension host while the client is a browser or a tool. A client in
 * the same loop would pay for the tunnel's copying itself and make the tunnel look slower than
 * it is (and the direct path, whose proxy is docker-proxy, a separate process, would not pay).
 *
 * Only 127.0.0.1 is ever contacted (tunnel listeners and ports Docker published there), and, in
 * diagnostics, the bridge addresses of containers the run created.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as http2 from 'node:http2';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkInterrupted, stopRequested } from './cleanup';
import { sleep } from './harness';

/** http: HTTP/1.1 over TCP; https: HTTP/1.1 over TLS verified against `ca`; h2: HTTP/2 over TLS (ALPN h2, verified); h2c: HTTP/2 with prior knowledge over TCP. */
export type Protocol = 'http' | 'https' | 'h2' | 'h2c';

export interface ClientTarget {
  name: string;
  protocol: Protocol;
  /** Origin, e.g. http://127.0.0.1:41234 (only 127.0.0.1). */
  origin: string;
}

export interface ClientJob {
  /** latency: every target in turn, n requests each; throughput: downloads in turn (the order reversed every other round) until each target has `durationMs` of download time and at least n downloads. */
  mode: 'latency' | 'throughput';
  targets: ClientTarget[];
  path: string;
  /** keep-alive: one connection per target for the whole job; new: a new connection per request (HTTP/1 only, `agent: false`). */
  connection: 'keep-alive' | 'new';
  warmup: number;
  n: number;
  durationMs?: number;
  /** Every response body must have exactly this many bytes. */
  expectBytes?: number;
  /** PEM the https and h2 targets are verified against (verification is never turned off). */
  ca?: string;
  /** Diagnostics only: addresses of containers this run created, reachable besides 127.0.0.1. */
  containerAddresses?: string[];
}

export interface ClientResult {
  /** Per target: ms per request, in run order (warm-ups left out). */
  samples: Record<string, number[]>;
  /** Per target: bytes received in the timed requests. */
  bytes: Record<string, number>;
  /** Per target: TCP connections opened (keep-alive: 1 means every request reused it). */
  connections: Record<string, number>;
  /** Per target: negotiated protocol of the last request (ALPN, or HTTP version). */
  protocol: Record<string, string>;
}

const MAX_JOB_MS = 10 * 60_000;

/** Runs a client job in a worker thread; stops it (and throws Interrupted) when the run is asked to stop. */
export async function runClient(job: ClientJob): Promise<ClientResult> {
  for (const t of job.targets) {
    const host = new URL(t.origin).hostname;
    if (host !== '127.0.0.1' && !job.containerAddresses?.includes(host)) throw new Error(`benchmark traffic goes to 127.0.0.1 and this run's containers only, not ${t.origin}`);
  }
  // tsx's CommonJS hook, loaded synchronously: `execArgv: ['--import', 'tsx']` races the worker's entry.
  const boot = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(__dirname, 'httpWorker.ts'))});`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  let poll: NodeJS.Timeout | undefined;
  try {
    return await new Promise<ClientResult>((resolve, reject) => {
      const started = Date.now();
      poll = setInterval(() => {
        if (stopRequested() || Date.now() - started > MAX_JOB_MS) {
          worker.postMessage('stop');
          void worker.terminate();
          try {
            checkInterrupted();
            reject(new Error(`the HTTP client job did not finish within ${MAX_JOB_MS / 60_000} min`));
          } catch (error) {
            reject(error);
          }
        }
      }, 200);
      worker.once('message', (message: { ok: true; result: ClientResult } | { ok: false; error: string }) => {
        if (message.ok) resolve(message.result);
        else reject(new Error(`HTTP client: ${message.error}`));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the HTTP client worker exited with code ${code} before answering`)));
    });
  } finally {
    clearInterval(poll);
    await worker.terminate();
  }
}

/** One GET from the main thread (readiness checks), body as a Buffer; HTTPS and h2 verify against `ca`. */
export async function fetchOnce(target: ClientTarget, urlPath: string, ca?: string, timeoutMs = 5000): Promise<{ status: number; body: Buffer }> {
  if (target.protocol === 'h2' || target.protocol === 'h2c') {
    const session = http2.connect(target.origin, target.protocol === 'h2' ? { ca } : {});
    try {
      return await new Promise((resolve, reject) => {
        session.once('error', reject);
        session.setTimeout(timeoutMs, () => session.destroy(new Error('timed out')));
        const stream = session.request({ ':path': urlPath });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
        stream.on('error', reject);
      });
    } finally {
      session.destroy();
    }
  }
  const lib = target.protocol === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(`${target.origin}${urlPath}`, { agent: false, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Waits until `urlPath` answers 200 on every target (servers inside need a moment to listen). */
export async function waitUntilServing(targets: ClientTarget[], urlPath: string, ca: string | undefined, timeoutMs = 30_000): Promise<void> {
  for (const target of targets) {
    const deadline = Date.now() + timeoutMs;
    let last: string;
    for (;;) {
      checkInterrupted();
      try {
        const res = await fetchOnce(target, urlPath, ca);
        if (res.status === 200) break;
        last = `status ${res.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`${target.name} (${target.origin}${urlPath}) is not serving after ${timeoutMs / 1000} s: ${last}`);
      await sleep(200);
    }
  }
}
