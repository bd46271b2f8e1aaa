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
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { domainAllowed, normaliseHost, parseDomainEntry, type DomainEntry } from '../core/network/domains';
import { readSni } from './clientHello';
import { gatewayListenPort } from '../core/network/gatewayPorts';
import { startDns } from './dns';
import { emit, refused } from './events';
import { EMPTY, closePolicy, entries, fromClient, resolveName, setPolicy, type GatewayPolicy } from './state';

// The policy's contract with the engine (network/gateway.ts writes it) lives in state.ts.
export type { GatewayPolicy } from './state';

const POLICY_FILE = process.env.GATEWAY_POLICY ?? '/run/gateway/policy.json';

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
    setPolicy(next, parsed);
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
    closePolicy();
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
