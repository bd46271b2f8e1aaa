// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

/**
 * A local certificate authority for encrypted tunnels: created once per user (its key never
 * leaves the state folder, mode 0600), and a leaf certificate for 127.0.0.1 and localhost that
 * it signs. Users trust the CA once (Sandboxes: Export CA Certificate) and every tunnel verifies.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface TlsMaterial {
  /** PEM of the CA certificate (what clients trust). */
  caCert: string;
  /** Leaf key and certificate chain for the tunnel listeners. */
  key: string;
  cert: string;
}

export async function loadOrCreateTlsMaterial(stateDir: string, now = new Date()): Promise<TlsMaterial> {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreateCa(path.join(stateDir, 'ca.pem'), now);
  const leafFile = path.join(stateDir, 'tunnel-leaf.pem');
  const existing = readPemBundle(leafFile);
  if (existing) {
    const cert = new x509.X509Certificate(existing.cert);
    const fresh = cert.notAfter.getTime() - now.getTime() > 30 * DAY;
    if (fresh && cert.issuer === ca.cert.subject && (await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }))) {
      return { caCert: ca.cert.toString('pem'), key: existing.key, cert: `${existing.cert}\n${ca.cert.toString('pem')}` };
    }
  }
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=gVisor Sandboxes tunnel',
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 365 * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  const key = await pemKey(keys.privateKey);
  writePrivate(leafFile, `${key}\n${leaf.toString('pem')}\n`, false);
  return { caCert: ca.cert.toString('pem'), key, cert: `${leaf.toString('pem')}\n${ca.cert.toString('pem')}` };
}

async function loadOrCreateCa(file: string, now: Date): Promise<{ key: CryptoKey; cert: x509.X509Certificate }> {
  const existing = readPemBundle(file);
  if (existing) return { key: await importKey(existing.key), cert: new x509.X509Certificate(existing.cert) };
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=gVisor Sandboxes local CA (${new Date(now).toISOString().slice(0, 10)})`,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 10 * 365 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  // `wx`: when two windows create the CA at once, the first wins and the other uses it.
  if (!writePrivate(file, `${await pemKey(keys.privateKey)}\n${cert.toString('pem')}\n`, true)) {
    const winner = readPemBundle(file);
    if (winner) return { key: await importKey(winner.key), cert: new x509.X509Certificate(winner.cert) };
  }
  return { key: keys.privateKey, cert };
}

function readPemBundle(file: string): { key: string; cert: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(text)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  return key && cert ? { key, cert } : null;
}

/** Writes a file only its owner can read. With `exclusive`, returns false if it already exists. */
function writePrivate(file: string, content: string, exclusive: boolean): boolean {
  if (exclusive) {
    try {
      fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return true;
}

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(pem)[0], ALG, true, ['sign']) as Promise<CryptoKey>;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}
