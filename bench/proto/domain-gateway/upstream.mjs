// A test resolver (the "upstream" of the gateway): answers from a fixed table and prints every
// question it gets, so a test can show which names ever left the gateway. UDP only.
import * as dgram from 'node:dgram';
const table = JSON.parse(process.env.ZONE ?? '{}'); // { "name": { "A": ["203.0.113.10"], "AAAA": [] } }
const v6bytes = (a) => {
  const [h, t = ''] = a.split('::');
  const hg = h ? h.split(':') : [];
  const tg = t ? t.split(':') : [];
  const g = [...hg, ...Array(8 - hg.length - tg.length).fill('0'), ...tg];
  return Buffer.from(g.flatMap((x) => [parseInt(x, 16) >> 8, parseInt(x, 16) & 255]));
};
const sock = dgram.createSocket('udp4');
sock.on('message', (q, r) => {
  let off = 12;
  const labels = [];
  while (q[off]) {
    labels.push(q.subarray(off + 1, off + 1 + q[off]).toString('latin1'));
    off += 1 + q[off];
  }
  off++;
  const type = q.readUInt16BE(off);
  const name = labels.join('.').toLowerCase();
  console.log(`QUERY ${name} ${type}`);
  const rec = table[name];
  const key = type === 1 ? 'A' : type === 28 ? 'AAAA' : null;
  const list = rec && key ? (rec[key] ?? []) : [];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(q.readUInt16BE(0));
  h.writeUInt16BE(0x8180 | (rec ? 0 : 3), 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(list.length, 6);
  const ans = list.map((a) => {
    const rd = type === 1 ? Buffer.from(a.split('.').map(Number)) : v6bytes(a);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c);
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(30, 6);
    rr.writeUInt16BE(rd.length, 10);
    return Buffer.concat([rr, rd]);
  });
  sock.send(Buffer.concat([h, q.subarray(12, off + 4), ...ans]), r.port, r.address);
});
sock.bind(53, () => console.log('upstream ready'));
