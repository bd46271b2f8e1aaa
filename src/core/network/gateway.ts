import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { GatewayPolicy } from '../../gateway/main';
import { SandboxError, dockerMessage, dockerStatus } from '../errors';
import { startExec } from '../exec';
import { LABEL } from '../labels';
import type { NetworkEvent } from '../types';
import { ownAddresses, type NetworkInfo } from './sharedNetwork';
import type { NetworkPolicy } from './policy';

/**
 * The egress gateway of a sandbox with a domain allowlist (issue #12; docs/domain-allowlist.md):
 * a runc container from the guard image (which has Debian's nodejs) running the gateway script
 * (src/gateway/main.ts), in a network namespace of its own on the sandboxes network. The guard
 * DNATs the sandbox's DNS and web ports to it (policy.ts renderGatewayNat); in its own namespace
 * the gateway's own connections need no exemption from the sandbox's rules.
 *
 * It has no capability, a read-only root, runs as nobody, and keeps its policy in a tmpfs: a
 * gateway that starts again (daemon restart, `docker start`) has none and refuses everything
 * until the engine applies it again. The script goes in on the command line (about 30 KB), so
 * the image needs no rebuild when the gateway changes and a remote engine needs no file of ours.
 */

export const GATEWAY_ROLE = 'gateway';
/**
 * The gateway's label naming its sandbox. Deliberately not `sandboxes.managed`/`sandboxes.id`:
 * listings, the reaper and the half-made cleanup take every managed container that is not a
 * guard for a sandbox; the gateway is found by this label instead and removed with the sandbox.
 */
export const GATEWAY_OF = 'sandboxes.gateway-of';
const POLICY_FILE = '/run/gateway/policy.json';
const NOBODY = '65534:65534';

/** Neutral, like the guard's: never the chosen name (Docker's DNS announces container names). */
export function gatewayName(sandboxId: string): string {
  return `sandboxes-gateway-${sandboxId}`;
}

let script: string | undefined;
/**
 * The gateway script: dist/gateway.js next to the engine's bundle (dist/core.js), or, when the
 * engine runs from its sources (tests, benchmarks), src/gateway/main.ts bundled on the spot.
 */
export function gatewayScript(): string {
  if (script !== undefined) return script;
  const bundled = path.join(__dirname, 'gateway.js');
  if (fs.existsSync(bundled)) return (script = fs.readFileSync(bundled, 'utf8'));
  const source = path.join(__dirname, '..', '..', 'gateway', 'main.ts');
  if (fs.existsSync(source)) {
    // Only in a checkout (a dev dependency): the name is not a literal, so bundles do not pull esbuild in.
    const devOnly = 'esbuild';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require(devOnly) as typeof import('esbuild');
    const out = esbuild.buildSync({ entryPoints: [source], bundle: true, platform: 'node', target: 'node18', minify: true, write: false, logLevel: 'silent' });
    return (script = out.outputFiles[0].text);
  }
  throw new SandboxError(
    'POLICY_FAILED',
    `The egress gateway's script (${bundled}) is missing from this installation.`,
    'Reinstall the extension (or run `npm run build` in a checkout).',
  );
}

export interface GatewaySpec {
  sandboxId: string;
  image: string;
  network: NetworkInfo;
  /** Extra labels (tests mark their objects); the gateway's own are added. */
  labels?: Record<string, string>;
}

export interface GatewayHandle {
  id: string;
  v4?: string;
  v6?: string;
}

/** The sandbox's gateway container, running or not; undefined when it has none. */
export async function findGateway(docker: Docker, sandboxId: string): Promise<Docker.ContainerInfo | undefined> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${GATEWAY_OF}=${sandboxId}`] } });
  return found[0];
}

/** Creates and starts the gateway; resolves with its addresses. On failure nothing is left. */
export async function createGateway(docker: Docker, spec: GatewaySpec): Promise<GatewayHandle> {
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer({
      name: gatewayName(spec.sandboxId),
      Image: spec.image,
      Entrypoint: [''],
      Cmd: ['node', '--max-old-space-size=48', '-e', gatewayScript()],
      User: NOBODY,
      Env: [`GATEWAY_POLICY=${POLICY_FILE}`],
      Labels: { ...spec.labels, [GATEWAY_OF]: spec.sandboxId, [LABEL.role]: GATEWAY_ROLE },
      HostConfig: {
        Runtime: 'runc',
        NetworkMode: spec.network.name,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Tmpfs: { '/run/gateway': 'rw,nosuid,nodev,noexec,size=1m,uid=65534,gid=65534,mode=0700', '/tmp': 'rw,nosuid,nodev,noexec,size=1m' },
        Memory: 128 * 1024 * 1024,
        MemorySwap: 128 * 1024 * 1024,
        PidsLimit: 64,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
      },
    });
    await container.start();
    return await gatewayAddresses(docker, container.id, spec.network.name);
  } catch (error) {
    await container?.remove({ force: true, v: true }).catch(() => undefined);
    throw new SandboxError(
      'POLICY_FAILED',
      `The egress gateway for the domain allowlist could not be started: ${error instanceof SandboxError ? error.message : dockerMessage(error)}.`,
      `Check that the guard image "${spec.image}" has nodejs (sandboxes/guard:2 and later: scripts/build-guard-image.sh), or use a CIDR allowlist instead.`,
      { cause: error },
    );
  }
}

/** The gateway's addresses on the sandboxes network. */
export async function gatewayAddresses(docker: Docker, id: string, networkName: string): Promise<GatewayHandle> {
  const info = await docker.getContainer(id).inspect();
  if (!info.State.Running) throw new SandboxError('POLICY_FAILED', `the gateway is ${info.State.Status}`, 'See `docker logs` of the gateway container.');
  const net = info.NetworkSettings.Networks?.[networkName];
  if (!net?.IPAddress) throw new SandboxError('POLICY_FAILED', 'the gateway has no address on the sandboxes network', 'Start a new sandbox.');
  return { id, v4: net.IPAddress, v6: net.GlobalIPv6Address || undefined };
}

/** What the gateway enforces for a policy: its names, the CIDR list's exceptions, what it may never dial. */
export function gatewayPolicy(policy: NetworkPolicy, network: NetworkInfo, options: { tag: string; clients: string[]; upstream: string[]; ipv6: boolean }): GatewayPolicy {
  return {
    tag: options.tag,
    domains: policy.blockNetwork ? [] : (policy.domainAllowlist ?? []),
    cidrs: policy.cidrAllowlist,
    deny: ownAddresses(network),
    upstream: options.upstream,
    ipv6: options.ipv6,
    clients: options.clients,
  };
}

/**
 * Writes the policy (atomic rename), signals the gateway and waits (bounded) until it says it
 * applied exactly this tag. One exec, entirely in the gateway: a client that dies half way leaves
 * the old or the new policy. The signal is repeated: one sent before the gateway set up its
 * handler is lost (it also loads the file when it starts).
 */
export async function applyGatewayPolicy(docker: Docker, gatewayId: string, policy: GatewayPolicy): Promise<void> {
  const sh = [
    'set -e',
    `printf '%s' "$POLICY" > ${POLICY_FILE}.new`,
    `mv ${POLICY_FILE}.new ${POLICY_FILE}`,
    'i=0',
    `while [ "$(cat ${POLICY_FILE}.applied 2>/dev/null)" != "$TAG" ]; do`,
    '  if [ $((i % 50)) = 0 ]; then kill -HUP 1; fi',
    '  i=$((i+1)); if [ $i -gt 1000 ]; then echo "the gateway did not apply the policy within 10 s" >&2; exit 3; fi',
    '  sleep 0.01',
    'done',
    'echo "applied $TAG"',
  ].join('\n');
  let output = '';
  let code: number;
  try {
    const proc = await startExec(docker, gatewayId, ['/bin/sh', '-c', sh], { env: { POLICY: JSON.stringify(policy), TAG: policy.tag } });
    proc.stdout.on('data', (chunk) => (output += chunk));
    proc.stderr.on('data', (chunk) => (output += chunk));
    proc.stdin.end();
    code = await proc.wait();
  } catch (error) {
    throw new SandboxError(
      'POLICY_FAILED',
      `Could not apply the domain allowlist to the egress gateway: ${error instanceof Error ? dockerMessage(error) : String(error)}`,
      'Check that the sandbox and its gateway container are running.',
      { cause: error },
    );
  }
  if (code !== 0 || !output.includes(`applied ${policy.tag}`)) {
    throw new SandboxError(
      'POLICY_FAILED',
      `The egress gateway did not confirm the domain allowlist (exit ${code}): ${output.trim() || 'no output'}.`,
      'See `docker logs` of the gateway container (sandboxes-gateway-<id>).',
    );
  }
}

/** Removes the gateway; gone already is fine. */
export async function removeGateway(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    if (dockerStatus(error) !== 404) throw error;
  }
}

/** One refusal line of the gateway as an event; null for other lines (applied, ready, errors). */
export function parseGatewayLine(line: string, sandbox: string): NetworkEvent | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (value.kind !== 'refused' || typeof value.reason !== 'string' || typeof value.protocol !== 'string') return null;
  const event: NetworkEvent = { time: String(value.time), sandbox, protocol: value.protocol as NetworkEvent['protocol'], reason: value.reason };
  if (typeof value.name === 'string') event.name = value.name;
  if (typeof value.address === 'string') event.address = value.address;
  if (typeof value.port === 'number') event.port = value.port;
  if (typeof value.qtype === 'number') event.qtype = value.qtype;
  if (typeof value.repeatsBefore === 'number') event.repeats = value.repeatsBefore;
  return event;
}

/**
 * The gateway's refusals from its log: the last `tail` lines, then (with `follow`) new ones as
 * they come, until `signal` aborts or the gateway goes away.
 */
export async function* gatewayEvents(
  docker: Docker,
  gatewayId: string,
  sandbox: string,
  options: { tail?: number; follow?: boolean; signal?: AbortSignal },
): AsyncGenerator<NetworkEvent> {
  const container = docker.getContainer(gatewayId);
  const out = new PassThrough();
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  if (options.follow) {
    stream = (await container.logs({ follow: true, stdout: true, stderr: false, tail: options.tail ?? 100 })) as unknown as NodeJS.ReadableStream;
    docker.modem.demuxStream(stream, out, new PassThrough());
    stream.on('end', () => out.end());
    stream.on('error', () => out.end());
  } else {
    const buffer = (await container.logs({ follow: false, stdout: true, stderr: false, tail: options.tail ?? 100 })) as unknown as Buffer;
    stream = new PassThrough();
    docker.modem.demuxStream(stream, out, new PassThrough());
    (stream as PassThrough).end(buffer);
    stream.on('end', () => out.end());
  }
  const stop = () => {
    stream.destroy?.();
    out.end();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    let buffered = '';
    for await (const chunk of out) {
      buffered += String(chunk);
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseGatewayLine(line, sandbox);
        if (event) yield event;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    stream.destroy?.();
  }
}

/** The sandbox's gateway, running: the one it has (started again if stopped), else a new one. */
export async function ensureGateway(docker: Docker, spec: GatewaySpec): Promise<GatewayHandle> {
  const existing = await findGateway(docker, spec.sandboxId);
  if (existing) {
    if (existing.State !== 'running')
      await docker
        .getContainer(existing.Id)
        .start()
        .catch(() => undefined);
    try {
      return await gatewayAddresses(docker, existing.Id, spec.network.name);
    } catch {
      await removeGateway(docker, existing.Id);
    }
  }
  return createGateway(docker, spec);
}

/** Applies `policy` to the gateway, accepting connections from the guard's addresses only. */
export async function configureGateway(
  docker: Docker,
  gateway: GatewayHandle,
  guardId: string,
  policy: NetworkPolicy,
  network: NetworkInfo,
  upstream: string[],
): Promise<void> {
  const guard = (await docker.getContainer(guardId).inspect()).NetworkSettings.Networks?.[network.name];
  const clients = [guard?.IPAddress, guard?.GlobalIPv6Address].filter((a): a is string => Boolean(a));
  const tag = `gw-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await applyGatewayPolicy(docker, gateway.id, gatewayPolicy(policy, network, { tag, clients, upstream, ipv6: Boolean(gateway.v6) }));
}
