/**
 * The gateway's DNS server (UDP and TCP): answers only for listed names, resolving them itself,
 * NXDOMAIN for every other name without asking anyone; only A/AAAA are looked up.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as ipaddr from 'ipaddr.js';
import { domainAllowed, normaliseHost } from '../core/network/domains';
import { GATEWAY_DNS_PORT } from '../core/network/gatewayPorts';
import { refused } from './events';
import { entries, fromClient, policy, resolveName } from './state';

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

export function startDns(): void {
  for (const family of ['udp4', 'udp6'] as const) {
    const udp = dgram.createSocket({ type: family, ipv6Only: family === 'udp6' });
    udp.on('error', () => undefined);
    udp.on('message', (msg, rinfo) => {
      if (!fromClient(rinfo.address)) return;
      void dnsAnswer(msg).then(
        (out) => out && udp.send(out, rinfo.port, rinfo.address),
        () => undefined,
      );
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
          void dnsAnswer(msg).then(
            (out) => {
              if (!out) return void socket.destroy();
              const len = Buffer.alloc(2);
              len.writeUInt16BE(out.length);
              socket.write(Buffer.concat([len, out]));
            },
            () => socket.destroy(),
          );
        }
      });
    })
    .listen(GATEWAY_DNS_PORT);
}
