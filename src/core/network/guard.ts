import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from '../errors';
import { startExec } from '../exec';
import { LABEL } from '../labels';
import type { TunnelKind } from '../types';
import { NETWORK_FILES_BYTES } from './networkFiles';
import { NETWORK_NAME, ensureNetwork, ownAddresses, type NetworkInfo } from './sharedNetwork';
import { APPLY_SCRIPT, CLAIMED_EXIT, CLAIM_SCRIPT, EXPAND_RESOLVERS, GUARD_SCRIPT, GUARD_STATE_DIR, RECORD_RESOLVERS, STATE_FILE } from './guardScripts';
import { denyAllRules, modeOf, needsGateway, renderGatewayNat, renderRules, type NetworkPolicy } from './policy';

/**
 * Where a sandbox's network policy is enforced: a small runc container, the guard, owns the
 * network namespace and the sandbox joins it (`--network container:<guard>`). The rules live in
 * that namespace's netfilter tables in the host kernel, which nothing inside a gVisor sandbox can
 * reach, and which a runc sandbox cannot change without CAP_NET_ADMIN (it never gets it).
 *
 * The guard loads deny-all rules itself before anything can join it, so a guard that starts
 * again (daemon restart, `docker start`) is closed until the engine applies the real policy.
 */

// Moved to sharedNetwork.ts; still exported here for the callers that import them from the guard.
export { NETWORK_NAME, ensureNetwork, ownAddresses, type NetworkInfo };
// The scripts are in guardScripts.ts; these are still exported here for their callers.
export { EXPAND_RESOLVERS, GUARD_STATE_DIR, RECORD_RESOLVERS };
export { DEFAULT_GUARD_IMAGE } from './guardImage';

/** What the guard records of the policy in force (read back after reloads, by any client). */
export interface PolicyState extends NetworkPolicy {
  /** Re-applied when the caller's defaults change (VS Code: the workspace settings). */
  followsDefaults: boolean;
  /** Ports in the sandbox that this machine may connect to, and how they are tunnelled. */
  forwards: { port: number; kind: TunnelKind }[];
  /** The egress gateway's addresses when the policy has a domain allowlist (network/gateway.ts). */
  gateway?: { v4?: string; v6?: string };
}

/** The guard runs iptables, so its image needs it; tests and offline machines provide it by tag. */
export async function ensureGuardImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
  } catch (error) {
    if (dockerStatus(error) !== 404) throw error;
    throw new SandboxError(
      'IMAGE_UNAVAILABLE',
      `The network guard image "${image}" is not on this machine. Each sandbox's network policy is enforced by a small container from it.`,
      `Build it once: \`docker build -t ${image} - <<'EOF'\nFROM alpine:3.20\nRUN apk add --no-cache iptables ip6tables nodejs\nEOF\` (on Debian: scripts/build-guard-image.sh), or point the guardImage option (VS Code: sandboxes.network.guardImage) at an image with iptables, ip6tables and, for domain allowlists, nodejs.`,
    );
  }
}

export interface GuardSpec {
  sandboxId: string;
  name: string;
  image: string;
  network: NetworkInfo;
  labels: Record<string, string>;
  /** Loaded and verified by the guard itself before `start()` resolves. None: a spare, closed. */
  initialState?: PolicyState;
  /** Container name; default guardName(sandboxId). */
  containerName?: string;
  /** Upstream resolvers Docker's DNS forwards to (open mode allows them port 53); recorded at first start. */
  resolvers?: string[];
}

/**
 * A guard's container name: neutral, never the sandbox's chosen name. Docker's embedded DNS
 * answers with container names (and hostnames) to everything on the network, including other
 * sandboxes; a name like "secret-project-x" would be announced to all of them.
 */
export function guardName(sandboxId: string): string {
  return `sandboxes-guard-${sandboxId}`;
}

export function policyEnv(state: PolicyState, network: NetworkInfo): { env: Record<string, string>; tag: string } {
  const tag = `sandboxes-policy-${createHash('sha256').update(JSON.stringify(state)).update(String(process.hrtime.bigint())).digest('hex').slice(0, 16)}`;
  const ctx = {
    gatewayV4: network.gatewayV4,
    gatewayV6: network.gatewayV6,
    forwardedPorts: state.forwards.map((f) => f.port),
    tag,
    ownAddresses: ownAddresses(network),
    gateway: state.gateway,
  };
  const rules = renderRules(state, ctx);
  // Our nat chain is rewritten on every apply (emptied when there is no gateway); IPv6 only when
  // the gateway has an IPv6 address (else the filter refuses all IPv6 but loopback anyway).
  const nat = renderGatewayNat(state, ctx);
  const v6 = Boolean(state.gateway?.v6 && needsGateway(state));
  const dnsGateway = needsGateway(state) && modeOf(state) === 'allowlist' && state.gateway?.v4 ? state.gateway.v4 : '';
  return { env: { RULES_V4: rules.v4, RULES_V6: rules.v6, NAT_V4: nat.v4, NAT_V6: v6 ? nat.v6 : '', DNS_GATEWAY: dnsGateway, TAG: tag, STATE: JSON.stringify(state) }, tag };
}

export interface CreatedGuard {
  container: Docker.Container;
  /** Starts the guard; resolves once it has loaded and verified the initial policy. */
  start(): Promise<void>;
}

/** Creates the guard (not started), so the sandbox can be created against it meanwhile. */
export async function createGuard(docker: Docker, spec: GuardSpec): Promise<CreatedGuard> {
  const { env, tag } = spec.initialState ? policyEnv(spec.initialState, spec.network) : { env: {}, tag: '' };
  const container = await docker.createContainer(guardContainerOptions(spec, env));
  return { container, start: () => startGuard(docker, container, spec, tag) };
}

/** The guard's container: runc, NET_ADMIN only, read-only, small; its script gets the rules through the environment. */
function guardContainerOptions(spec: GuardSpec, env: Record<string, string>): Docker.ContainerCreateOptions {
  const deny = denyAllRules('sandboxes-deny-all');
  const resolvers = (spec.resolvers ?? []).filter((ip) => /^[0-9a-fA-F.:]+$/.test(ip));
  return {
    name: spec.containerName ?? guardName(spec.sandboxId),
    Image: spec.image,
    Entrypoint: [''],
    Cmd: ['/bin/sh', '-c', GUARD_SCRIPT],
    Env: [`DENY_V4=${deny.v4}`, `DENY_V6=${deny.v6}`, `HOST_RESOLVERS=${resolvers.join(' ')}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
    // The sandbox shares this namespace, and with it this hostname. Docker 20.10 also makes the
    // hostname a DNS alias on the network, so it is the neutral id, not the chosen name.
    Hostname: spec.sandboxId,
    Labels: { ...spec.labels, [LABEL.role]: 'guard' },
    HostConfig: {
      // The guard is the enforcement point in the host kernel: always runc, whatever the sandbox uses.
      Runtime: 'runc',
      NetworkMode: spec.network.name,
      CapDrop: ['ALL'],
      CapAdd: ['NET_ADMIN'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/run': 'rw,nosuid,nodev,size=1m', '/tmp': 'rw,nosuid,nodev,size=1m' },
      // The first-start marker and the recorded resolvers must survive a restart (tmpfs would
      // not): an anonymous volume, removed with the guard (`rm -v`).
      Mounts: [
        {
          Type: 'volume',
          Source: '',
          Target: GUARD_STATE_DIR,
          VolumeOptions: { NoCopy: true, Labels: { ...spec.labels, [LABEL.role]: 'guard-state' }, DriverConfig: { Name: 'local', Options: {} } },
        },
      ],
      Memory: 64 * 1024 * 1024,
      MemorySwap: 64 * 1024 * 1024,
      PidsLimit: 64,
      // /dev/shm becomes a tmpfs on the host that the sandbox's network files are bound from.
      IpcMode: 'shareable',
      ShmSize: NETWORK_FILES_BYTES,
    },
  };
}

/** Starts the guard; with an initial policy, resolves once the guard says it loaded and verified it. */
async function startGuard(docker: Docker, container: Docker.Container, spec: GuardSpec, tag: string): Promise<void> {
  // Attach before starting, so the guard's "verified" line cannot be missed.
  const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  let output = '';
  const verified = new Promise<void>((resolve, reject) => {
    const out = new PassThrough();
    out.on('data', (chunk) => {
      output += chunk;
      if (output.includes(`verified ${tag}`)) resolve();
    });
    docker.modem.demuxStream(stream, out, out);
    stream.on('end', () => reject(new Error(output.trim() || 'the guard exited')));
    stream.on('error', reject);
  });
  // Once start() has settled nobody waits on this any more: a guard that exits later (a daemon
  // restart, `docker stop`) must not become an unhandled rejection that ends the client's process.
  verified.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await container.start();
    if (!spec.initialState) return;
    await Promise.race([verified, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from the guard within 20 s')), 20_000)))]);
  } catch (error) {
    throw new SandboxError(
      'POLICY_FAILED',
      `The network guard of sandbox ${spec.name} could not load and verify its ${spec.initialState ? modeOf(spec.initialState) : 'closed'} policy: ${error instanceof Error ? dockerMessage(error) : String(error)}.`,
      'Check that the guard image has /bin/sh, iptables and ip6tables, and that Docker can run runc containers with NET_ADMIN (Sandboxes: Check Setup).',
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
}

/**
 * Loads the policy into the guard's namespace and verifies it, in one exec that runs entirely in
 * the guard (rules come in the environment, not over stdin), so a client that dies half way
 * leaves either the old or the new rules, never a mix from a cut-off stream.
 */
export async function applyPolicy(docker: Docker, guardId: string, state: PolicyState, network: NetworkInfo, options: { claim?: boolean } = {}): Promise<boolean> {
  const { env, tag } = policyEnv(state, network);
  let output = '';
  let exitCode: number;
  try {
    const proc = await startExec(docker, guardId, ['/bin/sh', '-c', options.claim ? CLAIM_SCRIPT : APPLY_SCRIPT], { env });
    proc.stdout.on('data', (chunk) => (output += chunk));
    proc.stderr.on('data', (chunk) => (output += chunk));
    proc.stdin.end();
    exitCode = await proc.wait();
  } catch (error) {
    throw new SandboxError(
      'POLICY_FAILED',
      `Could not apply the ${modeOf(state)} network policy: ${error instanceof Error ? error.message : String(error)}`,
      'Check that the sandbox and its guard container are running (Sandboxes: Check Setup).',
      { cause: error },
    );
  }
  if (options.claim && exitCode === CLAIMED_EXIT) return false;
  if (exitCode !== 0 || !output.includes(`verified ${tag}`)) {
    throw new SandboxError(
      'POLICY_FAILED',
      `The ${modeOf(state)} network policy could not be loaded and verified (exit ${exitCode}): ${output.trim() || 'no output'}.`,
      'Check that the guard image has working iptables and ip6tables (the kernel needs nf_tables or ip_tables), then try again.',
    );
  }
  return true;
}

/** The policy last applied, as the guard recorded it; null when it holds none (deny-all). */
export async function readPolicyState(docker: Docker, guardId: string): Promise<PolicyState | null> {
  const proc = await startExec(docker, guardId, ['cat', STATE_FILE]);
  let output = '';
  proc.stdout.on('data', (chunk) => (output += chunk));
  proc.stdin.end();
  if ((await proc.wait()) !== 0) return null;
  try {
    return JSON.parse(output) as PolicyState;
  } catch {
    return null;
  }
}

/** The guard's address on the sandboxes network: where tunnels connect to reach the sandbox. */
export async function guardAddress(docker: Docker, guardId: string): Promise<string> {
  const info = await docker.getContainer(guardId).inspect();
  const address = info.NetworkSettings.Networks?.[NETWORK_NAME]?.IPAddress;
  if (!address)
    throw new SandboxError(
      'TUNNEL_FAILED',
      'The sandbox has no address on the sandboxes network (is it running?).',
      'Start a new sandbox; ended sandboxes cannot forward ports.',
    );
  return address;
}
