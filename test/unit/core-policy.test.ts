import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core';
import * as ipaddr from 'ipaddr.js';
import { NON_PUBLIC_V4, NON_PUBLIC_V6, RESOLVERS_PLACEHOLDER, denyAllRules, modeOf, openRefusals, parseCidr, renderRules, validatePolicy } from '../../src/core/network/policy';
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
    assert.throws(
      () => validatePolicy({ cidrAllowlist: ['10.0.0.1/8', 'nope', '192.0.2.0/24'] }),
      (error: unknown) => {
        assert.ok(error instanceof SandboxError && error.code === 'INVALID_POLICY');
        assert.match(error.message, /cidrAllowlist\[0\] "10\.0\.0\.1\/8"/);
        assert.match(error.message, /cidrAllowlist\[1\] "nope"/);
        assert.doesNotMatch(error.message, /192\.0\.2\.0\/24/);
        return true;
      },
    );
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
  it("open: public destinations accepted; the non-public ones and this machine's refused; inbound still limited", () => {
    const { v4, v6 } = renderRules(
      { blockNetwork: false, cidrAllowlist: [] },
      { ...ctx, forwardedPorts: [], ownAddresses: ['172.18.0.0/16', '192.0.2.2', '203.0.113.1', '2001:db8:5::1'] },
    );
    assert.doesNotMatch(v4, /-A OUTPUT -j ACCEPT/, 'open no longer accepts everything');
    assert.match(v4, /:INPUT DROP/);
    for (const cidr of [
      '0.0.0.0/8',
      '10.0.0.0/8',
      '100.64.0.0/10',
      '127.0.0.0/8',
      '169.254.0.0/16',
      '172.16.0.0/12',
      '192.0.0.0/24',
      '192.168.0.0/16',
      '198.18.0.0/15',
      '224.0.0.0/4',
      '240.0.0.0/4',
    ]) {
      assert.match(v4, new RegExp(`-A PUBLIC-OUT -d ${cidr.replace(/\./g, '\\.')} -j RETURN`), cidr);
      assert.match(v4, new RegExp(`-A PUBLIC-IN -s ${cidr.replace(/\./g, '\\.')} -j RETURN`), cidr);
    }
    assert.match(v4, /-A PUBLIC-OUT -m addrtype --dst-type BROADCAST -j RETURN/);
    for (const cidr of [
      '::/96',
      '::ffff:0:0/96',
      'fc00::/7',
      'fe80::/10',
      'fec0::/10',
      'ff00::/8',
      '64:ff9b::a00:0/104',
      '64:ff9b::a9fe:0/112',
      '2002:a00::/24',
      '2002:c0a8::/32',
    ]) {
      assert.ok(v6.includes(`-A PUBLIC-OUT -d ${cidr} -j RETURN`), cidr);
    }
    // This machine's public addresses too, but not the documentation ranges as such.
    assert.match(v4, /-A PUBLIC-OUT -d 192\.0\.2\.2\/32 -j RETURN/);
    assert.match(v4, /-A PUBLIC-OUT -d 203\.0\.113\.1\/32 -j RETURN/);
    assert.match(v6, /-A PUBLIC-OUT -d 2001:db8:5::1\/128 -j RETURN/);
    assert.doesNotMatch(v4, /172\.18\.0\.0\/16/, 'inside 172.16.0.0/12 already');
    assert.doesNotMatch(v4, /(192\.0\.2\.0|198\.51\.100\.0|203\.0\.113\.0)\/24/);
    assert.doesNotMatch(v6, /2001:db8::\/32/);
    // Order: the resolvers (guard-filled) before the refusals; refused traffic falls to the rejects.
    const lines = v4.split('\n');
    assert.ok(lines.indexOf(RESOLVERS_PLACEHOLDER) < lines.indexOf('-A INPUT -m conntrack --ctstate ESTABLISHED -j PUBLIC-IN'));
    assert.ok(lines.indexOf(RESOLVERS_PLACEHOLDER) < lines.indexOf('-A OUTPUT -j PUBLIC-OUT'));
    assert.ok(lines.indexOf('-A OUTPUT -j PUBLIC-OUT') < lines.indexOf('-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset'));
    assert.deepEqual(denyAllRules('x').v4.includes('PUBLIC-OUT'), false);
  });
  it('replies are accepted only from what the policy allows, not from anyone (tightening cuts UDP flows)', () => {
    for (const policy of [
      { blockNetwork: true, cidrAllowlist: [] },
      { blockNetwork: false, cidrAllowlist: ['192.0.2.7/32'] },
      { blockNetwork: false, cidrAllowlist: [] },
    ]) {
      const { v4, v6 } = renderRules(policy, ctx);
      for (const rules of [v4, v6]) assert.doesNotMatch(rules, /-A INPUT -m conntrack --ctstate ESTABLISHED(,RELATED)? -j ACCEPT/, JSON.stringify(policy));
    }
    assert.match(renderRules({ blockNetwork: false, cidrAllowlist: ['192.0.2.7/32'] }, ctx).v4, /-A INPUT -s 192\.0\.2\.7\/32 -m conntrack --ctstate ESTABLISHED -j ACCEPT/);
    assert.match(renderRules({ blockNetwork: true, cidrAllowlist: [] }, ctx).v4, /-A INPUT -p icmp -m conntrack --ctstate RELATED -j ACCEPT/, 'errors about own connections');
  });
  it("blocked: not even Docker's DNS (it names the other containers); other modes keep it", () => {
    const blocked = renderRules({ blockNetwork: true, cidrAllowlist: [] }, ctx).v4.split('\n');
    const reject = blocked.indexOf('-A OUTPUT -d 127.0.0.11/32 -j REJECT --reject-with icmp-port-unreachable');
    assert.ok(reject > 0 && reject < blocked.indexOf('-A OUTPUT -o lo -j ACCEPT'), 'before loopback is accepted');
    assert.ok(denyAllRules('x').v4.includes('127.0.0.11'), 'spares and restarted guards too');
    assert.doesNotMatch(renderRules({ blockNetwork: false, cidrAllowlist: [] }, ctx).v4, /127\.0\.0\.11/);
    assert.doesNotMatch(renderRules({ blockNetwork: false, cidrAllowlist: ['10.0.0.0/8'] }, ctx).v4, /127\.0\.0\.11/);
  });
});

describe('non-public ranges', () => {
  it('embed the IPv4 ranges into NAT64 and 6to4 prefixes exactly', () => {
    const within = (address: string, cidr: string) => {
      const [net, bits] = ipaddr.parseCIDR(cidr);
      return ipaddr.parse(address).match(net, bits);
    };
    assert.ok(NON_PUBLIC_V6.includes('64:ff9b::a9fe:0/112'));
    assert.ok(within('64:ff9b::169.254.169.254', '64:ff9b::a9fe:0/112'));
    assert.ok(!within('64:ff9b::8.8.8.8', '64:ff9b::a9fe:0/112'));
    assert.ok(NON_PUBLIC_V6.includes('2002:a9fe::/32'));
    assert.equal(NON_PUBLIC_V6.filter((c) => c.startsWith('64:ff9b::')).length, NON_PUBLIC_V4.length);
  });
  it("every range parses; documentation ranges are public for open mode (the tests' internet)", () => {
    for (const cidr of [...NON_PUBLIC_V4, ...NON_PUBLIC_V6]) assert.doesNotThrow(() => ipaddr.parseCIDR(cidr), cidr);
    const inside = (address: string) =>
      [...NON_PUBLIC_V4, ...NON_PUBLIC_V6].some((cidr) => {
        const [net, bits] = ipaddr.parseCIDR(cidr);
        const a = ipaddr.parse(address);
        return a.kind() === net.kind() && a.match(net, bits);
      });
    for (const address of ['192.0.2.7', '198.51.100.7', '203.0.113.7', '2001:db8::7', '8.8.8.8', '2606:4700::1111']) assert.equal(inside(address), false, address);
    for (const address of [
      '169.254.169.254',
      '10.1.2.3',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '127.0.0.2',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      'fd00::1',
      'fe80::1',
      'ff02::1',
      '::1',
      '::',
      '::ffff:10.0.0.1',
      '64:ff9b::10.0.0.1',
      'fec0::1',
    ])
      assert.equal(inside(address), true, address);
  });
  it("this machine's addresses are added once, and only outside the ranges", () => {
    assert.deepEqual(openRefusals(4, ['10.9.9.9', '192.0.2.2', '192.0.2.2/32', 'fd00::1', 'nonsense']).slice(NON_PUBLIC_V4.length), ['192.0.2.2/32']);
    assert.deepEqual(openRefusals(4, ['10.0.0.0/7']).slice(NON_PUBLIC_V4.length), ['10.0.0.0/7'], 'wider than a range: kept');
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
