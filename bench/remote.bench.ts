/**
 * "Remote engine" (issue #17): the same operations against a remote Docker engine over SSH and
 * against the local engine, interleaved in one run. The remote engine is a second dockerd in its
 * own network namespace on this machine, reachable only over SSH (test/integration/remoteEngine.ts),
 * so the figures show what the SSH transport and the port relay cost, without a real network's
 * latency (add a link's round trip to every remote API call for a real remote host).
 *   create → first output: create + run(['echo', 'hi']), remote over SSH vs local socket;
 *   warm exec:             run(['true']) on one running sandbox each;
 *   port latency:          GET of a 13-byte file on one keep-alive connection through a forwarded
 *                          port: over SSH by the default path, sshd's TCP forward to the guard
 *                          (tunnels/forwardOrRelay.ts; remote) vs the bridge address (local);
 *   port throughput:       a 32 MiB download on the same connections, MiB/s; target ≥ 0.5× local;
 *   port upload:           a 32 MiB PUT on the same connections, MiB/s (the other direction).
 * The server in both sandboxes is the same (Nagle off, see SERVER).
 */
import * as http from 'node:http';
import { connect, type Sandbox, type SandboxClient } from '../src/core';
import { startRemoteEngine, remoteEngineMissing } from '../test/integration/remoteEngine';
import { engineTags } from './lib/cleanup';
import { intFromEnv, interleave, result, type BenchContext, type BenchResult } from './lib/harness';
import { httpTransfer } from './lib/httpTransfer';

// The same server on both sides: GET of a file, PUT of a body (answers its length). TCP_NODELAY,
// as in the tunnels bench: python's http.server writes headers and body separately, and with
// Nagle on the body waits for the headers' ACK, which a receiver that delays ACKs sends after
// 40 ms (on the bridge path too: docs/benchmarks.md, "Relay throughput and latency").
const SERVER = String.raw`
import http.server, socket
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def setup(self):
        super().setup(); self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def log_message(self, *a): pass
    def do_PUT(self):
        n = int(self.headers['Content-Length']); got = 0
        while got < n:
            b = self.rfile.read(min(65536, n - got))
            if not b: break
            got += len(b)
        body = str(got).encode()
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(('0.0.0.0', 8000), lambda *a: H(*a, directory='/srv')).serve_forever()
`;
const SERVE = 'mkdir -p /srv && printf "hello, remote!" > /srv/small.txt && head -c 33554432 /dev/zero > /srv/32mb.bin && exec python3 /tmp/bench_server.py';

async function serving(sandbox: Sandbox): Promise<string> {
  await sandbox.files.write('/tmp/bench_server.py', SERVER);
  await sandbox.exec(['sh', '-c', SERVE]);
  const { 8000: tunnel } = await sandbox.tunnels();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 120; i++) {
    if (
      await httpTransfer(agent, `${tunnel.url}/small.txt`).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 250));
  }
  agent.destroy();
  return tunnel.url;
}

export async function remoteBench(ctx: BenchContext): Promise<BenchResult[]> {
  const missing = remoteEngineMissing();
  if (missing) throw new Error(`remote: cannot run here: ${missing}`);
  const local = connect();
  const remote = await startRemoteEngine([ctx.image, local.guardImage]);
  process.env.SSH_AUTH_SOCK = remote.sshAuthSock;
  const overSsh: SandboxClient = connect({ dockerHost: remote.sshHost });
  const spec = { image: ctx.image, tags: engineTags(ctx.runId) };
  const held: Sandbox[] = [];
  try {
    const n = intFromEnv('BENCH_REMOTE_CREATE_N', 8, 3);
    const createRun = (client: SandboxClient) => async () => {
      const started = performance.now();
      const sandbox = await client.create(spec);
      const out = await sandbox.run(['echo', 'hi']);
      const ms = performance.now() - started;
      await sandbox.terminate();
      if (out.stdout !== 'hi\n') throw new Error(`remote bench: unexpected output ${JSON.stringify(out.stdout)}`);
      return ms;
    };
    ctx.log('remote: create → first output');
    const create = await interleave({ warmup: 1, n, ours: createRun(overSsh), baseline: createRun(local), log: ctx.log, label: 'create' });

    const [remoteBox, localBox] = await Promise.all([overSsh.create({ ...spec, unencryptedPorts: [8000] }), local.create({ ...spec, unencryptedPorts: [8000] })]);
    held.push(remoteBox, localBox);
    const runTrue = (sandbox: Sandbox) => async () => {
      const started = performance.now();
      await sandbox.run(['true']);
      return performance.now() - started;
    };
    ctx.log('remote: warm exec');
    const exec = await interleave({
      warmup: 3,
      n: intFromEnv('BENCH_REMOTE_EXEC_N', 30, 10),
      ours: runTrue(remoteBox),
      baseline: runTrue(localBox),
      log: ctx.log,
      label: 'exec',
    });

    const [remoteUrl, localUrl] = await Promise.all([serving(remoteBox), serving(localBox)]);
    const agents = { remote: new http.Agent({ keepAlive: true, maxSockets: 1 }), local: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
    const fetchMs = (agent: http.Agent, url: string) => async () => (await httpTransfer(agent, url)).ms;
    ctx.log('remote: forwarded-port latency');
    const latency = await interleave({
      warmup: 3,
      n: intFromEnv('BENCH_REMOTE_GET_N', 50, 10),
      ours: fetchMs(agents.remote, `${remoteUrl}/small.txt`),
      baseline: fetchMs(agents.local, `${localUrl}/small.txt`),
      log: ctx.log,
      label: 'get',
    });
    ctx.log('remote: forwarded-port throughput');
    const rate = (agent: http.Agent, url: string) => async () => {
      const { ms, bytes } = await httpTransfer(agent, url);
      if (bytes !== 33554432) throw new Error(`remote bench: ${bytes} bytes instead of 32 MiB`);
      return bytes / 2 ** 20 / (ms / 1000);
    };
    const bulk = await interleave({
      warmup: 1,
      n: intFromEnv('BENCH_REMOTE_BULK_N', 5, 3),
      ours: rate(agents.remote, `${remoteUrl}/32mb.bin`),
      baseline: rate(agents.local, `${localUrl}/32mb.bin`),
      log: ctx.log,
      label: 'bulk',
    });
    ctx.log('remote: forwarded-port upload');
    const upRate = (agent: http.Agent, url: string) => async () => {
      const { ms, body } = await httpTransfer(agent, url, 33554432);
      if (body !== '33554432') throw new Error(`remote bench: the server received ${body} bytes instead of 32 MiB`);
      return 33554432 / 2 ** 20 / (ms / 1000);
    };
    const upload = await interleave({
      warmup: 1,
      n: intFromEnv('BENCH_REMOTE_BULK_N', 5, 3),
      ours: upRate(agents.remote, `${remoteUrl}/upload`),
      baseline: upRate(agents.local, `${localUrl}/upload`),
      log: ctx.log,
      label: 'upload',
    });
    agents.remote.destroy();
    agents.local.destroy();
    return [
      result('remote-create-to-first-output', { ours: 'remote engine over SSH', baseline: 'local engine (socket)' }, create, null),
      result('remote-warm-exec', { ours: 'remote engine over SSH', baseline: 'local engine (socket)' }, exec, null),
      result('remote-port-latency', { ours: 'forwarded port over SSH (default path: sshd forward)', baseline: 'forwarded port, local bridge' }, latency, null),
      result(
        'remote-port-throughput',
        { ours: 'forwarded port over SSH (default path: sshd forward)', baseline: 'forwarded port, local bridge' },
        bulk,
        { op: '>=', ratio: 0.5, text: '≥ 0.5× local' },
        { unit: 'MiB/s' },
      ),
      result(
        'remote-port-upload',
        { ours: 'forwarded port over SSH (default path: sshd forward)', baseline: 'forwarded port, local bridge' },
        upload,
        { op: '>=', ratio: 0.5, text: '≥ 0.5× local' },
        { unit: 'MiB/s' },
      ),
    ];
  } finally {
    await Promise.all(held.map((s) => s.terminate().catch(() => undefined)));
    await overSsh.close();
    await local.close();
    await remote.stop();
  }
}
