/**
 * The egress gateway of a sandbox with a domain allowlist (issue #12; docs/domain-allowlist.md).
 * One process per sandbox, in its own runc container and network namespace (network/gateway.ts
 * starts it); the sandbox's guard DNATs the sandbox's DNS and its TCP 80, 443 and `name:port`
 * ports here and lets the sandbox reach nothing else (but the CIDR list). It:
 *   - answers DNS only for listed names, resolving them itself, and NXDOMAIN for every other
 *     name WITHOUT asking anyone; only A/AAAA leave (TXT, HTTPS/SVCB, ANY… get an empty answer);
 *     addresses that are not public are dropped from answers (rebinding);
 *   - takes the name from the SNI (TLS) or the Host of every request (HTTP), refuses no SNI,
 *     several names and ECH, and connects only to an address it resolved itself for that name,
 *     never to the address the sandbox dialled, never to a non-public one (unless the CIDR list
 *     allows it);
 *   - accepts connections only from its own guard's addresses;
 *   - reloads its policy on SIGHUP from /run/gateway/policy.json, cuts connections the new policy
 *     no longer allows, writes the policy's tag to policy.json.applied;
 *   - prints every refusal as one JSON line on stdout (network events, read by the engine).
 * Bundled by esbuild.mjs to dist/gateway.js; runs on Debian's nodejs (18) in the guard image.
 */
import * as dgram from 'node:dgram';
import { promises as dnsp, type RecordWithTtl } from 'node:dns';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as ipaddr from 'ipaddr.js';
import { domainAllowed, normaliseHost, parseDomainEntry, type DomainEntry } from '../core/network/domains';
import { refusedAddress } from './addresses';
import { readSni } from './clientHello';
import { GATEWAY_DNS_PORT, gatewayListenPort } from '../core/network/gatewayPorts';

export interface GatewayPolicy {
  tag: string;
  domains: string[];
  /** The CIDR allowlist: addresses reachable even when not public (explicit wins). */
  cidrs: string[];
  /** This machine's and Docker's addresses: never connected to. */
  deny: string[];
  /** Resolvers the gateway asks; empty: its own resolv.conf (Docker's embedded DNS). */
  upstream: string[];
  /** Answer AAAA (the sandbox's network has IPv6). */
  ipv6: boolean;
  /** The only sources accepted: the guard's addresses. Empty: none (closed). */
  clients: string[];
}

const POLICY_FILE = process.env.GATEWAY_POLICY ?? '/run/gateway/policy.json';
const EMPTY: GatewayPolicy = { tag: 'none', domains: [], cidrs: [], deny: [], upstream: [], ipv6: false, clients: [] };
let policy: GatewayPolicy = EMPTY;
let entries: DomainEntry[] = [];
let resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });

/** Same name refused again within this time: counted, not printed again (a loop must not flood the log). */
const REPEAT_MS = 2000;
const recent = new Map<string, { at: number; repeats: number }>();
function refused(protocol: string, fields: Record<string, unknown>): void {
  const key = `${protocol} ${String(fields.name ?? fields.address ?? '')} ${String(fields.port ?? '')} ${String(fields.reason)}`;
  const now = Date.now();
  const seen = recent.get(key);
  if (seen && now - seen.at < REPEAT_MS) {
    seen.repeats++;
    return;
  }
  recent.set(key, { at: now, repeats: 0 });
  if (recent.size > 1000) recent.clear();
  emit('refused', { protocol, ...fields, ...(seen?.repeats ? { repeatsBefore: seen.repeats } : {}) });
}
function emit(kind: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), kind, ...fields })}\n`);
}

function fromClient(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return policy.clients.includes(plain);
}

// ---- resolution (the gateway's own, cached per TTL) ------------------------------------------
interface Resolved { v4: string[]; v6: string[]; refused: string[]; expires: number }
const cache = new Map<string, Promise<Resolved>>();

function resolveName(name: string): Promise<Resolved> {
  const hit = cache.get(name);
  if (hit) return hit;
  const job = (async () => {
    const [a, aaaa] = await Promise.all([
      resolver.resolve4(name, { ttl: true }).catch(() => [] as RecordWithTtl[]),
      resolver.resolve6(name, { ttl: true }).catch(() => [] as RecordWithTtl[]),
    ]);
    const refusedList: string[] = [];
    const keep = (records: RecordWithTtl[]) =>
      records
        .filter((r) => {
          const why = refusedAddress(r.address, policy);
          if (why) refusedList.push(`${r.address}: ${why}`);
          return !why;
        })
        .map((r) => r.address);
    const ttl = Math.min(300, Math.max(5, ...[...a, ...aaaa].map((r) => r.ttl)));
    return { v4: keep(a), v6: keep(aaaa), refused: refusedList, expires: Date.now() + ttl * 1000 };
  })();
  cache.set(name, job);
  void job.then(
    (r) => setTimeout(() => cache.get(name) === job && cache.delete(name), Math.max(0, r.expires - Date.now())).unref(),
    () => cache.delete(name),
  );
  return job;
}

// ---- DNS server ------------------------------------------------------------------------------
async function dnsAnswer(query: Buffer): Promise<Buffer | null> {
  if (query.length < 12) return null;
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  const reply = (rcode: number, question: Buffer, answers: Buffer[] = []) => {
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(0x8000 | (flags & 0x7900) | 0x0080 | rcode, 2); // QR, opcode+RD kept, RA
    header.writeUInt16BE(question.length ? 1 : 0, 4);
    header.writeUInt16BE(answers.length, 6);
    return Buffer.concat([header, question, ...answers]);
  };
  if (query.readUInt16BE(4) !== 1 || flags & 0x8000) return reply(1, Buffer.alloc(0)); // FORMERR
  const labels: string[] = [];
  let off = 12;
  let binary = false;
  for (;;) {
    if (off >= query.length) return reply(1, Buffer.alloc(0));
    const len = query[off];
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63 || off + 1 + len > query.length) return reply(1, Buffer.alloc(0)); // no compression in questions
    const label = query.subarray(off + 1, off + 1 + len);
    if (label.some((b) => b <= 0x20 || b >= 0x7f || b === 0x2e)) binary = true;
    labels.push(label.toString('latin1'));
    off += 1 + len;
  }
  if (off + 4 > query.length) return reply(1, Buffer.alloc(0));
  const qtype = query.readUInt16BE(off);
  const question = query.subarray(12, off + 4);
  const raw = labels.join('.');
  const name = binary ? null : normaliseHost(raw);
  if (name === null || !domainAllowed(entries, name)) {
    refused('dns', { name: raw.slice(0, 255), qtype, reason: name === null ? 'not a host name' : 'name not on the domain allowlist' });
    return reply(3, question); // NXDOMAIN, and no one else was asked
  }
  if (qtype !== 1 && qtype !== 28) return reply(0, question); // only addresses are ever looked up
  const resolved = await resolveName(name);
  if (resolved.refused.length) refused('dns', { name, qtype, reason: `resolves to addresses that are not public (${resolved.refused.join(', ')})` });
  const list = qtype === 1 ? resolved.v4 : policy.ipv6 ? resolved.v6 : [];
  const answers = list.map((address) => {
    const rdata = Buffer.from(ipaddr.parse(address).toByteArray());
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(Math.max(1, Math.round((resolved.expires - Date.now()) / 1000)), 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return reply(0, question, answers);
}

function startDns(): void {
  for (const family of ['udp4', 'udp6'] as const) {
    const udp = dgram.createSocket({ type: family, ipv6Only: family === 'udp6' });
    udp.on('error', () => undefined);
    udp.on('message', (msg, rinfo) => {
      if (!fromClient(rinfo.address)) return;
      void dnsAnswer(msg).then((out) => out && udp.send(out, rinfo.port, rinfo.address), () => undefined);
    });
    udp.bind(GATEWAY_DNS_PORT);
  }
  net
    .createServer((socket) => {
      if (!fromClient(socket.remoteAddress)) return void socket.destroy();
      let buf = Buffer.alloc(0);
      socket.setTimeout(10_000, () => socket.destroy());
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length > 70_000) return void socket.destroy();
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + msg.length);
          void dnsAnswer(msg).then((out) => {
            if (!out) return void socket.destroy();
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            socket.write(Buffer.concat([len, out]));
          }, () => socket.destroy());
        }
      });
    })
    .listen(GATEWAY_DNS_PORT);
}

// ---- connections -----------------------------------------------------------------------------
interface Open { name: string; port: number; sockets: net.Socket[] }
const open = new Set<Open>();

async function connectByName(name: string, port: number): Promise<{ socket: net.Socket } | { refused: string }> {
  const resolved = await resolveName(name);
  const addresses = [...resolved.v4, ...resolved.v6];
  if (!addresses.length) return { refused: resolved.refused.length ? `resolves only to addresses that are not public (${resolved.refused.join(', ')})` : 'does not resolve' };
  for (const address of addresses.slice(0, 4)) {
    const socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.connect({ host: address, port, noDelay: true });
      const fail = () => {
        s.destroy();
        resolve(null);
      };
      s.setTimeout(5000, fail);
      s.once('error', fail);
      s.once('connect', () => {
        s.setTimeout(0);
        s.removeListener('error', fail);
        s.on('error', () => undefined);
        resolve(s);
      });
    });
    if (socket) return { socket };
  }
  return { refused: 'no address of it answered' };
}

/** A forwarded connection, cut when a reload no longer allows it; its sockets end together. */
function track(name: string, port: number, sockets: net.Socket[], together = true): void {
  const entry: Open = { name, port, sockets };
  open.add(entry);
  const watched = together ? sockets : sockets.slice(0, 1);
  for (const s of watched) {
    s.once('close', () => {
      open.delete(entry);
      if (together) for (const o of sockets) o.destroy();
    });
  }
}

/** TLS on any gateway port: SNI → allowed? → the name's own address. */
async function forwardTls(client: net.Socket, first: Buffer, port: number): Promise<void> {
  const sni = readSni(first);
  const refuse = (reason: string, name?: string) => {
    refused('tls', { name, port, reason });
    client.resetAndDestroy();
  };
  if ('need' in sni) return refuse('incomplete ClientHello');
  if ('refused' in sni) return refuse(sni.refused);
  const name = normaliseHost(sni.name);
  if (name === null) return refuse('SNI is not a host name', sni.name.slice(0, 255));
  if (!domainAllowed(entries, name, port)) return refuse('name not on the domain allowlist', name);
  const up = await connectByName(name, port);
  if ('refused' in up) return refuse(up.refused, name);
  if (client.destroyed || !domainAllowed(entries, name, port)) return void up.socket.destroy();
  up.socket.write(first);
  client.pipe(up.socket).pipe(client);
  client.resume();
  track(name, port, [client, up.socket]);
}

const httpServer = http.createServer({ noDelay: true } as http.ServerOptions);
const portOf = new WeakMap<net.Socket, number>();
httpServer.on('clientError', (_error, socket) => socket.destroy());
function checkHost(req: http.IncomingMessage, port: number): string | { refused: string; name?: string } {
  const header = req.headers.host ?? '';
  if (!header) return { refused: 'no Host header' };
  const host = header.replace(/:\d+$/, '');
  const name = normaliseHost(host);
  if (name === null) return { refused: 'Host is not a host name', name: host.slice(0, 255) };
  if (!domainAllowed(entries, name, port)) return { refused: 'name not on the domain allowlist', name };
  return name;
}
// Every request is checked (keep-alive cannot switch to another Host) and sent on its own.
httpServer.on('request', async (req: http.IncomingMessage, res: http.ServerResponse) => {
  const port = portOf.get(req.socket) ?? 80;
  const ok = checkHost(req, port);
  const refuse = (reason: string, name?: string) => {
    refused('http', { name, port, reason });
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end(`refused by the sandbox's domain allowlist: ${reason}\n`);
  };
  if (typeof ok !== 'string') return refuse(ok.refused, ok.name);
  const resolved = await resolveName(ok);
  const address = [...resolved.v4, ...resolved.v6][0];
  if (!address) return refuse(resolved.refused.length ? `resolves only to addresses that are not public (${resolved.refused.join(', ')})` : 'does not resolve', ok);
  const headers: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!/^(connection|keep-alive|proxy-connection|upgrade)$/i.test(req.rawHeaders[i])) headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const up = http.request({ host: address, port, method: req.method, path: req.url, headers: headers as unknown as http.OutgoingHttpHeaders, setHost: false });
  up.on('response', (r) => {
    // Hop-by-hop headers are the gateway's to set: the upstream's "Connection: close" must not
    // end the sandbox's keep-alive connection to the gateway.
    const back: string[] = [];
    for (let i = 0; i < r.rawHeaders.length; i += 2) {
      if (!/^(connection|keep-alive)$/i.test(r.rawHeaders[i])) back.push(r.rawHeaders[i], r.rawHeaders[i + 1]);
    }
    res.writeHead(r.statusCode ?? 502, back as unknown as http.OutgoingHttpHeaders);
    r.pipe(res);
  });
  // Tracked while the request runs: an upstream that ends does not end the client's keep-alive.
  up.on('socket', (s) => track(ok, port, [s, req.socket], false));
  up.on('error', () => res.destroy());
  req.pipe(up);
});
httpServer.on('upgrade', (req: http.IncomingMessage, client: net.Socket) => {
  refused('http', { port: portOf.get(client) ?? 80, name: req.headers.host, reason: 'protocol upgrades are not forwarded' });
  client.destroy();
});
httpServer.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
  refused('http', { port: portOf.get(client) ?? 80, reason: 'CONNECT is not forwarded' });
  client.destroy();
});

/** One listener per dialled port: the first byte says TLS (22, a handshake record) or HTTP. */
const listeners = new Map<number, net.Server>();
function listen(port: number): void {
  if (listeners.has(port)) return;
  const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    client.on('error', () => undefined);
    if (!fromClient(client.remoteAddress)) return void client.destroy();
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      refused('tcp', { port, reason: 'nothing sent within 10 s' });
      client.destroy();
    }, 10_000);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf[0] === 22 && 'need' in readSni(buf) && buf.length < 16_389 + 5) return;
      clearTimeout(timer);
      client.removeListener('data', onData);
      client.pause();
      if (buf[0] === 22) return void forwardTls(client, buf, port);
      portOf.set(client, port);
      client.unshift(buf);
      httpServer.emit('connection', client);
      client.resume();
    };
    client.on('data', onData);
    client.resume();
  });
  server.on('error', (error) => emit('error', { reason: `cannot listen for port ${port}: ${error.message}` }));
  server.listen(gatewayListenPort(port));
  listeners.set(port, server);
}

// ---- policy ----------------------------------------------------------------------------------
function loadPolicy(): void {
  try {
    const next = { ...EMPTY, ...(JSON.parse(fs.readFileSync(POLICY_FILE, 'utf8')) as Partial<GatewayPolicy>) };
    const parsed = next.domains.map(parseDomainEntry).filter((e): e is DomainEntry => typeof e !== 'string');
    policy = next;
    entries = parsed;
    resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });
    if (next.upstream.length) resolver.setServers(next.upstream);
    cache.clear();
    const ports = new Set([80, 443, ...parsed.flatMap((e) => e.ports)]);
    for (const port of ports) listen(port);
    for (const [port, server] of listeners) {
      if (!ports.has(port)) {
        server.close();
        listeners.delete(port);
      }
    }
    // Tightening cuts what is open: a connection whose name or port is no longer listed ends now.
    let cut = 0;
    for (const o of [...open]) {
      if (!domainAllowed(entries, o.name, o.port)) {
        cut++;
        for (const s of o.sockets) s.destroy();
        open.delete(o);
      }
    }
    fs.writeFileSync(`${POLICY_FILE}.applied.new`, next.tag);
    fs.renameSync(`${POLICY_FILE}.applied.new`, `${POLICY_FILE}.applied`);
    emit('applied', { tag: next.tag, domains: entries.length, cut });
  } catch (error) {
    // A policy that cannot be read leaves nothing allowed: closed, never open.
    entries = [];
    policy = EMPTY;
    for (const o of [...open]) for (const s of o.sockets) s.destroy();
    open.clear();
    emit('error', { reason: `policy not loaded: ${(error as Error).message}; everything is refused` });
  }
}

process.on('SIGHUP', loadPolicy);
process.on('SIGTERM', () => process.exit(0));
process.on('uncaughtException', (error) => emit('error', { reason: `uncaught: ${error.message}` }));
if (fs.existsSync(POLICY_FILE)) loadPolicy();
startDns();
listen(80);
listen(443);
emit('ready', { pid: process.pid });
