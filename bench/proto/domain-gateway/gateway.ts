/**
 * PROTOTYPE of the egress gateway for the domain allowlist (issue #12), kept for the next step;
 * not part of the engine. See docs/domain-allowlist.md. One process per sandbox, in its own
 * container and network namespace; the sandbox's guard DNATs the sandbox's DNS (udp/tcp 53) and
 * TCP 80/443 (and name:port ports) to it. It:
 *   - answers DNS only for listed names, resolving them itself through its upstream, and answers
 *     NXDOMAIN for every other name WITHOUT asking anyone; A/AAAA only (TXT, HTTPS/SVCB, ANY… get
 *     an empty answer), addresses that are not public dropped (rebinding);
 *   - on 443 (and TLS on name:port ports) reads the ClientHello, takes the SNI, refuses no SNI,
 *     several names and ECH; on 80 reads each HTTP request's Host (node:http, so keep-alive
 *     requests cannot switch Host);
 *   - connects only to an address it resolved itself for that name, never to the address the
 *     sandbox asked for, and never to a non-public one (unless the CIDR list allows it);
 *   - reloads its policy on SIGHUP from /run/gateway/policy.json, cuts connections the new policy
 *     no longer allows, and prints `applied <tag>`;
 *   - prints every refusal as one JSON line on stdout (time, name/address, port, protocol, reason).
 * Bundle: node_modules/.bin/esbuild bench/proto/domain-gateway/gateway.ts --bundle --platform=node --target=node18 --outfile=.scratch/gateway.js
 */
import * as dgram from 'node:dgram';
import { promises as dnsp, type RecordWithTtl } from 'node:dns';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as ipaddr from 'ipaddr.js';
import { domainAllowed, normaliseHost, parseDomainEntry, type DomainEntry } from '../../../src/core/network/domains';

interface Policy {
  tag: string;
  domains: string[];
  /** Addresses the CIDR list allows: reachable even when not public (explicit wins). */
  cidrs: string[];
  /** Addresses never to connect to although public-looking: this machine's, the sandboxes network. */
  deny: string[];
  upstream: string[];
  /** Give AAAA answers to the sandbox (its network has IPv6). */
  ipv6: boolean;
}

const POLICY_FILE = process.env.GATEWAY_POLICY ?? '/run/gateway/policy.json';
let policy: Policy = { tag: 'none', domains: [], cidrs: [], deny: [], upstream: [], ipv6: false };
let entries: DomainEntry[] = [];
let resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });

function event(kind: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), kind, ...fields })}\n`);
}

// ---- addresses -------------------------------------------------------------------------------
const NOT_PUBLIC_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
].map((c) => ipaddr.parseCIDR(c));
const NOT_PUBLIC_V6 = [
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/32',
  '2002::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
].map((c) => ipaddr.parseCIDR(c));

function inList(addr: ipaddr.IPv4 | ipaddr.IPv6, cidrs: string[]): boolean {
  return cidrs.some((c) => {
    try {
      const parsed = ipaddr.parseCIDR(c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`);
      return parsed[0].kind() === addr.kind() && addr.match(parsed);
    } catch {
      return false;
    }
  });
}

/** Why an address may not be connected to, or null when it may. */
export function refusedAddress(text: string, p: Pick<Policy, 'cidrs' | 'deny'>): string | null {
  let addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (inList(addr, p.cidrs)) return null;
  if (inList(addr, p.deny)) return 'this machine or a sandbox';
  const ranges = addr.kind() === 'ipv4' ? NOT_PUBLIC_V4 : NOT_PUBLIC_V6;
  if (ranges.some((r) => r[0].kind() === addr.kind() && addr.match(r))) return `not a public address (${addr.range()})`;
  return null;
}

// ---- resolution (the gateway's own, cached per TTL) ------------------------------------------
interface Resolved {
  v4: string[];
  v6: string[];
  refused: string[];
  ttl: number;
  expires: number;
}
const cache = new Map<string, Promise<Resolved>>();

function resolveName(name: string): Promise<Resolved> {
  const hit = cache.get(name);
  if (hit) return hit;
  const job = (async () => {
    const [a, aaaa] = await Promise.all([
      resolver.resolve4(name, { ttl: true }).catch(() => [] as RecordWithTtl[]),
      resolver.resolve6(name, { ttl: true }).catch(() => [] as RecordWithTtl[]),
    ]);
    const refused: string[] = [];
    const keep = (records: RecordWithTtl[]) =>
      records
        .filter((r) => {
          const why = refusedAddress(r.address, policy);
          if (why) refused.push(`${r.address}: ${why}`);
          return !why;
        })
        .map((r) => r.address);
    const ttl = Math.min(300, Math.max(5, ...[...a, ...aaaa].map((r) => r.ttl), 5));
    return { v4: keep(a), v6: keep(aaaa), refused, ttl, expires: Date.now() + ttl * 1000 };
  })();
  cache.set(name, job);
  void job.then(
    (r) => setTimeout(() => cache.delete(name), r.ttl * 1000).unref(),
    () => cache.delete(name),
  );
  return job;
}

// ---- DNS server ------------------------------------------------------------------------------
function dnsAnswer(query: Buffer): Promise<Buffer | null> {
  return (async () => {
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
    if (query.readUInt16BE(4) !== 1 || flags & 0x8000) return reply(1, Buffer.alloc(0));
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
      if (len > 63 || off + 1 + len > query.length) return reply(1, Buffer.alloc(0));
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
      event('refused', { protocol: 'dns', name: raw.slice(0, 300), qtype, reason: name === null ? 'not a host name' : 'name not on the domain allowlist' });
      return reply(3, question); // NXDOMAIN, and no one else was asked
    }
    if (qtype !== 1 && qtype !== 28) return reply(0, question); // only addresses leave the gateway's cache
    const resolved = await resolveName(name);
    if (resolved.refused.length) event('refused', { protocol: 'dns', name, reason: 'resolves to an address that is not public', addresses: resolved.refused });
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
  })().catch(() => null);
}

function startDns(): void {
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => void dnsAnswer(msg).then((out) => out && udp.send(out, rinfo.port, rinfo.address)));
  udp.bind(53);
  net
    .createServer((socket) => {
      let buf = Buffer.alloc(0);
      socket.setTimeout(10_000, () => socket.destroy());
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          void dnsAnswer(Buffer.from(msg)).then((out) => {
            if (!out) return socket.destroy();
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            socket.write(Buffer.concat([len, out]));
          });
        }
      });
    })
    .listen(53);
}

// ---- connections -----------------------------------------------------------------------------
interface Open {
  name: string;
  port: number;
  sockets: net.Socket[];
}
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
        resolve(s);
      });
    });
    if (socket) return { socket };
  }
  return { refused: 'no address of it answered' };
}

function track(name: string, port: number, sockets: net.Socket[]): void {
  const entry: Open = { name, port, sockets };
  open.add(entry);
  for (const s of sockets)
    s.once('close', () => {
      open.delete(entry);
      for (const o of sockets) o.destroy();
    });
}

/** TLS: the SNI of the first ClientHello, or why there is no usable one. */
export function readSni(buf: Buffer): { need: true } | { name: string } | { refused: string } {
  if (buf.length < 5) return { need: true };
  if (buf[0] !== 22) return { refused: 'not TLS' };
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return buf.length > 16_389 ? { refused: 'ClientHello too large' } : { need: true };
  const hs = buf.subarray(5, 5 + recordLen);
  if (hs[0] !== 1 || hs.length < 4) return { refused: 'not a ClientHello' };
  const hsLen = hs.readUIntBE(1, 3);
  if (hsLen + 4 > hs.length) return { refused: 'ClientHello split over records' };
  let off = 4 + 2 + 32;
  const need = (n: number) => {
    if (off + n > 4 + hsLen) throw new Error('short');
  };
  try {
    need(1);
    off += 1 + hs[off];
    need(2);
    off += 2 + hs.readUInt16BE(off);
    need(1);
    off += 1 + hs[off];
    need(2);
    const end = off + 2 + hs.readUInt16BE(off);
    off += 2;
    let name: string | undefined;
    let names = 0;
    while (off + 4 <= end) {
      const type = hs.readUInt16BE(off);
      const len = hs.readUInt16BE(off + 2);
      const body = hs.subarray(off + 4, off + 4 + len);
      if (type === 0xfe0d) return { refused: 'encrypted ClientHello (ECH): the name is hidden' };
      if (type === 0) {
        let p = 2;
        while (p + 3 <= body.length) {
          const nameType = body[p];
          const nameLen = body.readUInt16BE(p + 1);
          if (nameType === 0) {
            names++;
            name = body.subarray(p + 3, p + 3 + nameLen).toString('latin1');
          }
          p += 3 + nameLen;
        }
      }
      off += 4 + len;
    }
    if (names === 0 || name === undefined) return { refused: 'no SNI' };
    if (names > 1) return { refused: 'several SNI names' };
    return { name };
  } catch {
    return { refused: 'malformed ClientHello' };
  }
}

function tlsServer(port: number): void {
  net
    .createServer({ noDelay: true }, (client) => {
      let buf = Buffer.alloc(0);
      client.on('error', () => {});
      const timer = setTimeout(() => refuse('no ClientHello within 10 s'), 10_000);
      const refuse = (reason: string, name?: string) => {
        clearTimeout(timer);
        event('refused', { protocol: 'tls', name, address: client.localAddress, port, source: client.remoteAddress, reason });
        client.resetAndDestroy?.() ?? client.destroy();
      };
      const onData = async (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const sni = readSni(buf);
        if ('need' in sni) return;
        client.removeListener('data', onData);
        client.pause();
        clearTimeout(timer);
        if ('refused' in sni) return refuse(sni.refused);
        const name = normaliseHost(sni.name);
        if (name === null) return refuse('SNI is not a host name', sni.name.slice(0, 300));
        if (!domainAllowed(entries, name, port)) return refuse('name not on the domain allowlist', name);
        const up = await connectByName(name, port);
        if ('refused' in up) return refuse(up.refused, name);
        up.socket.write(buf);
        client.pipe(up.socket).pipe(client);
        up.socket.on('error', () => client.destroy());
        client.resume();
        track(name, port, [client, up.socket]);
      };
      client.on('data', onData);
    })
    .listen(port);
}

function httpServer(port: number): void {
  const server = http.createServer({ noDelay: true });
  server.on('connection', (s) => s.on('error', () => {}));
  const check = (req: http.IncomingMessage): string | { refused: string; name?: string } => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const name = normaliseHost(host);
    if (!host) return { refused: 'no Host header' };
    if (name === null) return { refused: 'Host is not a host name', name: host.slice(0, 300) };
    if (!domainAllowed(entries, name, port)) return { refused: 'name not on the domain allowlist', name };
    return name;
  };
  // One upstream connection per client connection and name: a later request on the same
  // connection is checked again, so keep-alive cannot switch to another Host.
  server.on('request', async (req, res) => {
    const ok = check(req);
    const refuse = (reason: string, name?: string) => {
      event('refused', { protocol: 'http', name, port, source: req.socket.remoteAddress, reason });
      res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end(`refused by the sandbox's domain allowlist: ${reason}\n`);
    };
    if (typeof ok !== 'string') return refuse(ok.refused, ok.name);
    const resolved = await resolveName(ok);
    const address = [...resolved.v4, ...resolved.v6][0];
    if (!address) return refuse('resolves to no public address', ok);
    const raw: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (!/^(connection|keep-alive|proxy-connection|transfer-encoding|upgrade)$/i.test(req.rawHeaders[i])) raw.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    const up = http.request({ host: address, port, method: req.method, path: req.url, headers: raw as unknown as http.OutgoingHttpHeaders, setHost: false });
    up.on('response', (r) => {
      res.writeHead(r.statusCode ?? 502, r.rawHeaders as unknown as http.OutgoingHttpHeaders);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', async (req, client, head) => {
    const ok = check(req);
    if (typeof ok !== 'string') {
      event('refused', { protocol: 'http', port, reason: ok.refused, name: ok.name });
      return client.destroy();
    }
    const up = await connectByName(ok, port);
    if ('refused' in up) {
      event('refused', { protocol: 'http', port, reason: up.refused, name: ok });
      return client.destroy();
    }
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    up.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    up.socket.write(head);
    client.pipe(up.socket).pipe(client);
    track(ok, port, [client as net.Socket, up.socket]);
  });
  server.on('connect', (req, client) => {
    event('refused', { protocol: 'http', port, reason: 'CONNECT is not forwarded' });
    client.destroy();
  });
  server.listen(port);
}

// ---- policy ----------------------------------------------------------------------------------
function loadPolicy(): void {
  try {
    const next = JSON.parse(fs.readFileSync(POLICY_FILE, 'utf8')) as Policy;
    const parsed = next.domains.map(parseDomainEntry).filter((e): e is DomainEntry => typeof e !== 'string');
    policy = next;
    entries = parsed;
    resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });
    if (next.upstream.length) resolver.setServers(next.upstream);
    cache.clear();
    // Tightening cuts what is open: a connection whose name or port is no longer listed ends now.
    let cut = 0;
    for (const o of [...open]) {
      if (!domainAllowed(entries, o.name, o.port)) {
        cut++;
        for (const s of o.sockets) s.destroy();
        open.delete(o);
      }
    }
    try {
      fs.writeFileSync(`${POLICY_FILE}.applied`, next.tag);
    } catch {
      /* read-only: stdout is enough */
    }
    event('applied', { tag: next.tag, domains: entries.length, cut });
  } catch (error) {
    // A policy that cannot be read leaves nothing allowed: closed, never open.
    entries = [];
    event('error', { reason: `policy not loaded: ${(error as Error).message}; everything is refused` });
  }
}

process.on('SIGHUP', loadPolicy);
process.on('SIGTERM', () => process.exit(0));
loadPolicy();
startDns();
tlsServer(443);
httpServer(80);
for (const port of (process.env.GATEWAY_TLS_PORTS ?? '').split(',').filter(Boolean)) tlsServer(Number(port));
event('ready', { pid: process.pid });
