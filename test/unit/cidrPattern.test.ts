import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ipaddr from 'ipaddr.js';
import { parseCidr } from '../../src/core/network/policy';
import { CIDR_ENTRY_PATTERN, CIDR_ENTRY_PATTERN_ERROR, matchesCidrSyntax } from '../../src/shared/cidrPattern';
import { localizedManifest } from '../lib/manifest';

const manifest = localizedManifest() as {
  contributes: { configuration: { properties: Record<string, { items?: { pattern?: string; patternErrorMessage?: string } }> }[] };
};
const allowlist = manifest.contributes.configuration.map((section) => section.properties['sandboxes.network.cidrAllowlist']).find(Boolean);

const VALID = [
  '10.0.0.0/8',
  '192.0.2.7',
  '192.0.2.7/32',
  '0.0.0.0/0',
  '255.255.255.255',
  '172.16.0.0/12',
  ' 10.0.0.0/8 ',
  'fd00::/8',
  '::/0',
  '::1',
  '2001:db8::/32',
  '2001:db8:0:0:0:0:0:1',
  '2001:db8::1/128',
  'fe80::',
  '1::',
  'fe80::1:2',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  'ABCD:ef01::/16',
];
const MALFORMED = [
  '',
  ' ',
  '10',
  '10.1',
  '10.0.0',
  '010.0.0.1',
  '0x0a.0.0.1',
  '1.2.3.04',
  '256.0.0.0',
  '1.2.3.4/33',
  '1.2.3.4/',
  '1.2.3.4/08',
  '10.0.0.0 /8',
  'example.com',
  '1.2.3.4.5',
  'fe80::1%eth0',
  '::ffff:1.2.3.4',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  ':::',
  '12345::',
  'fd00::/129',
  'fd00::/',
  'g::1',
  '10.0.0.0/8,10.1.0.0/16',
];

describe('cidrAllowlist entry syntax', () => {
  it('is the pattern package.json gives the Settings editor, with its error message', () => {
    assert.equal(allowlist?.items?.pattern, CIDR_ENTRY_PATTERN);
    assert.equal(allowlist?.items?.patternErrorMessage, CIDR_ENTRY_PATTERN_ERROR);
    // VS Code compiles setting patterns with and without the u flag: both must work.
    assert.ok(new RegExp(CIDR_ENTRY_PATTERN).test('fd00::/8'));
  });

  it('accepts IPv4 and IPv6 CIDRs and addresses, which the engine parses', () => {
    for (const entry of VALID) {
      assert.ok(matchesCidrSyntax(entry), `${JSON.stringify(entry)} should match`);
      assert.equal(typeof parseCidr(entry.replace(/\/\d+$/, '')), 'object', `${entry} parses`);
    }
  });

  it('flags malformed entries, including forms a lenient parser would misread', () => {
    for (const entry of MALFORMED) assert.ok(!matchesCidrSyntax(entry), `${JSON.stringify(entry)} should not match`);
  });

  it('matches every IPv6 address in ipaddr.js normal and compressed form', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 2000; n++) {
      // Runs of zero groups, so compression happens at every position.
      const parts = Array.from({ length: 8 }, () => (random() < 0.4 ? 0 : Math.floor(random() * 0x10000)));
      const address = new ipaddr.IPv6(parts);
      for (const text of [address.toNormalizedString(), address.toString()]) {
        assert.ok(matchesCidrSyntax(text), `${text} should match`);
        assert.ok(matchesCidrSyntax(`${text}/${Math.floor(random() * 129)}`), `${text}/n should match`);
      }
    }
  });
});
