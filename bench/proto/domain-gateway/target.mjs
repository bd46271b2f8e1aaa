// A test target: HTTPS on 443 and 8443, HTTP on 80, UDP 443; prints every TCP connection and UDP
// datagram it receives, so a test can show that nothing reached it. GET /bulk?mb=N streams N MiB.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as dgram from 'node:dgram';
const who = process.env.WHO ?? 'target';
const handler = (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/bulk') {
    const mb = Number(u.searchParams.get('mb') ?? 1);
    const chunk = Buffer.alloc(1 << 20, 120);
    res.writeHead(200, { 'content-length': mb << 20 });
    let i = 0;
    const more = () => {
      while (i < mb) {
        i++;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end();
    };
    return more();
  }
  res.end(`${who} host=${req.headers.host}\n`);
};
const opts = { key: fs.readFileSync('/certs/leaf.key'), cert: fs.readFileSync('/certs/leaf.crt') };
for (const [srv, port] of [
  [https.createServer(opts, handler), 443],
  [https.createServer(opts, handler), 8443],
  [http.createServer(handler), 80],
]) {
  srv.keepAliveTimeout = 30000;
  srv.on('connection', (s) => console.log(`CONNECT ${who} tcp/${port} from ${s.remoteAddress}`));
  srv.listen(port);
}
const u = dgram.createSocket('udp4');
u.on('message', (m, r) => console.log(`DATAGRAM ${who} udp/443 from ${r.address}`));
u.bind(443);
console.log(`${who} ready`);
