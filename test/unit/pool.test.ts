import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { applyClaims, unclaimedPoolMembers } from '../../src/core/pool/claims';
import { canonical, poolKey } from '../../src/core/pool/poolKey';
import { orphanedPoolMembers } from '../../src/core/pool/poolOrphans';
import { commandLine, servable } from '../../src/core/pool/readyExec';
import { READ_POLICY, policyLine } from '../../src/core/pool/readyPolicy';
import { policyEnv, type NetworkInfo } from '../../src/core/network/guard';
import type { SandboxSpec } from '../../src/core';

const base: SandboxSpec = { image: 'img:1', env: { A: '1', B: '2' }, memoryMiB: 512, pidsLimit: 64, tags: { t: 'x' } };

describe('poolKey', () => {
  it('ignores what a claim sets: name, lifetimes, network policy, ports', () => {
    const key = poolKey(base, 'runsc', ['192.0.2.53']);
    assert.ok(key);
    assert.equal(
      poolKey(
        {
          ...base,
          name: 'n',
          timeoutSeconds: 5,
          idleTimeoutSeconds: 9,
          blockNetwork: true,
          cidrAllowlist: ['192.0.2.0/24'],
          followsNetworkDefaults: true,
          encryptedPorts: [1],
          unencryptedPorts: [2],
          h2Ports: [3],
        },
        'runsc',
        ['192.0.2.53'],
      ),
      key,
    );
  });
  it('differs for what a running container fixes', () => {
    const key = poolKey(base, 'runsc', []);
    for (const other of [
      { image: 'img:2' },
      { env: { A: '1' } },
      { memoryMiB: 1024 },
      { pidsLimit: 65 },
      { cpu: 1 },
      { workdir: '/w' },
      { command: ['sleep', '9'] },
      { tags: { t: 'y' } },
      { mounts: [{ source: '/s', mode: 'readonly' as const }] },
    ]) {
      assert.notEqual(poolKey({ ...base, ...other }, 'runsc', []), key, JSON.stringify(other));
    }
    assert.notEqual(poolKey(base, 'runc', []), key, 'runtime');
    assert.notEqual(poolKey(base, 'runsc', ['192.0.2.53']), key, 'recorded resolvers');
  });
  it('does not depend on the order of object keys', () => {
    assert.equal(poolKey({ ...base, env: { B: '2', A: '1' } }, 'runsc', []), poolKey(base, 'runsc', []));
    assert.equal(canonical({ b: 1, a: [{ d: 1, c: undefined }] }), '{"a":[{"d":1}],"b":1}');
  });
  it('leaves copy-mode mounts out (they are copied in at claim); bind mounts stay in', () => {
    assert.equal(poolKey({ ...base, mounts: [{ source: '/s', mode: 'copy' }] }, 'runsc', []), poolKey(base, 'runsc', []));
    assert.equal(
      poolKey(
        {
          ...base,
          mounts: [
            { source: '/s', mode: 'copy' },
            { source: '/b', mode: 'readonly' },
          ],
        },
        'runsc',
        [],
      ),
      poolKey({ ...base, mounts: [{ source: '/b', mode: 'readonly' }] }, 'runsc', []),
    );
  });
});

function container(id: string, labels: Record<string, string>, state = 'running'): Docker.ContainerInfo {
  return {
    Id: `c-${id}-${labels['sandboxes.role'] ?? 'x'}`,
    Names: [`/${id}`],
    Labels: { 'sandboxes.managed': 'true', ...labels },
    State: state,
    Created: 0,
  } as unknown as Docker.ContainerInfo;
}

describe('applyClaims', () => {
  const plain = container('plain', { 'sandboxes.id': 'sb-plain', 'sandboxes.role': 'sandbox', 'sandboxes.name': 'plain' });
  const member = container('m', { 'sandboxes.id': 'sb-m', 'sandboxes.role': 'sandbox', 'sandboxes.pool': 'true', 'sandboxes.pool-owner': 'o#1' });
  const claimed = container('c', { 'sandboxes.id': 'sb-c', 'sandboxes.role': 'sandbox', 'sandboxes.pool': 'true', 'sandboxes.pool-owner': 'o#1' });
  const claim = container(
    'claim-c',
    {
      'sandboxes.id': 'sb-c',
      'sandboxes.role': 'claim',
      'sandboxes.name': 'mine',
      'sandboxes.expires-at': '2030-01-01T00:00:00.000Z',
      'sandboxes.network-mode': 'allowlist',
      'sandboxes.tag.evil': 'no',
    },
    'created',
  );
  const guard = container('g', { 'sandboxes.id': 'sb-m', 'sandboxes.role': 'guard', 'sandboxes.pool': 'true' });

  it("drops unclaimed members, merges a claim's name, lifetime and mode into its sandbox, keeps the rest", () => {
    const out = applyClaims([plain, member, claimed, claim, guard]);
    assert.deepEqual(
      out.map((c) => c.Id),
      [plain.Id, claimed.Id, claim.Id, guard.Id],
    );
    const merged = out[1].Labels;
    assert.equal(merged['sandboxes.name'], 'mine');
    assert.equal(merged['sandboxes.expires-at'], '2030-01-01T00:00:00.000Z');
    assert.equal(merged['sandboxes.network-mode'], 'allowlist');
    assert.equal(merged['sandboxes.tag.evil'], undefined, "tags stay the sandbox's own");
  });
  it('a member being retired by its pool stays hidden', () => {
    const retiring = container('claim-m', { 'sandboxes.id': 'sb-m', 'sandboxes.role': 'claim', 'sandboxes.pool': 'retiring' }, 'created');
    assert.deepEqual(
      applyClaims([member, retiring]).map((c) => c.Id),
      [retiring.Id],
    );
    assert.deepEqual(unclaimedPoolMembers([member, retiring]), []);
  });
  it('orphaned members: unclaimed ones whose owner process is gone', () => {
    const status = (label: string | undefined) => (label === 'dead' ? 'gone' : 'alive') as 'gone' | 'alive';
    const dead = container('d', { 'sandboxes.id': 'sb-d', 'sandboxes.role': 'sandbox', 'sandboxes.pool': 'true', 'sandboxes.pool-owner': 'dead#2' });
    const deadClaimed = container('dc', { 'sandboxes.id': 'sb-dc', 'sandboxes.role': 'sandbox', 'sandboxes.pool': 'true', 'sandboxes.pool-owner': 'dead#2' });
    const itsClaim = container('claim-dc', { 'sandboxes.id': 'sb-dc', 'sandboxes.role': 'claim' }, 'created');
    assert.deepEqual(orphanedPoolMembers([member, dead, deadClaimed, itsClaim], status), ['sb-d']);
  });
  it('orphaned members: one its dead owner was retiring (seen left for an hour after a window reload); not one a live owner is retiring', () => {
    const status = (label: string | undefined) => (label === 'dead' ? 'gone' : 'alive') as 'gone' | 'alive';
    const deadRetiring = container('dr', { 'sandboxes.id': 'sb-dr', 'sandboxes.role': 'sandbox', 'sandboxes.pool': 'true', 'sandboxes.pool-owner': 'dead#2' });
    const deadRetiringClaim = container(
      'claim-dr',
      { 'sandboxes.id': 'sb-dr', 'sandboxes.role': 'claim', 'sandboxes.pool': 'retiring', 'sandboxes.pool-owner': 'dead#2' },
      'created',
    );
    const liveRetiring = container('lr', { 'sandboxes.id': 'sb-lr', 'sandboxes.role': 'sandbox', 'sandboxes.pool': 'true', 'sandboxes.pool-owner': 'alive#1' });
    const liveRetiringClaim = container(
      'claim-lr',
      { 'sandboxes.id': 'sb-lr', 'sandboxes.role': 'claim', 'sandboxes.pool': 'retiring', 'sandboxes.pool-owner': 'alive#1' },
      'created',
    );
    assert.deepEqual(orphanedPoolMembers([deadRetiring, deadRetiringClaim, liveRetiring, liveRetiringClaim], status), ['sb-dr']);
  });
});

describe('ready exec command line', () => {
  it('sh turns the line back into exactly the argv (quotes, spaces, $, backslashes, globs)', () => {
    const argv = ['printf', '%s|', "it's", 'a b', '$HOME', '`id`', '\\n', '*', '', '"q"', ';exit 3'];
    const line = commandLine(argv);
    assert.ok(line);
    const out = execFileSync('/bin/sh', ['-c', `eval "set -- ${'$'}LINE"; for a in "$@"; do printf '%s\\0' "$a"; done`], {
      env: { LINE: line, PATH: process.env.PATH },
      encoding: 'utf8',
    });
    assert.deepEqual(out.split('\0').slice(0, -1), argv);
  });
  it('refuses what one line cannot carry, and execs with settings of their own', () => {
    assert.equal(commandLine(['echo', 'a\nb']), null);
    assert.equal(commandLine([]), null);
    assert.equal(servable({}), true);
    assert.equal(servable({ timeoutSeconds: 3 }), true);
    for (const options of [{ pty: true }, { env: { A: '1' } }, { workdir: '/' }, { user: 'nobody' }]) assert.equal(servable(options), false);
  });
});

describe('ready policy line', () => {
  const env = { RULES_V4: '*filter\n-A OUTPUT -j DROP\nCOMMIT\n', RULES_V6: '', TAG: 'sandboxes-policy-abc', STATE: '{"cidrAllowlist":["198.51.100.7/32"],"x":"a b\'c"}' };
  const run = (input: string) => {
    try {
      return {
        code: 0,
        out: execFileSync('/bin/sh', ['-c', `${READ_POLICY}\nprintf '%s|' "$RULES_V4" "$RULES_V6" "$TAG" "$STATE"`], {
          input,
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      };
    } catch (error) {
      return { code: (error as { status: number }).status, out: '' };
    }
  };
  it("the guard's shell reads back exactly the rules, tag and state", () => {
    assert.deepEqual(run(policyLine(env)), { code: 0, out: `${env.RULES_V4}||${env.TAG}|${env.STATE}|` });
  });
  it("carries every variable the apply script reads, so the guard container's own (from its creation, stale) never stand in", () => {
    const network = { name: 'n', gatewayV4: '172.30.0.1', subnetV4: '172.30.0.0/16' } as unknown as NetworkInfo;
    const { env: full } = policyEnv({ blockNetwork: false, cidrAllowlist: ['198.51.100.7/32'], followsDefaults: false, forwards: [] }, network);
    const names = Object.keys(full);
    assert.ok(names.includes('NAT_V4') && names.includes('DNS_GATEWAY'), `the apply script's variables: ${names.join(', ')}`);
    // A pooled guard was created with the blocked policy's variables in its environment; a
    // waiting shell (an exec) inherits them. Here they are all "stale".
    const stale = Object.fromEntries(names.map((n) => [n, 'stale']));
    const out = execFileSync('/bin/sh', ['-c', `${READ_POLICY}\n${names.map((n) => `printf '%s\\0' "$${n}"`).join('\n')}`], {
      input: policyLine(full),
      env: { PATH: process.env.PATH, ...stale },
      encoding: 'utf8',
    });
    assert.deepEqual(
      Object.fromEntries(
        out
          .split('\0')
          .slice(0, -1)
          .map((v, i) => [names[i], v]),
      ),
      Object.fromEntries(names.map((n) => [n, full[n]])),
    );
  });
  it('applies nothing from a line that was cut off', () => {
    const line = policyLine(env);
    for (const cut of [line.slice(0, 10), line.slice(0, -1), line.slice(0, -5)]) assert.equal(run(cut).out, '', `nothing exported from ${JSON.stringify(cut)}`);
  });
});
