/**
 * The engine under load, on the shared engine with other clients about: 20 sandboxes created at
 * once through the API (and 2 more cancelled half way), each running under gVisor with its policy
 * verified; 100 concurrent connections over their 40 forwards (plain and TLS) with every byte
 * checked; then all terminated, with nothing of them left: containers, guards, volumes, networks,
 * runsc containers and host processes. Everything here carries this run's tag (`load=<unique>`),
 * and only those objects are asserted about. Traffic goes only to 127.0.0.1 (the forwards).
 * Timings are the benchmark's business (bench/load.bench.ts); here only behaviour is checked.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Sandbox, SandboxClient } from '../../src/core';
import { connect } from '../../src/core';
import { readPolicyState } from '../../src/core/network/guard';
import { cleanupAfterFile, docker, RUN_ID, RUN_TAGS, TEST_IMAGE, until } from './helpers';
import { ECHO_PORTS, concurrentExchanges, hostTracesOf, loadModeOf, loadPolicy, loadSpec, untilEchoing, type Forward } from './loadHelpers';

cleanupAfterFile();

const SANDBOXES = 20;
const CANCELLED = 2;
const CONNECTIONS = 100;
const TAG = `${RUN_ID}-load`;
const TAGS = { ...RUN_TAGS, load: TAG };
const TAG_LABEL = `sandboxes.tag.load=${TAG}`;

describe('20 sandboxes at once, 100 connections over their forwards, then nothing left', () => {
  let stateDir: string;
  let engine: SandboxClient;
  let ca: string;
  /** Every container Docker reported created with this run's tag: sandbox id → container ids. */
  const createdIds = new Map<string, Set<string>>();
  let events: { close(): void } | undefined;
  const made: { sandbox: Sandbox; index: number }[] = [];

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-load-'));
    engine = connect({ stateDir });
    ca = await engine.caCertificate();
    events = await watchCreated(createdIds);
  });
  after(async () => {
    events?.close();
    await Promise.all(made.map(({ sandbox }) => sandbox.terminate().catch(() => undefined)));
    await engine.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('creates 20 at once: each runs under gVisor with its policy verified; the cancelled ones leave nothing', async (t) => {
    const cancelled = new Set(Array.from({ length: CANCELLED }, (_, k) => `${TAG}-cancel-${k}`));
    const creates = [
      ...Array.from({ length: SANDBOXES }, (_, i) =>
        engine.create(loadSpec(i, { image: TEST_IMAGE, tags: TAGS, name: `${TAG}-${i}` })).then((sandbox) => {
          made.push({ sandbox, index: i });
          return sandbox;
        }),
      ),
      // Cancelled once the engine starts making containers: they exist, then must all go again.
      ...[...cancelled].map((name) => {
        const abort = new AbortController();
        return engine.create(loadSpec(0, { image: TEST_IMAGE, tags: TAGS, name }), {
          signal: abort.signal,
          onProgress: (m) => m.startsWith('Creating sandbox') && abort.abort(),
        });
      }),
    ];
    const outcomes = await Promise.allSettled(creates);
    const failures = outcomes.slice(0, SANDBOXES).flatMap((o, i) => (o.status === 'rejected' ? [`${TAG}-${i}: ${(o.reason as Error).message}`] : []));
    t.diagnostic(`${made.length} of ${SANDBOXES} created${failures.length ? `; failed: ${failures.join('; ')}` : ''}`);
    // A failure under load must be a clear one (a SandboxError with its fix), and leave nothing.
    for (const o of outcomes.slice(0, SANDBOXES)) {
      if (o.status === 'rejected')
        assert.ok((o.reason as { code?: string; fix?: string }).code && (o.reason as { fix?: string }).fix, `a clear error: ${(o.reason as Error).stack}`);
    }
    // Under load a create may fail, clearly and leaving nothing (checked below); most must not.
    assert.ok(made.length > 0, `no create succeeded: ${failures.join('; ')}`);
    for (const o of outcomes.slice(SANDBOXES)) {
      assert.equal(o.status, 'rejected', 'a cancelled create does not return a sandbox');
      assert.equal((o as PromiseRejectedResult).reason.code, 'CANCELLED');
    }

    // None half-made: a failed or cancelled create leaves no container, guard or volume.
    await until(async () => createdIds.size >= made.length + CANCELLED, 5000, "Docker's create events of every sandbox");
    const byName = await docker.listContainers({ all: true, filters: { label: [TAG_LABEL] } });
    const failedNames = new Set([...cancelled, ...outcomes.slice(0, SANDBOXES).flatMap((o, i) => (o.status === 'rejected' ? [`${TAG}-${i}`] : []))]);
    const failedIds = [...createdIds.keys()].filter((id) => !made.some(({ sandbox }) => sandbox.id === id));
    assert.ok(failedIds.length >= cancelled.size, `Docker reported the cancelled creates' containers (${failedIds.length})`);
    for (const id of failedIds) {
      const left = byName.filter((c) => c.Labels['sandboxes.id'] === id);
      const volumes = await volumesWith(`sandboxes.id=${id}`);
      assert.deepEqual([...left.map((c) => `${c.Labels['sandboxes.role']} ${c.State}`), ...volumes], [], `nothing left of failed create ${id}`);
    }
    assert.equal(byName.filter((c) => failedNames.has(c.Labels['sandboxes.name'])).length, 0);

    // Each one: running, under runsc (Docker and runsc on the host agree; gVisor's kernel inside).
    const runsc = new Set(
      hostTracesOf(made.map(({ sandbox }) => sandbox.containerId))
        .filter((l) => l.startsWith('runsc container'))
        .map((l) => l.split(' ')[2]),
    );
    await Promise.all(
      made.map(async ({ sandbox, index }) => {
        const info = await sandbox.info();
        assert.equal(info.state, 'running', `${sandbox.name} runs`);
        assert.equal(info.runtime, 'runsc', `${sandbox.name} runs under runsc`);
        assert.ok(runsc.has(sandbox.containerId.slice(0, 12)), `runsc on the host runs ${sandbox.name}`);
        const kernel = await sandbox.run(['sh', '-c', 'uname -r; dmesg | head -n 1']);
        assert.match(kernel.stdout, /^4\.4\.0\n.*gVisor/s, `gVisor's kernel answers in ${sandbox.name}: ${kernel.stdout}`);

        // Its policy: the one asked for, as the guard recorded it after verifying it, and live in
        // the guard's netfilter table (read on the host side, through the guard).
        const policy = loadPolicy(index);
        const state = await sandbox.networkPolicy();
        assert.equal(state.mode, loadModeOf(policy), `${sandbox.name}: ${JSON.stringify(state)}`);
        assert.equal(state.enforced, true);
        assert.deepEqual(state.cidrAllowlist, policy.cidrAllowlist ?? []);
        assert.deepEqual([...state.forwardedPorts].sort(), [ECHO_PORTS.unencrypted, ECHO_PORTS.encrypted]);
        const [guard] = await docker.listContainers({ filters: { label: [`sandboxes.id=${sandbox.id}`, 'sandboxes.role=guard'] } });
        assert.ok(guard, `${sandbox.name} has a running guard`);
        assert.ok(await readPolicyState(docker, guard.Id), 'the guard recorded a verified policy');
        const rules = await execIn(guard.Id, ['iptables-save', '-t', 'filter']);
        assert.match(rules, /sandboxes-policy-[0-9a-f]{16}/, `${sandbox.name}: a verified policy is loaded, not only deny-all`);
        assert.equal(rules.includes('192.0.2.0/24'), loadModeOf(policy) === 'allowlist', `${sandbox.name}: the allowlist is in the rules exactly when asked for`);
        const inspect = await docker.getContainer(sandbox.containerId).inspect();
        assert.equal(inspect.HostConfig.NetworkMode, `container:${guard.Id}`, "the sandbox shares its guard's namespace");
      }),
    );
  });

  it('carries 100 concurrent connections over the 40 forwards, plain and TLS, every byte checked', async (t) => {
    assert.ok(made.length > 0, 'the sandboxes of the first test');
    const forwards: Forward[] = [];
    for (const { sandbox } of made) {
      const tunnels = await sandbox.tunnels();
      forwards.push({ sandbox: sandbox.name, tunnel: tunnels[ECHO_PORTS.unencrypted] }, { sandbox: sandbox.name, tunnel: tunnels[ECHO_PORTS.encrypted] });
    }
    assert.equal(forwards.length, 2 * made.length);
    assert.deepEqual(new Set(forwards.map((f) => f.tunnel.kind)), new Set(['unencrypted', 'encrypted']));
    assert.ok(
      forwards.every((f) => f.tunnel.host === '127.0.0.1'),
      'forwards listen on loopback only',
    );
    // Servers start with their sandboxes; wait until each answers (bounded), then all at once.
    await Promise.all(forwards.map((f) => untilEchoing(f, ca)));
    const exchanges = await concurrentExchanges(forwards, CONNECTIONS, ca);
    assert.equal(exchanges.length, CONNECTIONS);
    const perForward = new Map<Forward, number>();
    for (const e of exchanges) perForward.set(e.forward, (perForward.get(e.forward) ?? 0) + 1);
    assert.equal(perForward.size, forwards.length, 'every forward carried connections');
    const bytes = exchanges.reduce((n, e) => n + e.bytes, 0);
    t.diagnostic(`${CONNECTIONS} connections, ${(bytes / 2 ** 20).toFixed(1)} MiB echoed and checked`);
  });

  it('terminates all at once, and nothing of them is left: containers, guards, volumes, networks, runsc, processes', async () => {
    assert.ok(made.length > 0, 'the sandboxes of the first test');
    const tunnelPorts = made.flatMap(({ sandbox }) => engine.tunnelRegistry.get(sandbox.id).map((tunnel) => tunnel.port));
    const ids = new Set([...createdIds.values()].flatMap((set) => [...set]));
    for (const { sandbox } of made) ids.add(sandbox.containerId);
    await Promise.all(made.map(({ sandbox }) => sandbox.terminate()));

    assert.deepEqual(
      (await docker.listContainers({ all: true, filters: { label: [TAG_LABEL] } })).filter((c) => !isUnclaimedSpare(c)).map((c) => c.Names[0]),
      [],
      'no container of this run',
    );
    assert.deepEqual(
      (await volumesWith(TAG_LABEL)).filter((v) => !v.startsWith('spare')),
      [],
      'no volume of this run',
    );
    assert.deepEqual(
      (await docker.listNetworks({ filters: { label: [TAG_LABEL] } })).map((n) => n.Name),
      [],
      'no network of this run',
    );
    // runsc and the container shims end a moment after Docker removed the container: wait, bounded.
    const traces = await until(async () => hostTracesOf(ids).length === 0, 20_000, 'runsc and shim processes to end').then(
      () => [],
      () => hostTracesOf(ids),
    );
    assert.deepEqual(traces, [], 'no runsc container or host process of them');
    for (const port of tunnelPorts) assert.equal(await refused(port), true, `the forward on 127.0.0.1:${port} is closed`);

    // The spare guard this client prepared for the next create goes with the client.
    await engine.close();
    assert.deepEqual(
      (await docker.listContainers({ all: true, filters: { label: [TAG_LABEL] } })).map((c) => c.Names[0]),
      [],
    );
    assert.deepEqual(await volumesWith(TAG_LABEL), []);
  });
});

/** Subscribes to Docker's container create events for this run's tag (container ids by sandbox id). */
async function watchCreated(into: Map<string, Set<string>>): Promise<{ close(): void }> {
  const abort = new AbortController();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['create'], label: [TAG_LABEL] },
    abortSignal: abort.signal,
  } as never)) as unknown as NodeJS.ReadableStream;
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { id: string; Actor?: { Attributes?: Record<string, string> } };
      const attributes = event.Actor?.Attributes ?? {};
      // A spare guard made for the next create is no sandbox's yet.
      if (attributes['sandboxes.spare'] === 'true' && (attributes.name ?? '').startsWith('sandboxes-spare-')) continue;
      const id = attributes['sandboxes.id'];
      if (!id) continue;
      if (!into.has(id)) into.set(id, new Set());
      into.get(id)!.add(event.id);
    }
  });
  stream.on('error', () => undefined);
  return { close: () => abort.abort() };
}

function isUnclaimedSpare(c: { Labels: Record<string, string>; Names: string[] }): boolean {
  return c.Labels['sandboxes.spare'] === 'true' && c.Names.some((n) => n.startsWith('/sandboxes-spare-'));
}

/** Volume names with a label; a spare guard's state volume is reported as `spare …`. */
async function volumesWith(label: string): Promise<string[]> {
  const listed = (await docker.listVolumes({ filters: { label: [label] } })) as unknown as { Volumes?: { Name: string; Labels?: Record<string, string> }[] };
  const spares = new Set(
    (await docker.listContainers({ all: true, filters: { label: [label, 'sandboxes.spare=true'] } }))
      .filter(isUnclaimedSpare)
      .flatMap((c) => (c.Mounts ?? []).map((m) => m.Name)),
  );
  return (listed.Volumes ?? []).map((v) => (spares.has(v.Name) ? `spare ${v.Name}` : v.Name));
}

async function execIn(containerId: string, argv: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, out, out);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether a connection to 127.0.0.1:port is refused (its listener closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
