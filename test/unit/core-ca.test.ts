/**
 * Issue #10, finding 12: the local CA that signs the tunnels' leaf certificate is trusted by
 * users (Export CA Certificate), so it must not be able to vouch for any other name. Its X.509
 * name constraints (critical; permitted: IP 127.0.0.1/32 and ::1/128, DNS localhost) make node's
 * TLS (OpenSSL) and `openssl verify` refuse a leaf for example.com even when the CA's key signed it.
 * Handshakes run on loopback only.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import * as tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import { loadOrCreateTlsMaterial } from '../../src/core/tunnels/ca';
import type { Logger } from '../../src/core/types';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;
const NAME_CONSTRAINTS = '2.5.29.30';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function stateDir(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  return dir;
}

function pemBlock(text: string, label: string): string {
  const block = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`).exec(text)?.[0];
  assert.ok(block, `no ${label} in the file`);
  return block;
}

/** The CA's own key and certificate, as the engine stored them (ca.pem, mode 0600). */
async function storedCa(dir: string): Promise<{ key: webcrypto.CryptoKey; cert: x509.X509Certificate; pem: string }> {
  const text = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  const key = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(pemBlock(text, 'PRIVATE KEY'))[0]!, ALG, true, ['sign']);
  const pem = pemBlock(text, 'CERTIFICATE');
  return { key, cert: new x509.X509Certificate(pem), pem };
}

/** A server leaf for `names`, signed with the CA's key: what someone holding the key could mint. */
async function mintLeaf(
  ca: { key: webcrypto.CryptoKey; cert: x509.X509Certificate },
  cn: string,
  names: { type: 'dns' | 'ip'; value: string }[],
): Promise<{ key: string; cert: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: `CN=${cn}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  const key = x509.PemConverter.encode(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 'PRIVATE KEY');
  return { key, cert: leaf.toString('pem') };
}

/**
 * A TLS handshake on 127.0.0.1 against a server presenting `leaf` (and the CA), by a client that
 * trusts only the CA and asks for `servername`: `ok`, or the verification error's message.
 */
async function handshake(leaf: { key: string; cert: string }, caPem: string, servername: string): Promise<string> {
  const server = tls.createServer({ key: leaf.key, cert: `${leaf.cert}\n${caPem}` }, (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ca: caPem,
        servername: servername === '127.0.0.1' ? undefined : servername,
        checkServerIdentity: (host, cert) => tls.checkServerIdentity(servername, cert),
      });
      socket.once('secureConnect', () => {
        resolve(socket.authorized ? 'ok' : String(socket.authorizationError));
        socket.destroy();
      });
      // Node reports OpenSSL's X509_V_ERR_PERMITTED_VIOLATION with code UNSPECIFIED: the message names it.
      socket.once('error', (error: Error) => resolve(error.message));
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, trace: keep('trace'), debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('local CA: name constraints (issue #10, finding 12)', () => {
  it('marks the CA critical-constrained to 127.0.0.1/32, ::1/128 and localhost', async () => {
    const dir = stateDir('fresh');
    const material = await loadOrCreateTlsMaterial(dir);
    const ext = new x509.X509Certificate(material.caCert).getExtension(NAME_CONSTRAINTS);
    assert.ok(ext, 'the CA has a name constraints extension');
    assert.equal(ext.critical, true);
    if (fs.existsSync('/usr/bin/openssl')) {
      const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: material.caCert, encoding: 'utf8' });
      assert.match(
        text,
        /X509v3 Name Constraints: critical\s+Permitted:\s+IP:127\.0\.0\.1\/255\.255\.255\.255\s+IP:0:0:0:0:0:0:0:1\/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF\s+DNS:localhost/,
      );
    }
  });

  it("node's TLS refuses a leaf for example.com (or 10.0.0.1, or CN only) signed by the CA's key; the tunnel's leaf verifies", async () => {
    const dir = stateDir('handshakes');
    const material = await loadOrCreateTlsMaterial(dir);
    const ca = await storedCa(dir);
    const tunnelLeaf = { key: material.key, cert: material.cert.split(/(?<=-----END CERTIFICATE-----)\n/)[0] ?? '' };
    for (const name of ['localhost', '127.0.0.1']) assert.equal(await handshake(tunnelLeaf, material.caCert, name), 'ok', name);

    const foreign = await mintLeaf(ca, 'example.com', [{ type: 'dns', value: 'example.com' }]);
    assert.equal(await handshake(foreign, material.caCert, 'example.com'), 'permitted subtree violation');
    const foreignIp = await mintLeaf(ca, 'internal', [{ type: 'ip', value: '10.0.0.1' }]);
    assert.equal(await handshake(foreignIp, material.caCert, '10.0.0.1'), 'permitted subtree violation');
    const cnOnly = await mintLeaf(ca, 'example.com', []);
    assert.equal(await handshake(cnOnly, material.caCert, 'example.com'), 'permitted subtree violation');
    // The same leaf for a permitted name, from the same key, verifies: it is the constraint that refuses.
    const localhost = await mintLeaf(ca, 'localhost', [{ type: 'dns', value: 'localhost' }]);
    assert.equal(await handshake(localhost, material.caCert, 'localhost'), 'ok');
  });

  it('openssl verify agrees', { skip: !fs.existsSync('/usr/bin/openssl') && 'no openssl' }, async () => {
    const dir = stateDir('openssl');
    const material = await loadOrCreateTlsMaterial(dir);
    const foreign = await mintLeaf(await storedCa(dir), 'example.com', [{ type: 'dns', value: 'example.com' }]);
    fs.writeFileSync(path.join(dir, 'ca-cert.pem'), material.caCert);
    fs.writeFileSync(path.join(dir, 'foreign.pem'), foreign.cert);
    fs.writeFileSync(path.join(dir, 'tunnel.pem'), material.cert);
    const verify = (file: string) => {
      try {
        return execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca-cert.pem'), path.join(dir, file)], { encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        return `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      }
    };
    assert.match(verify('tunnel.pem'), /: OK/);
    assert.match(verify('foreign.pem'), /permitted subtree violation/);
  });

  it('replaces a CA stored without the constraints (made by an earlier version), says so in the log, and keeps a constrained one', async () => {
    const dir = stateDir('upgrade');
    // The CA as earlier versions made it: no name constraints.
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const old = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '02',
      name: 'CN=gVisor Sandboxes local CA (2025-01-01)',
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 3650 * DAY),
      signingAlgorithm: ALG,
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    });
    const oldKey = x509.PemConverter.encode(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 'PRIVATE KEY');
    fs.writeFileSync(path.join(dir, 'ca.pem'), `${oldKey}\n${old.toString('pem')}\n`, { mode: 0o600 });

    const log = capture();
    const material = await loadOrCreateTlsMaterial(dir, new Date(), log);
    assert.notEqual(material.caCert.trim(), old.toString('pem').trim(), 'a new CA');
    assert.ok(new x509.X509Certificate(material.caCert).getExtension(NAME_CONSTRAINTS)?.critical);
    const stored = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    assert.ok(!stored.includes(oldKey.split('\n')[1] ?? '-'), "the old CA's key is gone from the state folder");
    assert.equal(fs.statSync(path.join(dir, 'ca.pem')).mode & 0o777, 0o600);
    assert.ok(
      log.lines.some((line) => /^warn: .*no name constraints.*Export CA Certificate/s.test(line)),
      log.lines.join('\n'),
    );
    const tunnelLeaf = { key: material.key, cert: material.cert.split(/(?<=-----END CERTIFICATE-----)\n/)[0] ?? '' };
    assert.equal(await handshake(tunnelLeaf, material.caCert, 'localhost'), 'ok', 'the leaf is signed by the new CA');

    const again = capture();
    assert.equal((await loadOrCreateTlsMaterial(dir, new Date(), again)).caCert, material.caCert, 'a constrained CA is kept');
    assert.deepEqual(
      again.lines.filter((line) => line.startsWith('warn')),
      [],
    );
  });
});
