// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';
import type { Logger } from '../types';

/**
 * A local certificate authority for encrypted tunnels: created once per user (its key never
 * leaves the state folder, mode 0600), and a leaf certificate for 127.0.0.1 and localhost that
 * it signs. Users trust the CA once (Sandboxes: Export CA Certificate) and every tunnel verifies.
 * The CA carries critical name constraints (loopback addresses and localhost only), so even its
 * own key cannot make a certificate that a client trusting it would accept for another site.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;
const NAME_CONSTRAINTS_OID = '2.5.29.30';

/** One DER element: tag, definite length, content. */
function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const length = body.length < 0x80 ? [body.length] : body.length < 0x100 ? [0x81, body.length] : [0x82, body.length >> 8, body.length & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

/**
 * RFC 5280 NameConstraints { permittedSubtrees [0] { base: iPAddress 127.0.0.1/32 },
 * { base: iPAddress ::1/128 }, { base: dNSName "localhost" } }: what the leaf names, nothing else.
 * A leaf for any other name or address, or with only a CN, fails verification in OpenSSL (node's
 * TLS, curl, Python) and browsers. Encoded here: @peculiar/x509 has no class for it.
 */
const LOOPBACK_NAME_CONSTRAINTS = der(
  0x30,
  der(
    0xa0,
    der(0x30, der(0x87, Buffer.from([127, 0, 0, 1]), Buffer.alloc(4, 0xff))),
    der(0x30, der(0x87, Buffer.from([...Array(15).fill(0), 1]), Buffer.alloc(16, 0xff))),
    der(0x30, der(0x82, Buffer.from('localhost', 'ascii'))),
  ),
);

/** Whether a CA certificate carries exactly these constraints, marked critical. */
function isLoopbackOnly(cert: x509.X509Certificate): boolean {
  const ext = cert.getExtension(NAME_CONSTRAINTS_OID);
  return !!ext && ext.critical && Buffer.from(ext.value).equals(LOOPBACK_NAME_CONSTRAINTS);
}

export interface TlsMaterial {
  /** PEM of the CA certificate (what clients trust). */
  caCert: string;
  /** Leaf key and certificate chain for the tunnel listeners. */
  key: string;
  cert: string;
}

export async function loadOrCreateTlsMaterial(stateDir: string, now = new Date(), logger?: Logger): Promise<TlsMaterial> {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreateCa(path.join(stateDir, 'ca.pem'), now, logger);
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

/**
 * The CA in `file`, or a new one. A CA without the name constraints (made before they existed)
 * is replaced, its key deleted: users who trusted it must trust the new one (the log says so).
 */
async function loadOrCreateCa(file: string, now: Date, logger: Logger | undefined): Promise<{ key: CryptoKey; cert: x509.X509Certificate }> {
  // Another window may create or replace the CA at the same time: each round reads what is there.
  for (let round = 0; round < 3; round++) {
    const existing = readPemBundle(file);
    if (!existing) {
      const created = await createCa(file, now);
      if (created) return created;
      continue;
    }
    const cert = new x509.X509Certificate(existing.cert);
    if (isLoopbackOnly(cert)) return { key: await importKey(existing.key), cert };
    retireUnconstrained(file, cert.subject, logger);
  }
  throw new Error(`The local CA in ${file} kept changing while it was read; another process is replacing it. Try again.`);
}

/**
 * Moves an unconstrained CA out of the way and deletes it. The rename is atomic, so of two
 * processes replacing it one moves it; if what was moved is already a constrained CA (another
 * process replaced the old one in between), it is put back.
 */
function retireUnconstrained(file: string, subject: string, logger: Logger | undefined): void {
  const aside = `${file}.${process.pid}.retired`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readPemBundle(aside);
  if (moved && isLoopbackOnly(new x509.X509Certificate(moved.cert))) {
    try {
      fs.linkSync(aside, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    fs.rmSync(aside, { force: true });
    return;
  }
  fs.rmSync(aside, { force: true });
  logger?.warn(
    `The local CA in ${file} ("${subject}", made by an earlier version) had no name constraints, so wherever it is trusted it could vouch for any site. ` +
      'It was replaced by a CA that can only vouch for 127.0.0.1, ::1 and localhost, and its key was deleted. ' +
      'If you trusted the old CA, remove it from your trust stores, then export the new one with "Sandboxes: Export CA Certificate…" and trust it instead.',
  );
}

/** A new CA written with `wx`; `undefined` when another process wrote one first (the caller reads it). */
async function createCa(file: string, now: Date): Promise<{ key: CryptoKey; cert: x509.X509Certificate } | undefined> {
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
      new x509.Extension(NAME_CONSTRAINTS_OID, true, LOOPBACK_NAME_CONSTRAINTS),
    ],
  });
  // `wx`: when two windows create the CA at once, the first wins and the other uses it.
  if (!writePrivate(file, `${await pemKey(keys.privateKey)}\n${cert.toString('pem')}\n`, true)) return undefined;
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
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}
