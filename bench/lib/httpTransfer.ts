/** One HTTP request for the forwarded-port benchmarks: a GET, or with `upload` a PUT of that many zero bytes. */
import type * as http from 'node:http';
import { request } from 'node:http';

export interface Transfer {
  ms: number;
  /** Bytes of the response body. */
  bytes: number;
  /** Its first bytes (latin1), for checks. */
  body: string;
}

export function httpTransfer(agent: http.Agent, url: string, upload = 0, timeoutMs = 120_000): Promise<Transfer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: upload ? 'PUT' : 'GET', headers: upload ? { 'Content-Length': String(upload) } : {} }, (res) => {
      let bytes = 0;
      let body = '';
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (body.length < 100) body += c.toString('latin1');
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - started, bytes, body }) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    // Written with backpressure: the upload measures the path, not this process's buffering.
    const chunk = Buffer.alloc(65536);
    let left = upload;
    const pump = () => {
      while (left > 0) {
        const k = Math.min(left, chunk.length);
        left -= k;
        if (!req.write(k === chunk.length ? chunk : chunk.subarray(0, k))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}
