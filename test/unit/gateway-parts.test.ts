/**
 * The egress gateway's pure parts (issue #12): the ClientHello reader (SNI, none, several, ECH,
 * split and garbage; a real hello from Node's TLS client) and the address check (every refused
 * range, the IPv6 forms that carry an IPv4 address, this machine's addresses, the CIDR override).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { describe, it } from 'node:test';
import { refusedAddress } from '../../src/gateway/addresses';
import { readSni } from '../../src/gateway/clientHello';
import { gatewayListenPort } from '../../src/core/network/gatewayPorts';

function hello(extensions: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    Buffer.from([0, 2, 0x13, 0x01]),
    Buffer.from([1, 0]),
    u16(extensions.length),
    extensions,
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(hs.length), hs]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function sni(...names: string[]): Buffer {
  const list = Buffer.concat(names.map((n) => Buffer.concat([Buffer.from([0]), u16(n.length), Buffer.from(n, 'latin1')])));
  return Buffer.concat([u16(0), u16(list.length + 2), u16(list.length), list]);
}

describe('readSni', () => {
  it('reads the one SNI name', () => assert.deepEqual(readSni(hello(sni('example.org'))), { name: 'example.org' }));
  it('waits for more when the record is incomplete', () => {
    const full = hello(sni('example.org'));
    assert.deepEqual(readSni(full.subarray(0, 3)), { need: true });
    assert.deepEqual(readSni(full.subarray(0, full.length - 1)), { need: true });
  });
  it('refuses no SNI, several names, several SNI extensions and ECH', () => {
    assert.deepEqual(readSni(hello(Buffer.alloc(0))), { refused: 'no SNI' });
    assert.deepEqual(readSni(hello(sni('a.test', 'b.test'))), { refused: 'several SNI names' });
    assert.deepEqual(readSni(hello(Buffer.concat([sni('a.test'), sni('b.test')]))), { refused: 'several SNI names' });
    assert.match(JSON.stringify(readSni(hello(Buffer.concat([sni('a.test'), u16(0xfe0d), u16(1), Buffer.from([0])])))), /ECH/);
  });
  it('refuses what is not a ClientHello, and malformed lengths', () => {
    assert.deepEqual(readSni(Buffer.from('GET / HTTP/1.1\r\n')), { refused: 'not TLS' });
    const bad = hello(sni('example.org'));
    bad[bad.length - 10] = 0xff; // a name length past the end
    assert.ok('refused' in readSni(bad) || 'name' in readSni(bad));
    const lying = hello(sni('example.org'));
    lying.writeUInt16BE(0xffff, 3); // a record longer than TLS allows
    assert.deepEqual(readSni(lying), { refused: 'ClientHello too large' });
  });
  it("reads the SNI of Node's own TLS client", async () => {
    const first = await new Promise<Buffer>((resolve) => {
      const server = net.createServer((s) => s.once('data', (d: Buffer) => (resolve(d), s.destroy(), server.close())));
      server.listen(0, '127.0.0.1', () => {
        const c = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername: 'files.example.net' });
        c.on('error', () => undefined);
      });
    });
    assert.deepEqual(readSni(first), { name: 'files.example.net' });
  });
});

describe('refusedAddress', () => {
  const rules = { cidrs: [], deny: ['172.18.0.0/16', '192.0.2.1'] };
  it('refuses every non-public range, v4 and v6', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      'ff02::1',
    ]) {
      assert.ok(refusedAddress(a, rules), `${a} refused`);
    }
  });
  it('refuses IPv4 addresses hidden in IPv6 forms', () => {
    for (const a of ['::ffff:10.0.0.1', '64:ff9b::a00:1', '2002:a00:1::', '::ffff:169.254.169.254']) assert.ok(refusedAddress(a, rules), `${a} refused`);
  });
  it("refuses this machine's and the sandboxes network's addresses even when public", () => {
    assert.match(String(refusedAddress('192.0.2.1', rules)), /this machine/);
    assert.match(String(refusedAddress('64:ff9b::c000:201', rules)), /this machine/);
  });
  it('passes public addresses (the documentation ranges stand in for the internet)', () => {
    for (const a of ['198.51.100.7', '203.0.113.9', '2001:db8::1', '93.184.215.14', '2606:2800::1']) assert.equal(refusedAddress(a, rules), null, a);
  });
  it('an explicit CIDR entry wins; garbage is refused', () => {
    assert.equal(refusedAddress('10.1.2.3', { cidrs: ['10.1.0.0/16'], deny: [] }), null);
    assert.equal(refusedAddress('not-an-address', rules), 'not an address');
  });
});

describe('gatewayListenPort', () => {
  it('moves privileged ports above 15000 and keeps the others', () => {
    assert.equal(gatewayListenPort(443), 15443);
    assert.equal(gatewayListenPort(80), 15080);
    assert.equal(gatewayListenPort(8443), 8443);
  });
});
