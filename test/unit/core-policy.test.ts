import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core';
import { denyAllRules, modeOf, parseCidr, renderRules, validatePolicy } from '../../src/core/network/policy';
import { assertEnforceable, runtimeNetworking } from '../../src/core/network/runtimeMode';

describe('parseCidr', () => {
  it('accepts CIDRs and single addresses of both families, normalised', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { family: 4, cidr: '10.0.0.0/8' });
    assert.deepEqual(parseCidr(' 192.0.2.7 '), { family: 4, cidr: '192.0.2.7/32' });
    assert.deepEqual(parseCidr('2001:DB8::/32'), { family: 6, cidr: '2001:db8::/32' });
    assert.deepEqual(parseCidr('::1'), { family: 6, cidr: '::1/128' });
  });
  it('reports host bits instead of widening, and refuses ambiguous forms', () => {
    assert.equal(parseCidr('10.0.0.1/8'), 'has host bits set; did you mean 10.0.0.0/8?');
    for (const bad of ['10', '10.1', '010.0.0.1', '0x0a.0.0.1', '256.0.0.1', 'fe80::1%eth0', '::ffff:1.2.3.4', '1.2.3.4/33', '::/129', '1.2.3.4/x', 'example.com', '']) {
      assert.equal(typeof parseCidr(bad), 'string', bad);
    }
  });
});

describe('validatePolicy', () => {
  it('names every bad entry and applies nothing', () => {
    assert.throws(() => validatePolicy({ cidrAllowlist: ['10.0.0.1/8', 'nope', '192.0.2.0/24'] }), (error: unknown) => {
      assert.ok(error instanceof SandboxError && error.code === 'INVALID_POLICY');
      assert.match(error.message, /cidrAllowlist\[0\] "10\.0\.0\.1\/8"/);
      assert.match(error.message, /cidrAllowlist\[1\] "nope"/);
      assert.doesNotMatch(error.message, /192\.0\.2\.0\/24/);
      return true;
    });
  });
  it('normalises and de-duplicates', () => {
    assert.deepEqual(validatePolicy({ cidrAllowlist: ['192.0.2.7', '192.0.2.7/32'] }), { blockNetwork: false, cidrAllowlist: ['192.0.2.7/32'] });
    assert.equal(modeOf(validatePolicy({ blockNetwork: true, cidrAllowlist: ['10.0.0.0/8'] })), 'blocked');
  });
});

describe('renderRules', () => {
  const ctx = { gatewayV4: '172.18.0.1', forwardedPorts: [8000], tag: 'sandboxes-policy-test' };
  it('default-deny in every chain, loopback and replies allowed, forwarded ports only from the gateway', () => {
    const { v4 } = renderRules({ blockNetwork: true, cidrAllowlist: [] }, ctx);
    assert.match(v4, /^\*filter\n:INPUT DROP \[0:0\]\n:FORWARD DROP \[0:0\]\n:OUTPUT DROP \[0:0\]/);
    assert.match(v4, /-A INPUT -s 172\.18\.0\.1 -p tcp -m tcp --dport 8000 -j ACCEPT/);
    assert.match(v4, /--comment "sandboxes-policy-test"/);
    assert.doesNotMatch(v4, /-A OUTPUT -j ACCEPT/);
    assert.doesNotMatch(v4, /\*nat/, 'never touches the nat table (Docker DNS)');
    assert.match(v4, /COMMIT\n$/);
  });
  it('allowlist: one accept per entry of the family; every packet is checked, not only new ones', () => {
    const { v4, v6 } = renderRules({ blockNetwork: false, cidrAllowlist: ['10.0.0.0/8', 'fd00::/8'] }, ctx);
    assert.match(v4, /-A OUTPUT -d 10\.0\.0\.0\/8 -j ACCEPT/);
    assert.doesNotMatch(v4, /fd00/);
    assert.match(v6, /-A OUTPUT -d fd00::\/8 -j ACCEPT/);
    assert.match(v6, /neighbour-solicitation/);
    assert.doesNotMatch(v4, /OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT/);
    assert.match(v4, /-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset/);
  });
  it('open: outbound accepted, inbound still limited', () => {
    const { v4 } = renderRules({ blockNetwork: false, cidrAllowlist: [] }, { ...ctx, forwardedPorts: [] });
    assert.match(v4, /-A OUTPUT -j ACCEPT/);
    assert.match(v4, /:INPUT DROP/);
    assert.deepEqual(denyAllRules('x').v4.includes('-A OUTPUT -j ACCEPT'), false);
  });
});

describe('runtime networking', () => {
  it('classifies runtimes by how packets leave the sandbox', () => {
    assert.equal(runtimeNetworking('runc', { path: 'runc' }), 'kernel');
    assert.equal(runtimeNetworking('runsc', { path: '/usr/bin/runsc', runtimeArgs: ['--network=host'] }), 'kernel');
    assert.equal(runtimeNetworking('runsc', { path: '/usr/bin/runsc', runtimeArgs: ['--network', 'none'] }), 'none');
    assert.equal(runtimeNetworking('runsc', { path: '/usr/bin/runsc' }), 'netstack');
    assert.equal(runtimeNetworking('my-gvisor', { path: '/opt/bin/runsc', runtimeArgs: ['--platform=kvm'] }), 'netstack');
  });
  it('refuses policies a runtime cannot enforce', () => {
    const blocked = { blockNetwork: true, cidrAllowlist: [] };
    const open = { blockNetwork: false, cidrAllowlist: [] };
    assert.throws(() => assertEnforceable('runsc', 'netstack', blocked), /netstack/);
    assert.doesNotThrow(() => assertEnforceable('runsc', 'netstack', open));
    assert.throws(() => assertEnforceable('runsc', 'none', open), /--network=none/);
    assert.doesNotThrow(() => assertEnforceable('runsc', 'none', blocked));
    assert.doesNotThrow(() => assertEnforceable('runc', 'kernel', blocked));
  });
});
