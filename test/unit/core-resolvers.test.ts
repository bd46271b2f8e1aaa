import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { EXPAND_RESOLVERS, RECORD_RESOLVERS } from '../../src/core/network/guard';
import { RESOLVERS_PLACEHOLDER, renderRules } from '../../src/core/network/policy';
import { localUpstreamResolvers, upstreamResolvers, validResolvers } from '../../src/core/network/resolvers';

describe("upstream resolvers (what Docker's embedded DNS forwards to)", () => {
  it('reads resolv.conf like dockerd: nameservers, loopback dropped', () => {
    assert.deepEqual(upstreamResolvers({ resolvConf: '# comment\nnameserver 10.255.255.53\nnameserver 127.0.0.1\nnameserver fd00::53\nsearch example\n' }), [
      '10.255.255.53',
      'fd00::53',
    ]);
  });
  it('systemd-resolved: the stub (127.0.0.53) is replaced by the real upstreams', () => {
    assert.deepEqual(upstreamResolvers({ resolvConf: 'nameserver 127.0.0.53\noptions edns0\n', systemdResolvConf: 'nameserver 192.168.1.1\n' }), ['192.168.1.1']);
  });
  it('the daemon\'s own "dns" setting wins; garbage is ignored', () => {
    assert.deepEqual(upstreamResolvers({ daemonJson: '{"dns": ["10.0.0.2", "bogus", 5]}', resolvConf: 'nameserver 10.255.255.53\n' }), ['10.0.0.2']);
    assert.deepEqual(upstreamResolvers({ daemonJson: '{not json', resolvConf: 'nameserver 10.255.255.53\n' }), ['10.255.255.53']);
    assert.deepEqual(upstreamResolvers({}), []);
  });
  it('only plain addresses pass (they end up in firewall rules)', () => {
    assert.deepEqual(validResolvers(['10.0.0.2', ' 10.0.0.2 ', '010.0.0.1', '10.1', 'fe80::1%eth0', '::ffff:1.2.3.4', 'host(127.0.0.53)', '; rm -rf /', 'FD00::53']), [
      '10.0.0.2',
      'fd00::53',
    ]);
  });
  it("reads this machine's files through the given reader", () => {
    const files: Record<string, string> = { '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/run/systemd/resolve/resolv.conf': 'nameserver 172.16.0.2\n' };
    assert.deepEqual(
      localUpstreamResolvers((f) => files[f]),
      ['172.16.0.2'],
    );
  });
});

describe("the guard's shell: recording resolvers at first start, expanding them into rules", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-resolvers-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sh = (script: string, env: Record<string, string>) =>
    execFileSync('/bin/sh', ['-c', `set -e\n${script}`], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });

  it("records the engine's list, Docker's ExtServers note and other nameservers, once", () => {
    const resolvConf = path.join(dir, 'resolv.conf');
    const resolvers = path.join(dir, 'resolvers');
    fs.writeFileSync(resolvConf, 'nameserver 127.0.0.11\n# ExtServers: [10.0.0.2 host(127.0.0.53)]\nnameserver fd00::53\noptions ndots:0\n');
    sh(RECORD_RESOLVERS, { RESOLVERS: resolvers, RESOLV_CONF: resolvConf, HOST_RESOLVERS: '10.255.255.53' });
    assert.deepEqual(fs.readFileSync(resolvers, 'utf8').split('\n').filter(Boolean), ['10.255.255.53', '10.0.0.2', 'host(127.0.0.53)', 'fd00::53']);
    // A later start (or a sandbox that rewrote the shared resolv.conf) changes nothing.
    fs.writeFileSync(resolvConf, 'nameserver 127.0.0.11\n# ExtServers: [10.6.6.6]\n');
    sh(RECORD_RESOLVERS, { RESOLVERS: resolvers, RESOLV_CONF: resolvConf, HOST_RESOLVERS: '' });
    assert.doesNotMatch(fs.readFileSync(resolvers, 'utf8'), /10\.6\.6\.6/);
  });

  it('expands the placeholder into port-53 accepts per family; skips what is not an address', () => {
    const resolvers = path.join(dir, 'resolvers-expand');
    fs.writeFileSync(resolvers, '10.255.255.53\nhost(127.0.0.53)\n-j ACCEPT\nfd00::53\n\n');
    const { v4, v6 } = renderRules({ blockNetwork: false, cidrAllowlist: [] }, { forwardedPorts: [], tag: 't' });
    const out4 = sh(`${EXPAND_RESOLVERS}\nexpand 4 "$RULES"`, { RESOLVERS: resolvers, RULES: v4 });
    const out6 = sh(`${EXPAND_RESOLVERS}\nexpand 6 "$RULES"`, { RESOLVERS: resolvers, RULES: v6 });
    assert.ok(!out4.includes(RESOLVERS_PLACEHOLDER));
    const added4 = out4.split('\n').filter((l) => l.includes('10.255.255.53'));
    assert.deepEqual(added4, [
      '-A OUTPUT -d 10.255.255.53 -p udp -m udp --dport 53 -j ACCEPT',
      '-A INPUT -s 10.255.255.53 -p udp -m udp --sport 53 -m conntrack --ctstate ESTABLISHED -j ACCEPT',
      '-A OUTPUT -d 10.255.255.53 -p tcp -m tcp --dport 53 -j ACCEPT',
      '-A INPUT -s 10.255.255.53 -p tcp -m tcp --sport 53 -m conntrack --ctstate ESTABLISHED -j ACCEPT',
    ]);
    assert.ok(!out4.includes('fd00::53') && !out4.includes('host('));
    assert.equal(out6.split('\n').filter((l) => l.includes('fd00::53')).length, 4);
    // Everything else is unchanged, in order.
    assert.equal(
      out4
        .split('\n')
        .filter((l) => !l.includes('10.255.255.53'))
        .join('\n')
        .trimEnd(),
      v4.replace(`${RESOLVERS_PLACEHOLDER}\n`, '').trimEnd(),
    );
  });

  it('no record (a guard from an older version): the placeholder just goes, no DNS rules', () => {
    const { v4 } = renderRules({ blockNetwork: false, cidrAllowlist: [] }, { forwardedPorts: [], tag: 't' });
    const out = sh(`${EXPAND_RESOLVERS}\nexpand 4 "$RULES"`, { RESOLVERS: path.join(dir, 'missing'), RULES: v4 });
    assert.equal(out.trimEnd(), v4.replace(`${RESOLVERS_PLACEHOLDER}\n`, '').trimEnd());
  });
});
