/**
 * Adversarial tests for the network findings of the security review (issue #10), from inside
 * real sandboxes as root, for runsc and runc, checked from the host side too.
 *
 * Every destination is loopback, a server this file runs on this machine's own bridge
 * addresses, or a container this file creates on a network it creates: a "public" network in a
 * documentation range (203.0.113.0/24 and 2001:db8::/32, which open mode deliberately does not
 * refuse: they stand in for the internet), a private one (10.x, fd00::/8) and a link-local one
 * (169.254.x). Each target is checked from the host side before a sandbox sends to it.
 *
 * Open sandboxes here come from a client with `dnsServers: []`: Docker's embedded DNS forwards
 * names it does not know to the host's resolver from inside the sandbox's namespace, and these
 * tests must not send a lookup off this machine. Without resolvers, open mode refuses port 53 to
 * them like any private address, so such a lookup is refused inside the namespace instead.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { connect, type Sandbox, type SandboxClient } from '../../src/core';
import { ensureNetwork, NETWORK_NAME } from '../../src/core/network/guard';
import { cleanupAfterFile, client, docker, RUN_ID, testSpec, TEST_IMAGE, until } from './helpers';
import { checkKey as key, guardIdOf, probe, type Check } from './netProbe';

cleanupAfterFile();

const TARGET = fs.readFileSync(path.join(__dirname, 'fixtures/attack-target.py'), 'utf8');
const LABELS = { 'sandboxes.test': RUN_ID };

interface Target {
  name: string;
  container: Docker.Container;
  v4: string;
  v6?: string;
}
interface OwnNetwork {
  name: string;
  network: Docker.Network;
  v6: boolean;
}

const containers: Docker.Container[] = [];
const networks: Docker.Network[] = [];
const ownClients: SandboxClient[] = [];
let publicNet: OwnNetwork;
let privateNet: OwnNetwork;
let linkLocalNet: OwnNetwork;
let publicTarget: Target;
let privateTarget: Target;
let linkLocalTarget: Target;
let bridgeTarget: Target;
let gateway: string;
let docker0: string | undefined;
const PUBLIC_ALIAS = `public-target-${RUN_ID}`;

/** A client whose open sandboxes may not reach any upstream resolver (see the file comment). */
function noUpstreamDns(): SandboxClient {
  const created = connect({ dnsServers: [] });
  ownClients.push(created);
  return created;
}

/** A bridge network of ours on a random subnet of `pick`; another subnet when one is taken. */
async function ownNetwork(purpose: string, pick: () => { v4: string; v6?: string }): Promise<OwnNetwork> {
  const name = `sandboxes-test-${purpose}-${RUN_ID}`;
  let lastError: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    const { v4, v6 } = pick();
    for (const six of v6 ? [v6, undefined] : [undefined]) {
      try {
        const network = await docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          EnableIPv6: Boolean(six),
          IPAM: { Config: [{ Subnet: v4 }, ...(six ? [{ Subnet: six }] : [])] },
          Labels: LABELS,
        } as never);
        networks.push(network);
        return { name, network, v6: Boolean(six) };
      } catch (error) {
        lastError = error;
        if (/overlap|in use/i.test(String((error as Error).message))) break; // try another subnet
      }
    }
  }
  throw lastError;
}

async function startTarget(name: string, networkName: string, aliases: string[] = []): Promise<Target> {
  const container = await docker.createContainer({
    name: `sandboxes-test-${name}-${RUN_ID}`,
    Image: TEST_IMAGE,
    Cmd: ['python3', '-u', '-c', TARGET, name],
    Labels: LABELS,
    HostConfig: { NetworkMode: networkName, Runtime: 'runc' },
    NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: aliases } } },
  });
  containers.push(container);
  await container.start();
  await until(async () => (await logs(container)).includes('ready'), 15_000, `${name} to listen`);
  const settings = (await container.inspect()).NetworkSettings.Networks[networkName];
  const target = { name, container, v4: settings.IPAddress, v6: settings.GlobalIPv6Address || undefined };
  // The target exists and answers, seen from this machine, before any sandbox sends to it.
  assert.match(await hostFetch(target.v4), /hello from/, `${name} answers from the host side`);
  return target;
}

async function logs(container: Docker.Container): Promise<string> {
  return String(await container.logs({ stdout: true, stderr: true } as never));
}

function hostFetch(host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: 8080, timeout: 3000 }, () => socket.end('GET / HTTP/1.0\r\n\r\n'));
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('close', () => resolve(data));
    socket.on('timeout', () => socket.destroy());
    socket.on('error', (error) => resolve(`error: ${error.message}`));
  });
}

/** A TCP and a UDP server of this machine's on `address`; `contacts` lists who reached them. */
async function hostServers(address: string): Promise<{ tcp: number; udp: number; contacts: string[]; close(): void }> {
  const contacts: string[] = [];
  const tcp = net.createServer((socket) => {
    contacts.push(`tcp ${socket.remoteAddress}`);
    socket.end('host says hi\n');
  });
  await new Promise<void>((resolve) => tcp.listen(0, address, resolve));
  const udp = dgram.createSocket('udp4');
  udp.on('message', (message, from) => {
    contacts.push(`udp ${from.address}`);
    udp.send(Buffer.concat([Buffer.from('echo:'), message]), from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  return { tcp: (tcp.address() as net.AddressInfo).port, udp: udp.address().port, contacts, close: () => (tcp.close(), udp.close()) };
}

async function guardOf(sandbox: Sandbox): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(await guardIdOf(sandbox)).inspect();
}

/** Puts the sandbox on-link with our targets, so only the policy stands between them. */
async function wire(sandbox: Sandbox, ...nets: OwnNetwork[]): Promise<string[]> {
  const guard = await guardOf(sandbox);
  for (const n of nets) await n.network.connect({ Container: guard.Id });
  const inspect = await docker.getContainer(guard.Id).inspect();
  return Object.values(inspect.NetworkSettings.Networks).flatMap((s) => [s.IPAddress, s.GlobalIPv6Address].filter(Boolean));
}

/** Looks names up (A records, and PTR for addresses) inside the sandbox: name -> "ok:…" / "err:…". */
async function lookups(sandbox: Sandbox, names: string[]): Promise<Record<string, string>> {
  // In parallel: a name Docker's DNS does not know takes the resolver's full timeout to fail.
  const script = [
    'import json, socket, sys',
    'from concurrent.futures import ThreadPoolExecutor',
    'def look(n):',
    '    try:',
    '        return "ok:" + (socket.gethostbyaddr(n)[0] if n[0].isdigit() else socket.gethostbyname(n))',
    '    except Exception as e:',
    '        return "err:" + type(e).__name__',
    'names = json.loads(sys.argv[1])',
    'with ThreadPoolExecutor(len(names)) as pool:',
    '    print(json.dumps(dict(zip(names, pool.map(look, names)))))',
  ].join('\n');
  const result = await sandbox.run(['python3', '-c', script, JSON.stringify(names)], { timeoutSeconds: 30 });
  assert.equal(result.exitCode, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Where each target's log ends now: later contacts are this test's (addresses get reused). */
async function logMarks(): Promise<Map<Target, number>> {
  const targets = [publicTarget, privateTarget, linkLocalTarget, bridgeTarget];
  return new Map(await Promise.all(targets.map(async (t) => [t, (await logs(t.container)).length] as [Target, number])));
}

/** "seen …" lines of a target since `marks` that name one of the sandbox's addresses. */
async function seenFrom(target: Target, addresses: string[], marks: Map<Target, number>): Promise<string[]> {
  // Docker's log stream has a binary header before each line: match the words, not line starts.
  const text = (await logs(target.container)).slice(marks.get(target) ?? 0);
  return [...text.matchAll(/seen (tcp|udp) ([0-9a-f.:]+)/g)].filter((m) => addresses.includes(m[2])).map((m) => m[0]);
}

before(async () => {
  const sandboxes = await ensureNetwork(docker);
  gateway = sandboxes.gatewayV4 ?? '';
  assert.ok(gateway, 'the sandboxes network has an IPv4 gateway');
  // docker0, the default bridge: its address is this machine's too (read from the interface,
  // since Docker does not always list the default bridge's gateway).
  const bridge = await docker
    .getNetwork('bridge')
    .inspect()
    .catch(() => undefined);
  // (Not os.networkInterfaces(): it leaves out interfaces without carrier, as docker0 often is.)
  const ifname = bridge?.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  try {
    const [link] = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', ifname], { encoding: 'utf8' })) as { addr_info?: { local?: string }[] }[];
    docker0 = link?.addr_info?.[0]?.local;
  } catch {
    docker0 = undefined;
  }

  publicNet = await ownNetwork('public', () => ({ v4: `203.0.113.${16 * randomInt(16)}/28`, v6: `2001:db8:${randomInt(1, 0xffff).toString(16)}::/64` }));
  privateNet = await ownNetwork('private', () => ({
    v4: `10.${randomInt(100, 250)}.${randomInt(256)}.0/24`,
    v6: `fd00:${randomInt(1, 0xffff).toString(16)}:${randomInt(1, 0xffff).toString(16)}::/64`,
  }));
  linkLocalNet = await ownNetwork('linklocal', () => ({ v4: `169.254.${[randomInt(1, 169), randomInt(170, 254)][randomInt(2)]}.0/24` }));
  publicTarget = await startTarget('public', publicNet.name, [PUBLIC_ALIAS]);
  privateTarget = await startTarget('private', privateNet.name);
  linkLocalTarget = await startTarget('linklocal', linkLocalNet.name);
  bridgeTarget = await startTarget('bridge', NETWORK_NAME);
  for (const range of [/^203\.0\.113\./, /^10\./, /^169\.254\./])
    assert.ok(
      [publicTarget, privateTarget, linkLocalTarget].some((t) => range.test(t.v4)),
      `a target in ${range}`,
    );
});

after(async () => {
  await Promise.all(ownClients.splice(0).map((c) => c.close()));
  for (const c of containers) await c.remove({ force: true, v: true }).catch(() => undefined);
  // Sandboxes' guards are removed by cleanupAfterFile (it runs first); then the networks are free.
  for (const n of networks) await n.remove().catch(() => undefined);
  // Guard state volumes of this run whose guard someone removed without `-v`.
  await docker.pruneVolumes({ filters: { label: ['sandboxes.role=guard-state', `sandboxes.tag.test-run=${RUN_ID}`] } }).catch(() => undefined);
});

for (const runtime of ['runsc', 'runc']) {
  describe(`finding 3 (High): open means public addresses only — ${runtime}`, () => {
    it('open: a public target answers; this machine, the sandboxes bridge, private and link-local targets do not', async () => {
      const host = await hostServers(gateway);
      const host0 = docker0 ? await hostServers(docker0) : undefined;
      const sandbox = await noUpstreamDns().create(testSpec({ runtime }));
      try {
        const addresses = await wire(sandbox, publicNet, privateNet, linkLocalNet);
        const marks = await logMarks();
        const good: Check[] = [
          ['tcp', publicTarget.v4, 8080],
          ['udp', publicTarget.v4, 9090],
          ['loopback', '127.0.0.1', 0],
        ];
        const bad: Check[] = [
          ['tcp', gateway, host.tcp],
          ['udp', gateway, host.udp],
          ['tcp', bridgeTarget.v4, 8080],
          ['udp', bridgeTarget.v4, 9090],
          ['tcp', privateTarget.v4, 8080],
          ['udp', privateTarget.v4, 9090],
          ['icmp', privateTarget.v4, 0],
          ['tcp', linkLocalTarget.v4, 8080],
          ['udp', linkLocalTarget.v4, 9090],
        ];
        if (host0 && docker0) bad.push(['tcp', docker0, host0.tcp], ['udp', docker0, host0.udp]);
        else console.log('# docker0 checks skipped: no docker0 address on this machine');
        if (publicTarget.v6) good.push(['tcp', publicTarget.v6, 8080], ['udp', publicTarget.v6, 9090]);
        if (privateTarget.v6) bad.push(['tcp', privateTarget.v6, 8080], ['udp', privateTarget.v6, 9090]);
        const results = await probe(sandbox, [...good, ...bad]);
        for (const check of good) assert.match(results[key(check)], /^ok:/, `${key(check)} should be reachable in open mode: ${results[key(check)]}`);
        // All leaks in one message: which of this machine's, Docker's and private addresses answered.
        const leaks = bad.filter((check) => !/^err:/.test(results[key(check)])).map((check) => `${key(check)} -> ${results[key(check)]}`);
        assert.deepEqual(leaks, [], 'must be refused in open mode');

        // Docker's embedded DNS still answers (the public target's alias, on a network the guard is on).
        const names = await lookups(sandbox, [PUBLIC_ALIAS]);
        assert.equal(names[PUBLIC_ALIAS], `ok:${publicTarget.v4}`, 'name resolution works in open mode');

        // Host side: nothing of ours was reached, except the public target.
        assert.deepEqual(host.contacts, [], 'the server on the sandboxes gateway saw nothing');
        assert.deepEqual(host0?.contacts ?? [], [], 'the server on docker0 saw nothing');
        for (const target of [bridgeTarget, privateTarget, linkLocalTarget])
          assert.deepEqual(await seenFrom(target, addresses, marks), [], `${target.name} saw nothing from the sandbox`);
        assert.ok((await seenFrom(publicTarget, addresses, marks)).length > 0, 'the public target saw the sandbox');
      } finally {
        host.close();
        host0?.close();
        await sandbox.terminate();
      }
    });

    it('an allowlist naming a private, a link-local target and the host overrides: they answer', async () => {
      const host = await hostServers(gateway);
      const allowlist = [`${privateTarget.v4}/32`, `${linkLocalTarget.v4}/32`, `${gateway}/32`];
      const sandbox = await client().create(testSpec({ runtime, cidrAllowlist: allowlist }));
      try {
        await wire(sandbox, publicNet, privateNet, linkLocalNet);
        const good: Check[] = [
          ['tcp', privateTarget.v4, 8080],
          ['udp', privateTarget.v4, 9090],
          ['tcp', linkLocalTarget.v4, 8080],
          ['udp', linkLocalTarget.v4, 9090],
          ['tcp', gateway, host.tcp],
        ];
        const results = await probe(sandbox, [...good, ['tcp', publicTarget.v4, 8080]]);
        for (const check of good) assert.match(results[key(check)], /^ok:/, `${key(check)} is on the allowlist: ${results[key(check)]}`);
        assert.match(results[key(['tcp', publicTarget.v4, 8080])], /^err:/, 'an allowlist allows only what it names');
        assert.ok(host.contacts.length > 0, 'the host service was reached on purpose');
      } finally {
        host.close();
        await sandbox.terminate();
      }
    });
  });

  describe(`finding 10 (Low): inbound UDP does not survive tightening — ${runtime}`, () => {
    it('a UDP flow the open sandbox started stops arriving once the policy is blocked', async () => {
      const sandbox = await noUpstreamDns().create(testSpec({ runtime }));
      try {
        await wire(sandbox, publicNet);
        const receiver = await sandbox.exec([
          'python3',
          '-u',
          '-c',
          [
            'import socket, sys, time',
            's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
            's.settimeout(5)',
            `s.sendto(b"start", ("${publicTarget.v4}", 9191))`,
            'first, _ = s.recvfrom(100)',
            'print("flowing", first.decode(), flush=True)',
            'sys.stdin.readline()',
            // Whatever arrived before the change is still queued: drain it, then count new arrivals.
            's.setblocking(False)',
            'while True:',
            '    try: s.recv(100)',
            '    except BlockingIOError: break',
            's.settimeout(0.5)',
            'late, end = [], time.time() + 3',
            'while time.time() < end:',
            '    try: late.append(s.recv(100).decode())',
            '    except socket.timeout: pass',
            'print("after", len(late), " ".join(late), flush=True)',
          ].join('\n'),
        ]);
        let output = '';
        receiver.stdout.on('data', (chunk) => (output += chunk));
        receiver.stderr.on('data', (chunk) => (output += chunk));
        // The whole line: a chunk may end after "flowing" under load.
        await until(async () => /flowing \d+\n/.test(output) || output.includes('Error'), 15_000, 'the first datagram of the flow');
        assert.match(output, /flowing \d+/, output);

        assert.equal((await sandbox.setNetworkPolicy({ blockNetwork: true })).mode, 'blocked');
        const sentBefore = sentCount(await logs(publicTarget.container));
        receiver.stdin.end('go\n');
        await receiver.wait();
        await until(async () => /after \d+/.test(output), 5_000, 'the count of late datagrams');
        assert.match(output, /after 0 /, `no datagram may arrive after the policy is blocked: ${output}`);
        // Host side: the target kept sending all that time, so the silence is the policy's.
        assert.ok(sentCount(await logs(publicTarget.container)) >= sentBefore + 20, 'the target kept streaming');
      } finally {
        await sandbox.terminate();
      }
    });
  });

  describe(`finding 11 (Low): sandboxes cannot look each other up by name — ${runtime}`, () => {
    it("another sandbox's chosen name and its guard do not resolve, in blocked or open mode", async () => {
      const name = `secret-project-x-${RUN_ID}`.slice(0, 63);
      const a = await client().create(testSpec({ runtime: 'runc', name }));
      try {
        const aGuard = await guardOf(a);
        const aSettings = aGuard.Name.replace(/^\//, '');
        const aIp = aGuard.NetworkSettings.Networks[NETWORK_NAME].IPAddress;
        const userNames = [name, `sandboxes-${name}-guard`];
        const blocked = await client().create(testSpec({ runtime, blockNetwork: true }));
        const open = await noUpstreamDns().create(testSpec({ runtime }));
        try {
          const fromBlocked = await lookups(blocked, [...userNames, aSettings, aIp]);
          for (const [n, result] of Object.entries(fromBlocked)) assert.match(result, /^err:/, `blocked: ${n} must not resolve: ${result}`);
          const fromOpen = await lookups(open, [...userNames, aIp]);
          for (const n of userNames) assert.match(fromOpen[n], /^err:/, `open: ${n} must not resolve: ${fromOpen[n]}`);
          assert.doesNotMatch(fromOpen[aIp], /secret-project-x/, `open: the reverse lookup of A's address must not name it: ${fromOpen[aIp]}`);
          // Host side: Docker's DNS knows the guard only by neutral names, and it does answer for
          // those (checked from a plain container of ours on the same network).
          assert.doesNotMatch(aSettings, /secret-project-x/, 'the guard container has a neutral name');
          assert.doesNotMatch(JSON.stringify(aGuard.NetworkSettings.Networks[NETWORK_NAME].Aliases ?? []), /secret-project-x/, 'no alias names the sandbox');
          const controlOut = await containerExec(bridgeTarget.container.id, ['getent', 'hosts', aSettings]);
          assert.match(controlOut, new RegExp(aIp.replace(/\./g, '\\.')), 'Docker DNS resolves the neutral guard name from a plain container');
        } finally {
          await blocked.terminate();
          await open.terminate();
        }
      } finally {
        await a.terminate();
      }
    });
  });
}

describe("finding 3: DNS keeps working in open mode through the host's resolvers, on port 53 only", () => {
  it("the open policy in a guard accepts the host's resolvers on port 53 and nothing else of theirs (host side, nothing sent)", async (t) => {
    const resolvers = fs
      .readFileSync('/etc/resolv.conf', 'utf8')
      .split('\n')
      .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
      .filter((ip): ip is string => Boolean(ip) && !/^127\.|^::1$/.test(ip as string) && !(ip as string).includes(':'));
    if (resolvers.length === 0) return t.skip('this machine has no non-loopback IPv4 resolver in /etc/resolv.conf');
    const sandbox = await client().create(testSpec({ runtime: 'runc' }));
    try {
      const rules = await containerExec((await guardOf(sandbox)).Id, ['iptables-save', '-t', 'filter']);
      for (const r of resolvers) {
        const mentions = rules.split('\n').filter((line) => line.includes(`${r}/32`));
        for (const proto of ['udp', 'tcp']) {
          assert.ok(
            mentions.some((line) => new RegExp(`-d ${r.replace(/\./g, '\\.')}/32 -p ${proto} -m ${proto} --dport 53 -j ACCEPT`).test(line)),
            `port 53/${proto} to ${r} is accepted:\n${rules}`,
          );
        }
        assert.ok(
          mentions.every((line) => /(--dport|--sport) 53\b/.test(line)),
          `only port 53 of ${r}:\n${mentions.join('\n')}`,
        );
      }
      assert.match(rules, /-d 10\.0\.0\.0\/8 /, `private ranges are refused:\n${rules}`);
    } finally {
      await sandbox.terminate();
    }
  });
});

describe("finding 13 (Low): the guard's root filesystem is read-only", () => {
  it("writes to the guard's root filesystem fail; its first-start marker survives a restart, so it comes back closed", async () => {
    const sandbox = await noUpstreamDns().create(testSpec({ runtime: 'runc' }));
    try {
      await wire(sandbox, publicNet);
      const guard = await guardOf(sandbox);
      assert.equal(guard.HostConfig.ReadonlyRootfs, true, 'ReadonlyRootfs is set');
      const writes = await containerExec(guard.Id, [
        'sh',
        '-c',
        'for d in / /etc /usr/sbin /bin /var/lib /root; do if touch "$d/sandboxes-attack" 2>/dev/null; then echo "wrote $d"; else echo "refused $d"; fi; done',
      ]);
      assert.doesNotMatch(writes, /wrote/, writes);
      assert.equal((writes.match(/refused/g) ?? []).length, 6, writes);
      assert.match((await probe(sandbox, [['tcp', publicTarget.v4, 8080]]))[`tcp ${publicTarget.v4} 8080`], /^ok:/);

      // Stopped and started again by hand: the guard's PID 1 finds its marker and stays closed.
      await docker
        .getContainer(sandbox.containerId)
        .kill()
        .catch(() => undefined);
      await docker.getContainer(guard.Id).stop({ t: 1 });
      await docker.getContainer(guard.Id).start();
      await until(async () => /sandboxes-deny-all/.test(await containerExec(guard.Id, ['iptables-save', '-t', 'filter'])), 10_000, 'the deny-all rules');
      await docker.getContainer(sandbox.containerId).start();
      assert.equal((await sandbox.networkPolicy()).mode, 'blocked', 'no policy is in force after the restart');
      // The guard's address on our network may be a new one: connect again if needed.
      const again = await docker.getContainer(guard.Id).inspect();
      if (!again.NetworkSettings.Networks[publicNet.name]) await publicNet.network.connect({ Container: guard.Id });
      assert.match((await probe(sandbox, [['tcp', publicTarget.v4, 8080]]))[`tcp ${publicTarget.v4} 8080`], /^err:/, 'closed until the engine applies a policy');
    } finally {
      await sandbox.terminate();
    }
  });
});

function sentCount(text: string): number {
  return (text.match(/sent \d+/g) ?? []).length;
}

/** A command in a container of ours or a guard (a host-side look, as an administrator would). */
async function containerExec(id: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const out = await new Promise<string>((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    stream.on('end', () => resolve(text));
  });
  return out;
}
