/**
 * Diagnostic for the remote bench's forwarded-port rows: `node --import tsx bench/diag-relay.ts`.
 * No targets, nothing written. Where a relayed port's time goes, by taking the path apart:
 *   bridge:       local engine, the tunnel connects to the guard's bridge address (the baseline);
 *   local relay:  local engine, the exec relay (portPath 'relay'): Docker's hijacked exec stream
 *                 and the relay in the guard, without SSH;
 *   ssh relay:    the remote engine over SSH (test/integration/remoteEngine.ts): the same relay,
 *                 its stream carried by the SSH connection.
 * Each sandbox serves the same Python HTTP/1.1 server twice: on 8000 as the stock http.server
 * writes (headers and body in separate writes, Nagle on), on 8001 with TCP_NODELAY. Per path:
 * keep-alive GET latency on both ports (DIAG_N, default 40), a GET on a new connection each, 32 MiB download and 32 MiB upload
 * (DIAG_BULK_N, default 3), and for one download and one upload the CPU time per process name
 * (all of /proc, so sshd, dockerd, the shim, the relay and this process show up).
 * DIAG_PATHS (comma-separated names) picks paths; DIAG_PROFILE=FILE writes FILE.<path>.cpuprofile.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { Client } from 'ssh2';
import { Session } from 'node:inspector/promises';
import { connect, type Sandbox, type SandboxClient } from '../src/core';
import { startRemoteEngine, remoteEngineMissing } from '../test/integration/remoteEngine';
import { engineTags, newRunId } from './lib/cleanup';
import { DEFAULT_IMAGE, intFromEnv } from './lib/harness';
import { httpTransfer } from './lib/httpTransfer';

const SERVER = String.raw`
import socket, sys, http.server
nodelay = sys.argv[2] == '1'
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def setup(self):
        super().setup()
        if nodelay: self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def log_message(self, *a): pass
    def do_GET(self):
        n = 13 if self.path == '/small' else int(self.path[1:])
        self.send_response(200); self.send_header('Content-Length', str(n)); self.end_headers()
        if n == 13: self.wfile.write(b'hello, relay!'); return
        chunk = bytes(65536)
        while n > 0:
            k = min(n, 65536); self.wfile.write(chunk[:k]); n -= k
    def do_PUT(self):
        n = int(self.headers['Content-Length']); got = 0
        while got < n:
            b = self.rfile.read(min(65536, n - got))
            if not b: break
            got += len(b)
        body = str(got).encode()
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(('0.0.0.0', int(sys.argv[1])), H).serve_forever()
`;

const BULK = 32 * 2 ** 20;

/** utime+stime ticks per process name, over all of /proc. */
function cpuByName(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${pid}:${name}`;
        out.set(key, (out.get(key) ?? 0) + Number(fields[11]) + Number(fields[12]));
      }
    } catch {
      // gone
    }
  }
  return out;
}

function cpuDiff(before: Map<string, number>, after: Map<string, number>): string {
  const byName = new Map<string, number>();
  for (const [key, ticks] of after) {
    const d = ticks - (before.get(key) ?? 0);
    if (d <= 0) continue;
    const name = key.slice(key.indexOf(':') + 1);
    byName.set(name, (byName.get(name) ?? 0) + d);
  }
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 9);
  return `total ${total * 10} ms CPU: ` + top.map(([n, t]) => `${n} ${t * 10}`).join(', ');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

/** Prototype: a local listener whose connections are SSH direct-tcpip channels to host:port on the remote side. */
async function sshDirect(ssh: Client, host: string, port: number): Promise<string> {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    ssh.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
      if (error) return client.destroy();
      client.pipe(channel).pipe(client);
      channel.on('close', () => client.destroy());
      client.on('close', () => channel.destroy());
    });
  });
  server.unref();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function serving(sandbox: Sandbox, direct?: { ssh: Client; guardIp: string }): Promise<Record<number, string>> {
  await sandbox.files.write('/tmp/diag_server.py', SERVER);
  await sandbox.exec(['python3', '/tmp/diag_server.py', '8000', '0']);
  await sandbox.exec(['python3', '/tmp/diag_server.py', '8001', '1']);
  const tunnels = await sandbox.tunnels();
  const urls = direct
    ? { 8000: await sshDirect(direct.ssh, direct.guardIp, 8000), 8001: await sshDirect(direct.ssh, direct.guardIp, 8001) }
    : { 8000: tunnels[8000].url, 8001: tunnels[8001].url };
  for (const url of Object.values(urls)) {
    const agent = new http.Agent({ keepAlive: false });
    for (let i = 0; i < 120; i++) {
      if (
        await httpTransfer(agent, `${url}/small`).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return urls;
}

async function main(): Promise<void> {
  const only = (process.env.DIAG_PATHS ?? 'bridge,local relay,ssh relay').split(',');
  const n = intFromEnv('DIAG_N', 40, 5);
  const bulkN = intFromEnv('DIAG_BULK_N', 3, 1);
  const image = process.env.SANDBOXES_BENCH_IMAGE || DEFAULT_IMAGE;
  const runId = newRunId();
  const spec = { image, tags: engineTags(runId), unencryptedPorts: [8000, 8001] };
  const local = connect();
  const clients: Record<string, SandboxClient> = {};
  let remote: Awaited<ReturnType<typeof startRemoteEngine>> | undefined;
  const held: Sandbox[] = [];
  let ssh: Client | undefined;
  try {
    if (only.includes('bridge')) clients.bridge = local;
    if (only.includes('local relay')) clients['local relay'] = connect({ portPath: 'relay' });
    if (only.includes('ssh relay')) {
      const missing = remoteEngineMissing();
      if (missing) throw new Error(missing);
      remote = await startRemoteEngine([image, local.guardImage]);
      process.env.SSH_AUTH_SOCK = remote.sshAuthSock;
      clients['ssh relay'] = connect({ dockerHost: remote.sshHost });
    }
    if (only.includes('ssh direct')) clients['ssh direct'] = clients['ssh relay'];
    for (const [name, client] of Object.entries(clients)) {
      const sandbox = await client.create(spec);
      held.push(sandbox);
      let direct: { ssh: Client; guardIp: string } | undefined;
      if (name === 'ssh direct' && remote) {
        const guard = remote.cli(['ps', '-q', '--filter', `label=sandboxes.id=${sandbox.id}`, '--filter', 'label=sandboxes.role=guard']).trim();
        const guardIp = remote.cli(['inspect', guard, '--format', '{{(index .NetworkSettings.Networks "sandboxes").IPAddress}}']).trim();
        ssh = new Client();
        await new Promise<void>((resolve, reject) => {
          ssh!.once('ready', () => resolve()).once('error', reject);
          ssh!.connect({ host: remote!.address, username: 'root', agent: remote!.sshAuthSock });
        });
        ssh.setNoDelay(true);
        direct = { ssh, guardIp };
      }
      const urls = await serving(sandbox, direct);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      // A new connection per GET: what one exec (and one relay process) per connection costs.
      const fresh: number[] = [];
      for (let i = 0; i < Math.min(n, 15) + 2; i++) {
        const { ms } = await httpTransfer(new http.Agent({ keepAlive: false }), `${urls[8001]}/small`);
        if (i >= 2) fresh.push(ms);
      }
      const lat: Record<number, number[]> = { 8000: [], 8001: [] };
      for (let i = 0; i < n + 3; i++) {
        for (const port of [8000, 8001] as const) {
          const { ms } = await httpTransfer(agent, `${urls[port]}/small`);
          if (i >= 3) lat[port].push(ms);
        }
      }
      const down: number[] = [];
      const up: number[] = [];
      let cpuDown = '';
      let cpuUp = '';
      // DIAG_PROFILE=FILE: a CPU profile of this process over the bulk transfers only.
      const profiler = process.env.DIAG_PROFILE ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      for (let i = 0; i < bulkN + 1; i++) {
        const before = cpuByName();
        const d = await httpTransfer(agent, `${urls[8001]}/${BULK}`);
        const mid = cpuByName();
        if (d.bytes !== BULK) throw new Error(`download: ${d.bytes} bytes`);
        const u = await httpTransfer(agent, `${urls[8001]}/up`, BULK);
        const after = cpuByName();
        if (u.body !== String(BULK)) throw new Error(`upload: server saw ${u.body}`);
        if (i === 0) continue; // warm-up
        down.push(BULK / 2 ** 20 / (d.ms / 1000));
        up.push(BULK / 2 ** 20 / (u.ms / 1000));
        if (i === 1) {
          cpuDown = cpuDiff(before, mid);
          cpuUp = cpuDiff(mid, after);
        }
      }
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        fs.writeFileSync(`${process.env.DIAG_PROFILE}.${name.replace(' ', '-')}.cpuprofile`, JSON.stringify(profile));
        profiler.disconnect();
      }
      agent.destroy();
      const f = (x: number) => x.toFixed(1);
      console.log(
        `${name}: GET stock median ${f(median(lat[8000]))} p90 ${f(p90(lat[8000]))} ms; GET nodelay median ${f(median(lat[8001]))} p90 ${f(p90(lat[8001]))} ms; ` +
          `GET on a new connection median ${f(median(fresh))} p90 ${f(p90(fresh))} ms; ` +
          `down ${down.map(f).join('/')} MiB/s; up ${up.map(f).join('/')} MiB/s (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
      );
      console.log(`  download ${cpuDown}`);
      console.log(`  upload   ${cpuUp}`);
    }
  } finally {
    await Promise.all(held.map((s) => s.terminate().catch(() => undefined)));
    ssh?.end();
    for (const client of new Set(Object.values(clients))) await client.close().catch(() => undefined);
    if (!clients.bridge) await local.close();
    await remote?.stop();
  }
}

main().then(
  // No process.exit: --cpu-prof writes its profile on a natural exit.
  () => undefined,
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
