import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tunnel } from '../../src/core/types';
import {
  KIND_CHOICES,
  browsableUrl,
  certificatesOnly,
  debianTrustCommand,
  describePortSettings,
  describeTunnel,
  opensThroughHttpProxy,
  parsePortInput,
  summarizeTunnels,
  trustInstructions,
  tunnelItems,
  validatePortInput,
} from '../../src/vscode/ports/portFormat';

function tunnel(containerPort: number, kind: Tunnel['kind'], url: string): Tunnel {
  const { hostname, port } = new URL(url);
  return { containerPort, kind, host: hostname, port: Number(port), url };
}

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHkey\n-----END PRIVATE KEY-----';

describe('port input', () => {
  it('accepts port numbers, surrounding spaces allowed', () => {
    for (const value of ['1', '8000', ' 443 ', '65535']) assert.equal(validatePortInput(value), undefined, value);
    assert.equal(parsePortInput(' 8000 '), 8000);
  });

  it('says what is wrong with anything else', () => {
    assert.match(validatePortInput('') ?? '', /Enter the port/);
    assert.match(validatePortInput('80a') ?? '', /digits only/);
    assert.match(validatePortInput('-1') ?? '', /digits only/);
    assert.match(validatePortInput('8000.5') ?? '', /digits only/);
    assert.match(validatePortInput('0') ?? '', /from 1 to 65535/);
    assert.match(validatePortInput('65536') ?? '', /from 1 to 65535/);
  });
});

describe('tunnel descriptions', () => {
  it('offer the three kinds, plain HTTP/TCP first', () => {
    assert.deepEqual(
      KIND_CHOICES.map((c) => c.kind),
      ['unencrypted', 'encrypted', 'h2'],
    );
    assert.deepEqual(
      KIND_CHOICES.map((c) => c.label),
      ['HTTP / TCP', 'HTTPS', 'HTTP/2'],
    );
  });

  it('open wildcard listeners through loopback, and leave others alone', () => {
    assert.equal(browsableUrl(tunnel(8000, 'unencrypted', 'http://127.0.0.1:41234')), 'http://127.0.0.1:41234');
    assert.equal(browsableUrl(tunnel(8000, 'unencrypted', 'http://0.0.0.0:41234')), 'http://127.0.0.1:41234');
    assert.equal(browsableUrl(tunnel(8000, 'encrypted', 'https://[::]:41234')), 'https://[::1]:41234');
    assert.equal(browsableUrl(tunnel(8000, 'encrypted', 'https://[::1]:41234')), 'https://[::1]:41234');
    assert.equal(browsableUrl(tunnel(8000, 'encrypted', 'https://192.168.1.20:41234')), 'https://192.168.1.20:41234');
  });

  it('name the port inside, the URL and the kind', () => {
    assert.equal(describeTunnel(tunnel(8000, 'encrypted', 'https://127.0.0.1:41234')), '8000 → https://127.0.0.1:41234 (HTTPS)');
    assert.equal(
      summarizeTunnels([tunnel(9000, 'h2', 'https://127.0.0.1:2'), tunnel(8000, 'unencrypted', 'http://127.0.0.1:1')]),
      'port 8000: http://127.0.0.1:1, port 9000: https://127.0.0.1:2',
    );
    assert.deepEqual(
      tunnelItems([tunnel(9000, 'h2', 'https://127.0.0.1:2'), tunnel(8000, 'unencrypted', 'http://127.0.0.1:1')]).map(({ label, description }) => ({ label, description })),
      [
        { label: 'Port 8000', description: 'http://127.0.0.1:1 · HTTP/TCP' },
        { label: 'Port 9000', description: 'https://127.0.0.1:2 · HTTP/2' },
      ],
    );
    assert.equal(describePortSettings({ encryptedPorts: [8000], unencryptedPorts: [3000], h2Ports: [] }), '3000 (HTTP/TCP), 8000 (HTTPS)');
  });
});

describe('opening forwards through the editor', () => {
  it('recognises a web proxy path (code-server), which cannot carry TLS, from a TCP forward (Remote SSH)', () => {
    assert.equal(opensThroughHttpProxy('https://127.0.0.1:41234/', 'http://127.0.0.1:8080/proxy/41234/'), true);
    assert.equal(opensThroughHttpProxy('https://127.0.0.1:41234/', 'https://localhost:50123/'), false);
    assert.equal(opensThroughHttpProxy('http://127.0.0.1:41234/', 'http://127.0.0.1:41234/'), false);
  });
});

describe('CA export', () => {
  it('keeps only certificates, never a key', () => {
    assert.equal(certificatesOnly(`${KEY}\n${CERT}\n`), `${CERT}\n`);
    assert.equal(certificatesOnly(`${CERT}\n${KEY}\n${CERT}`), `${CERT}\n${CERT}\n`);
    assert.equal(certificatesOnly(KEY), '');
  });

  it('gives a Debian command that installs it under a .crt name (update-ca-certificates reads no other)', () => {
    assert.equal(
      debianTrustCommand('/home/me/gvisor-sandboxes-ca.pem'),
      'sudo cp /home/me/gvisor-sandboxes-ca.pem /usr/local/share/ca-certificates/gvisor-sandboxes-ca.crt && sudo update-ca-certificates',
    );
    assert.match(debianTrustCommand("/home/me/my certs/it's.pem"), /^sudo cp '\/home\/me\/my certs\/it'\\''s\.pem' /);
  });

  it('says where the file is and how browsers and Node trust it', () => {
    const text = trustInstructions('/tmp/ca.pem');
    assert.match(text, /Saved the local CA certificate \(no private key\) to \/tmp\/ca\.pem/);
    assert.match(text, /update-ca-certificates/);
    assert.match(text, /Chrome and Firefox/);
    assert.match(text, /NODE_EXTRA_CA_CERTS=\/tmp\/ca\.pem/);
  });
});
