/** Domain allowlists in the network policy (issue #12): validation with the CIDRs, the mode, the rendered rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewayPorts, modeOf, renderGatewayNat, renderRules, validatePolicy } from '../../src/core/network/policy';
import { isSandboxError } from '../../src/core/errors';
import { validateSpec } from '../../src/core/spec';

const ctx = { forwardedPorts: [], tag: 'sandboxes-policy-t1', gateway: { v4: '172.18.0.9' } };

describe('validatePolicy with a domain allowlist', () => {
  it('normalises and de-duplicates names; a non-empty list is allowlist mode', () => {
    const policy = validatePolicy({ domainAllowlist: ['Example.ORG', 'example.org', ' *.Example.com ', 'bücher.example:8443'] });
    assert.deepEqual(policy.domainAllowlist, ['example.org', '*.example.com', 'xn--bcher-kva.example:8443']);
    assert.equal(modeOf(policy), 'allowlist');
    assert.equal(modeOf({ blockNetwork: true, cidrAllowlist: [], domainAllowlist: ['example.org'] }), 'blocked');
  });
  it('one error names bad CIDRs and bad names together, and applies nothing', () => {
    assert.throws(
      () => validatePolicy({ cidrAllowlist: ['10.0.0.1/8'], domainAllowlist: ['https://example.org/simple', 'ok.test', '192.0.2.7'] }),
      (error: unknown) => {
        assert.ok(isSandboxError(error, 'INVALID_POLICY'));
        assert.match(error.message, /cidrAllowlist\[0\] "10\.0\.0\.1\/8" has host bits set/);
        assert.match(error.message, /domainAllowlist\[0\] "https:\/\/example\.org\/simple" is a URL; did you mean example\.org\?/);
        assert.match(error.message, /domainAllowlist\[2\] "192\.0\.2\.7" is an IP address/);
        assert.doesNotMatch(error.message, /ok\.test/);
        return true;
      },
    );
  });
  it("refuses name:port on the gateway's own ports", () => {
    assert.throws(() => validatePolicy({ domainAllowlist: ['a.test:15443'] }), /keeps for itself/);
  });
  it('the spec keeps and checks domainAllowlist', () => {
    assert.deepEqual(validateSpec({ image: 'x', domainAllowlist: ['example.org'] }).domainAllowlist, ['example.org']);
    assert.throws(() => validateSpec({ image: 'x', domainAllowlist: ['example.org/simple'] }), /did you mean example\.org/);
  });
  it('gateway ports: 80, 443 and every name:port', () => {
    assert.deepEqual(gatewayPorts({ blockNetwork: false, cidrAllowlist: [], domainAllowlist: ['a.test', 'b.test:8443'] }), [80, 443, 8443]);
  });
});

describe('rules for a domain allowlist', () => {
  const policy = validatePolicy({ cidrAllowlist: ['198.51.100.0/24'], domainAllowlist: ['example.org', 'git.test:8443'] });
  it('filter: the sandbox reaches only the gateway (its ports) and the CIDR list; replies matched by the gateway in the reply direction', () => {
    const { v4, v6 } = renderRules(policy, ctx);
    assert.match(v4, /-A OUTPUT -d 172\.18\.0\.9 -p udp -m udp --dport 15053 -j ACCEPT/);
    assert.match(v4, /-A OUTPUT -d 172\.18\.0\.9 -p tcp -m multiport --dports 15053,15080,15443,8443 -j ACCEPT/);
    assert.match(v4, /--ctreplsrc 172\.18\.0\.9 -j ACCEPT/);
    assert.match(v4, /-A OUTPUT -d 198\.51\.100\.0\/24 -j ACCEPT/);
    assert.doesNotMatch(v6, /172\.18/, 'no IPv6 gateway: IPv6 reaches nothing');
  });
  it("nat: only our chains, never a flush of Docker's; CIDR entries RETURN before the DNATs; DNS from any address to the gateway", () => {
    const { v4 } = renderGatewayNat(policy, ctx);
    assert.match(v4, /^\*nat\n:SANDBOXES_GW - \[0:0\]\n:SANDBOXES_GW_POST - \[0:0\]\n/);
    assert.doesNotMatch(v4, /^:(OUTPUT|PREROUTING|POSTROUTING|DOCKER)/m, 'no built-in or Docker chain is declared (that would flush it)');
    const lines = v4.split('\n');
    assert.ok(lines.findIndex((l) => l.includes('198.51.100.0/24 -j RETURN')) < lines.findIndex((l) => l.includes('DNAT')));
    assert.match(v4, /-p udp -m udp --dport 53 -j DNAT --to-destination 172\.18\.0\.9:15053/);
    assert.match(v4, /--dport 443 -j DNAT --to-destination 172\.18\.0\.9:15443/);
    assert.match(v4, /--dport 8443 -j DNAT --to-destination 172\.18\.0\.9:8443/);
    assert.match(v4, /-A SANDBOXES_GW_POST -d 172\.18\.0\.9 -j MASQUERADE/);
    assert.match(v4, /--comment "sandboxes-policy-t1"/, 'the tag proves the chain is live');
  });
  it('without a domain list, or blocked, the chains are empty (but tagged)', () => {
    for (const p of [validatePolicy({ cidrAllowlist: ['198.51.100.0/24'] }), validatePolicy({ blockNetwork: true, domainAllowlist: ['example.org'] })]) {
      const { v4 } = renderGatewayNat(p, ctx);
      assert.doesNotMatch(v4, /DNAT|MASQUERADE/);
      assert.match(v4, /sandboxes-policy-t1/);
    }
  });
});

describe("Docker's DNS in domain mode", () => {
  it('is refused (the sandbox resolves through the gateway, named in its resolv.conf)', () => {
    const { v4 } = renderRules(validatePolicy({ domainAllowlist: ['example.org'] }), ctx);
    assert.match(v4, /-A OUTPUT -d 127\.0\.0\.11\/32 -j REJECT/);
    const cidrOnly = renderRules(validatePolicy({ cidrAllowlist: ['198.51.100.0/24'] }), ctx).v4;
    assert.doesNotMatch(cidrOnly, /127\.0\.0\.11/, 'CIDR allowlist mode keeps Docker DNS as before');
  });
});
