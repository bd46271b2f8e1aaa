/**
 * Adversarial tests of the network policy, from inside real sandboxes, as root. Targets are
 * containers this file creates on a network it creates (dual stack); nothing else is contacted.
 * The whole suite runs for runsc (as registered by scripts/setup-host.sh) and for runc.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { SandboxError, type Sandbox } from '../../src/core';
import { NETWORK_NAME } from '../../src/core/network/guard';
import { cleanupAfterFile, client, docker, RUN_ID, runContainers, testSpec, TEST_IMAGE, until } from './helpers';
import { checkKey as key, guardIdOf, probe, type Check } from './netProbe';

cleanupAfterFile();

const TARGETS = fs.readFileSync(path.join(__dirname, 'fixtures/targets.py'), 'utf8');
const TEST_LABELS = { 'sandboxes.test': RUN_ID };
const TARGET_NETWORK = `sandboxes-test-targets-${RUN_ID}`;

interface Target {
  v4: string;
  v6?: string;
}
let targetNetwork: Docker.Network;
let allowed: Target;
let denied: Target;
let gateway: string;
const extra: Docker.Container[] = [];

async function startTarget(name: string, networkName: string): Promise<Target> {
  const container = await docker.createContainer({
    name: `sandboxes-test-${name}-${RUN_ID}`,
    Image: TEST_IMAGE,
    Cmd: ['python3', '-u', '-c', TARGETS, name],
    Labels: TEST_LABELS,
    HostConfig: { NetworkMode: networkName, Runtime: 'runc' },
  });
  extra.push(container);
  await container.start();
  await until(async () => String(await container.logs({ stdout: true, stderr: true } as never)).includes('ready'), 15_000, `${name} to listen`);
  const settings = (await container.inspect()).NetworkSettings.Networks[networkName];
  return { v4: settings.IPAddress, v6: settings.GlobalIPv6Address || undefined };
}

/** Puts the targets on-link for the sandbox (v4 and v6), so only the policy stands between them. */
async function wireToTargets(sandbox: Sandbox): Promise<void> {
  await targetNetwork.connect({ Container: await guardIdOf(sandbox) });
}

before(async () => {
  const subnet6 = `fd00:5b${(process.pid % 256).toString(16).padStart(2, '0')}:${(Date.now() % 65536).toString(16)}::/64`;
  targetNetwork = await docker
    .createNetwork({
      Name: TARGET_NETWORK,
      Driver: 'bridge',
      EnableIPv6: true,
      IPAM: { Config: [{ Subnet: subnet6 }] },
      Labels: TEST_LABELS,
    } as never)
    .catch(() =>
      // An engine without IPv6 support: IPv4 only (the IPv6 checks then say so and are skipped).
      docker.createNetwork({ Name: TARGET_NETWORK, Driver: 'bridge', Labels: TEST_LABELS }),
    );
  allowed = await startTarget('allowed', TARGET_NETWORK);
  denied = await startTarget('denied', TARGET_NETWORK);
  // Creating any sandbox makes the shared network; its gateway is this machine.
  const warm = await client().create(testSpec({ runtime: 'runc', command: ['true'] }));
  await warm.terminate();
  const info = await docker.getNetwork(NETWORK_NAME).inspect();
  gateway = info.IPAM?.Config?.find((c: { Gateway?: string }) => c.Gateway && !c.Gateway.includes(':'))?.Gateway ?? '';
  assert.ok(gateway, 'the sandboxes network has an IPv4 gateway');
});

after(async () => {
  for (const c of extra) await c.remove({ force: true }).catch(() => undefined);
  await targetNetwork?.remove().catch(() => undefined);
});

for (const runtime of ['runsc', 'runc']) {
  describe(`network policy enforced for ${runtime}`, () => {
    const engine = client();

    it('allowlist: allowed targets answer; nothing else is reachable by any protocol, family or path', async () => {
      const allowlist = [`${allowed.v4}/32`, ...(allowed.v6 ? [`${allowed.v6}/128`] : [])];
      const sandbox = await engine.create(testSpec({ runtime, cidrAllowlist: allowlist }));
      await wireToTargets(sandbox);
      // A server of this machine's on the sandbox network's gateway: reachable only if the policy leaks.
      const hostServer = net.createServer((socket) => socket.end('host says hi\n'));
      await new Promise<void>((resolve) => hostServer.listen(0, gateway, resolve));
      const hostPort = (hostServer.address() as net.AddressInfo).port;
      try {
        const good: Check[] = [
          ['tcp', allowed.v4, 8080],
          ['udp', allowed.v4, 9090],
          ['dns', allowed.v4, 53],
        ];
        const bad: Check[] = [
          ['tcp', denied.v4, 8080],
          ['udp', denied.v4, 9090],
          ['icmp', denied.v4, 0],
          ['dns', denied.v4, 53],
          ['tcp', gateway, hostPort],
          ['raw', denied.v4, 0],
        ];
        if (allowed.v6 && denied.v6) {
          good.push(['tcp', allowed.v6, 8080]);
          bad.push(['tcp', denied.v6, 8080], ['udp', denied.v6, 9090]);
        }
        const results = await probe(sandbox, [...good, ...bad, ['icmp', allowed.v4, 0]]);
        for (const check of good) assert.match(results[key(check)], /^ok:/, `${key(check)} should be reachable: ${results[key(check)]}`);
        assert.match(results[key(['tcp', allowed.v4, 8080])], /200 OK/);
        assert.equal(results[key(['dns', allowed.v4, 53])], 'ok:192.0.2.53', 'the allowlisted resolver answers');
        for (const check of bad) assert.match(results[key(check)], /^err:/, `${key(check)} must be blocked: ${results[key(check)]}`);
        // ICMP: either it works to the allowed target (so its failure to the denied one is the
        // policy), or ICMP sockets cannot be made in the sandbox at all.
        const icmpAllowed = results[key(['icmp', allowed.v4, 0])];
        assert.ok(/^ok:/.test(icmpAllowed) || /Permission|not permitted|Errno (1|13|93|94|97)\b/i.test(icmpAllowed), `ICMP probe: ${icmpAllowed}`);
        if (!allowed.v6) console.log('# IPv6 checks skipped: this Docker engine has no IPv6 networks');
      } finally {
        hostServer.close();
        await sandbox.terminate();
      }
    });

    it('blocked: only loopback works', async () => {
      const sandbox = await engine.create(testSpec({ runtime, blockNetwork: true, cidrAllowlist: [`${allowed.v4}/32`] }));
      await wireToTargets(sandbox);
      try {
        assert.equal((await sandbox.networkPolicy()).mode, 'blocked');
        const results = await probe(sandbox, [
          ['loopback', '127.0.0.1', 0],
          ['tcp', allowed.v4, 8080],
          ['udp', allowed.v4, 9090],
          ['dns', allowed.v4, 53],
          ['tcp', gateway, 1],
        ]);
        assert.equal(results['loopback 127.0.0.1 0'], 'ok:hi');
        for (const [label, value] of Object.entries(results)) if (!label.startsWith('loopback')) assert.match(value, /^err:/, `${label}: ${value}`);
        // Docker's resolver forwards from inside the namespace, so outside names do not resolve either.
        const lookup = await sandbox.run(['python3', '-c', 'import socket; print(socket.gethostbyname("example.test"))'], { timeoutSeconds: 4 });
        assert.notEqual(lookup.exitCode, 0);
      } finally {
        await sandbox.terminate();
      }
    });

    it('root inside cannot change or bypass the policy (iptables, routes, links, addresses)', async () => {
      const sandbox = await engine.create(testSpec({ runtime, cidrAllowlist: [`${allowed.v4}/32`] }));
      await wireToTargets(sandbox);
      try {
        const tamper = await sandbox.run([
          'sh',
          '-c',
          [
            'id -u',
            'iptables -F; echo "iptables -F: $?"',
            'iptables -P OUTPUT ACCEPT; echo "iptables -P: $?"',
            'ip route replace default dev eth1 2>&1; echo "ip route: $?"',
            'ip link set eth0 down 2>&1; echo "ip link: $?"',
            `ip addr add ${denied.v4.replace(/\.\d+$/, '.250')}/24 dev eth1 2>&1; echo "ip addr: $?"`,
          ].join('; '),
        ]);
        assert.match(tamper.stdout, /^0$/m, 'runs as root');
        for (const cmd of ['iptables -F', 'iptables -P', 'ip route', 'ip link', 'ip addr']) {
          assert.doesNotMatch(tamper.stdout, new RegExp(`${cmd.replace(/ /g, ' ')}: 0$`, 'm'), `${cmd} must fail: ${tamper.stdout}`);
        }
        const results = await probe(sandbox, [
          ['tcp', allowed.v4, 8080],
          ['tcp', denied.v4, 8080],
        ]);
        assert.match(results[`tcp ${allowed.v4} 8080`], /^ok:/);
        assert.match(results[`tcp ${denied.v4} 8080`], /^err:/, 'the policy still holds after the attempts');
      } finally {
        await sandbox.terminate();
      }
    });

    it('live: allowlist → blocked cuts an open connection; blocked → allowlist restores access', async () => {
      const sandbox = await engine.create(testSpec({ runtime, cidrAllowlist: [`${allowed.v4}/32`] }));
      await wireToTargets(sandbox);
      try {
        const holder = await sandbox.exec([
          'python3',
          '-u',
          '-c',
          [
            'import socket, sys',
            `s = socket.create_connection(("${allowed.v4}", 8080), timeout=3)`,
            'req = b"GET / HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n"',
            // Read the whole first response, so nothing of it is left to read after the cut.
            's.sendall(req); data = b""',
            'while b"hello from" not in data: data += s.recv(4096)',
            'print("first", data.split(b"\\r\\n")[0].decode(), flush=True)',
            'sys.stdin.readline()',
            'try:',
            '    s.sendall(req); data = s.recv(200); print("second", "ok" if data else "closed", flush=True)',
            'except Exception as e:',
            '    print("second", type(e).__name__, flush=True)',
          ].join('\n'),
        ]);
        let output = '';
        holder.stdout.on('data', (chunk) => (output += chunk));
        await until(async () => output.includes('first'), 10_000, 'the first response');
        assert.match(output, /first HTTP\/1\.1 200/);
        const applied = await sandbox.setNetworkPolicy({ blockNetwork: true });
        assert.equal(applied.mode, 'blocked');
        holder.stdin.end('go\n');
        await holder.wait();
        assert.match(output, /second (ConnectionResetError|BrokenPipeError|TimeoutError|timeout|closed)/, output);
        assert.match((await probe(sandbox, [['tcp', allowed.v4, 8080]]))[`tcp ${allowed.v4} 8080`], /^err:/);

        const restored = await sandbox.setNetworkPolicy({ cidrAllowlist: [`${allowed.v4}/32`] });
        assert.equal(restored.mode, 'allowlist');
        const results = await probe(sandbox, [
          ['tcp', allowed.v4, 8080],
          ['tcp', denied.v4, 8080],
        ]);
        assert.match(results[`tcp ${allowed.v4} 8080`], /^ok:/);
        assert.match(results[`tcp ${denied.v4} 8080`], /^err:/);
      } finally {
        await sandbox.terminate();
      }
    });

    it('a new client (an editor reload) finds the policy in force and can change it', async () => {
      const sandbox = await engine.create(testSpec({ runtime, cidrAllowlist: [`${allowed.v4}/32`], followsNetworkDefaults: true }));
      try {
        const again = await client().fromId(sandbox.id);
        const state = await again.networkPolicy();
        assert.deepEqual(
          { mode: state.mode, list: state.cidrAllowlist, follows: state.followsDefaults, enforced: state.enforced },
          { mode: 'allowlist', list: [`${allowed.v4}/32`], follows: true, enforced: true },
        );
        const opened = await again.setNetworkPolicy({});
        assert.equal(opened.mode, 'open');
        assert.equal(opened.followsDefaults, false, 'an explicit change stops following the defaults');
      } finally {
        await sandbox.terminate();
      }
    });
  });
}

describe('network policy input and fail-closed behaviour', () => {
  const engine = client();

  it('invalid CIDRs name every bad entry and start nothing', async () => {
    const before = await runContainers();
    await assert.rejects(engine.create(testSpec({ cidrAllowlist: ['10.0.0.1/8', 'not-an-ip', '2001:db8::/129', '192.0.2.7'] })), (error: SandboxError) => {
      assert.equal(error.code, 'INVALID_SPEC');
      assert.match(error.message, /"10\.0\.0\.1\/8" has host bits set; did you mean 10\.0\.0\.0\/8/);
      assert.match(error.message, /"not-an-ip"/);
      assert.match(error.message, /"2001:db8::\/129"/);
      assert.doesNotMatch(error.message, /192\.0\.2\.7/, 'a single address is valid');
      return true;
    });
    const afterwards = await runContainers();
    assert.equal(afterwards.length, before.length);
  });

  it('an invalid live change is refused and the policy in force stays', async () => {
    const sandbox = await engine.create(testSpec({ blockNetwork: true }));
    try {
      await assert.rejects(sandbox.setNetworkPolicy({ cidrAllowlist: ['300.1.1.1'] }), (e: SandboxError) => e.code === 'INVALID_POLICY' && /300\.1\.1\.1/.test(e.message));
      assert.equal((await sandbox.networkPolicy()).mode, 'blocked');
    } finally {
      await sandbox.terminate();
    }
  });

  it('a spare guard made ahead is claimed by the next create with the same tags, and enforces its policy', async () => {
    const tags = { spare: `t${process.pid}` };
    const first = await engine.create(testSpec({ tags }));
    const spareFilter = { label: ['sandboxes.spare=true', `sandboxes.tag.test-run=${RUN_ID}`, `sandboxes.tag.spare=${tags.spare}`] };
    const spare = await until(
      async () => (await docker.listContainers({ filters: spareFilter })).find((c) => c.Names[0].startsWith('/sandboxes-spare-')),
      15_000,
      'a spare guard',
    );
    const other = await engine.create(testSpec({ tags: { spare: 'different' }, blockNetwork: true }));
    assert.notEqual(other.id, spare.Labels['sandboxes.id'], 'a spare is only for the same tags');
    const second = await engine.create(testSpec({ tags, blockNetwork: true }));
    try {
      assert.equal(second.id, spare.Labels['sandboxes.id'], 'the claimed spare lends the sandbox its id');
      const inspect = await docker.getContainer(second.containerId).inspect();
      assert.equal(inspect.HostConfig.NetworkMode, `container:${spare.Id}`);
      assert.equal((await docker.getContainer(spare.Id).inspect()).Name, `/sandboxes-guard-${second.id}`, 'claimed: a neutral name, never the chosen one');
      assert.equal((await second.networkPolicy()).mode, 'blocked');
      const results = await probe(second, [
        ['loopback', '127.0.0.1', 0],
        ['tcp', allowed.v4, 8080],
      ]);
      assert.equal(results['loopback 127.0.0.1 0'], 'ok:hi');
      assert.match(results[`tcp ${allowed.v4} 8080`], /^err:/);
    } finally {
      for (const s of [first, other, second]) await s.terminate();
    }
    await assert.rejects(docker.getContainer(spare.Id).inspect(), (e: { statusCode?: number }) => e.statusCode === 404, 'terminate removes the claimed guard');
  });

  it('gVisor netstack mode refuses a policy it cannot enforce', async () => {
    await assert.rejects(
      engine.create(testSpec({ runtime: 'runsc-netstack', blockNetwork: true })),
      (e: SandboxError) => e.code === 'POLICY_UNSUPPORTED' && /netstack/.test(e.message) && /--network=host/.test(e.fix),
    );
  });

  it('gVisor with extra capabilities in the namespace still cannot touch the rules', async () => {
    const sandbox = await engine.create(testSpec({ cidrAllowlist: [`${allowed.v4}/32`] }));
    const guard = await guardIdOf(sandbox);
    await targetNetwork.connect({ Container: guard });
    const attacker = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sh', '-c', 'iptables -F; iptables -P OUTPUT ACCEPT; ip route add 0.0.0.0/1 dev eth1; echo done'],
      Labels: TEST_LABELS,
      HostConfig: { Runtime: 'runsc', NetworkMode: `container:${guard}`, CapAdd: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'] },
    });
    extra.push(attacker);
    try {
      await attacker.start();
      await attacker.wait();
      const results = await probe(sandbox, [
        ['tcp', allowed.v4, 8080],
        ['tcp', denied.v4, 8080],
      ]);
      assert.match(results[`tcp ${allowed.v4} 8080`], /^ok:/);
      assert.match(results[`tcp ${denied.v4} 8080`], /^err:/);
    } finally {
      await sandbox.terminate();
    }
  });

  it('open: private targets refused (public ones: attack-network.test.ts); another sandbox cannot connect in', async () => {
    const server = await engine.create(testSpec({ command: ['python3', '-m', 'http.server', '8000'] }));
    const other = await engine.create(testSpec());
    try {
      await wireToTargets(other);
      const serverIp = (await docker.getContainer(await guardIdOf(server)).inspect()).NetworkSettings.Networks[NETWORK_NAME].IPAddress;
      const results = await probe(other, [
        ['tcp', denied.v4, 8080],
        ['tcp', serverIp, 8000],
      ]);
      // The targets' network is one of Docker's private subnets: open means public addresses only.
      assert.match(results[`tcp ${denied.v4} 8080`], /^err:/, 'open mode does not reach private addresses');
      assert.match(results[`tcp ${serverIp} 8000`], /^err:/, 'inbound is limited to forwarded ports');
      assert.equal((await server.networkPolicy()).mode, 'open');
    } finally {
      await other.terminate();
      await server.terminate();
    }
  });
});
