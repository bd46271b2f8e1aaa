import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from '../errors';
import { startExec } from '../exec';
import { LABEL } from '../labels';
import type { TunnelKind } from '../types';
import { CHECK_NETWORK_FILES, COPY_NETWORK_FILES, NETWORK_FILES_BYTES, NETWORK_FILES_DIR } from './networkFiles';
import { NETWORK_NAME, ensureNetwork, ownAddresses, type NetworkInfo } from './sharedNetwork';
import { GATEWAY_CHAIN, GATEWAY_POST_CHAIN, RESOLVERS_PLACEHOLDER, denyAllRules, modeOf, needsGateway, renderGatewayNat, renderRules, type NetworkPolicy } from './policy';

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
/** guard:2 adds Debian's nodejs, for the egress gateway of domain allowlists (network/gateway.ts). */
export const DEFAULT_GUARD_IMAGE = 'sandboxes/guard:2';
const STATE_FILE = '/run/sandboxes-policy.json';
/** Docker's resolv.conf for the sandbox, kept while domain mode points it at the gateway. */
const RESOLV_ORIG = '/run/sandboxes-resolv.conf.docker';

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

const KEEP_ALIVE = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';
const READY_FILE = '/run/sandboxes-guard-ready';
/**
 * The guard's only writable place that outlives a restart: a small anonymous volume (its root
 * filesystem is read-only, /run and /tmp are tmpfs). Nothing else mounts it, so the sandbox,
 * which shares the guard's network namespace but not its mounts, cannot touch it.
 */
export const GUARD_STATE_DIR = '/var/lib/sandboxes-guard';
const FIRST_START_FILE = `${GUARD_STATE_DIR}/started`;
const RESOLVERS_FILE = `${GUARD_STATE_DIR}/resolvers`;

/**
 * Records, once, the upstream resolvers that Docker's embedded DNS forwards to from inside this
 * namespace: the engine's list ($HOST_RESOLVERS, as dockerd reads them on this machine), what
 * newer Docker versions note in resolv.conf (`# ExtServers: [...]`; `host(…)` entries are
 * forwarded from the host's namespace and are skipped later), and any other nameserver Docker
 * wrote there (20.10 lists IPv6 upstreams directly). Read at the guard's first start only: before
 * any sandbox exists, since a sandbox shares this resolv.conf file and could rewrite it.
 */
export const RECORD_RESOLVERS = [
  // Variables with defaults, so a unit test can run these lines on files of its own.
  `RESOLVERS=\${RESOLVERS:-${RESOLVERS_FILE}}; RESOLV_CONF=\${RESOLV_CONF:-/etc/resolv.conf}`,
  'if [ ! -e "$RESOLVERS" ]; then',
  '  { for ip in $HOST_RESOLVERS; do echo "$ip"; done',
  "    awk -F'[][]' '/^# *ExtServers:/ { print $2 }' \"$RESOLV_CONF\" | tr ' ,' '\\n\\n' || true",
  `    awk '$1 == "nameserver" && $2 != "127.0.0.11" { print $2 }' "$RESOLV_CONF" || true`,
  '  } > "$RESOLVERS.new" && mv "$RESOLVERS.new" "$RESOLVERS"',
  'fi',
].join('\n');

/**
 * Shell functions: `expand 4|6 RULES` replaces the RESOLVERS_PLACEHOLDER line by accepts for the
 * recorded resolvers of that family, port 53 only (UDP and TCP, replies checked by source). No
 * record (a guard from an older version): no such rules, i.e. outside names do not resolve.
 */
export const EXPAND_RESOLVERS = [
  `RESOLVERS=\${RESOLVERS:-${RESOLVERS_FILE}}`,
  'resolver_rules() {',
  '  [ -f "$RESOLVERS" ] || return 0',
  '  while read -r ip; do',
  "    case \"$ip\" in ''|*[!0-9a-fA-F.:]*) continue ;; esac",
  '    case "$ip" in *:*) [ "$1" = 6 ] || continue ;; *) [ "$1" = 4 ] || continue ;; esac',
  '    for p in udp tcp; do',
  '      printf \'%s\\n\' "-A OUTPUT -d $ip -p $p -m $p --dport 53 -j ACCEPT" "-A INPUT -s $ip -p $p -m $p --sport 53 -m conntrack --ctstate ESTABLISHED -j ACCEPT"',
  '    done',
  '  done < "$RESOLVERS"',
  '}',
  'expand() {',
  `  printf '%s\\n' "$2" | while IFS= read -r line; do if [ "$line" = '${RESOLVERS_PLACEHOLDER}' ]; then resolver_rules "$1"; else printf '%s\\n' "$line"; fi; done`,
  '}',
].join('\n');

/**
 * Loads $RULES_V4/$RULES_V6 (filter) and $NAT_V4/$NAT_V6 (our nat chain, the egress gateway's
 * DNAT: policy.ts renderGatewayNat), verifies that the rules tagged $TAG are live, records $STATE.
 * Filter first: entering domain mode, nothing reaches the gateway's DNAT before the filter lets
 * the sandbox reach only the gateway; leaving it, the filter refuses the gateway before the DNAT
 * goes. Docker's own nat chains (its DNS) are never flushed: only our chain is rewritten.
 */
const APPLY = [
  EXPAND_RESOLVERS,
  'expand 4 "$RULES_V4" | iptables-restore',
  'if [ -e /proc/net/if_inet6 ]; then expand 6 "$RULES_V6" | ip6tables-restore; fi',
  'iptables-save -t filter | grep -qF -- "$TAG"',
  'if [ -e /proc/net/if_inet6 ]; then ip6tables-save -t filter | grep -qF -- "$TAG"; fi',
  'link() { $1 -t nat -N $3 2>/dev/null || true; $1 -t nat -C $2 -j $3 2>/dev/null || $1 -t nat -A $2 -j $3; }',
  `nat() { link $1 OUTPUT ${GATEWAY_CHAIN}; link $1 POSTROUTING ${GATEWAY_POST_CHAIN}; printf "%s" "$2" | $1-restore --noflush; $1-save -t nat | grep -qF -- "$TAG"; }`,
  'if [ -n "$NAT_V4" ]; then nat iptables "$NAT_V4"; fi',
  'if [ -n "$NAT_V6" ] && [ -e /proc/net/if_inet6 ]; then nat ip6tables "$NAT_V6"; fi',
  // Domain allowlist: the sandbox's resolv.conf (its read-only bind of the guard's copy, rewritten
  // in place so the bind sees it) names the gateway; Docker's own is kept to restore it after.
  `if [ -n "$DNS_GATEWAY" ]; then [ -e ${RESOLV_ORIG} ] || cp ${NETWORK_FILES_DIR}/resolv.conf ${RESOLV_ORIG}; printf 'nameserver %s\\n' "$DNS_GATEWAY" > ${NETWORK_FILES_DIR}/resolv.conf; elif [ -e ${RESOLV_ORIG} ]; then cat ${RESOLV_ORIG} > ${NETWORK_FILES_DIR}/resolv.conf; rm -f ${RESOLV_ORIG}; fi`,
  `printf "%s" "$STATE" > ${STATE_FILE}`,
  'echo "verified $TAG"',
].join('\n');

/**
 * PID 1 of the guard. Every start closes the namespace first; if that fails the guard exits and
 * nothing can join it. Only the first start then loads the sandbox's initial policy (saving an
 * exec on the creation path): the marker is written before, so a guard that starts again
 * (daemon restart, `docker start`, a crash mid-load) stays closed until the engine applies a
 * policy. `ready` tells later applies that the deny-all load is done and cannot overwrite them.
 */
const GUARD_SCRIPT = [
  'set -e',
  'printf "%s" "$DENY_V4" | iptables-restore',
  'if [ -e /proc/net/if_inet6 ]; then printf "%s" "$DENY_V6" | ip6tables-restore; fi',
  RECORD_RESOLVERS,
  // The sandbox's read-only /etc/hosts, resolv.conf and hostname (networkFiles.ts explains why).
  COPY_NETWORK_FILES,
  // A spare guard (no $TAG) has no policy yet: it stays closed until a sandbox claims it.
  `if [ -n "$TAG" ] && [ ! -e ${FIRST_START_FILE} ]; then`,
  `  touch ${FIRST_START_FILE}`,
  APPLY,
  'fi',
  `touch ${READY_FILE}`,
  'set +e',
  KEEP_ALIVE,
].join('\n');

const WAIT_READY = `i=0; while [ ! -e ${READY_FILE} ]; do i=$((i+1)); if [ $i -gt 200 ]; then echo "the guard never became ready" >&2; exit 3; fi; sleep 0.05; done`;
const CLAIMED_EXIT = 9;

export const APPLY_SCRIPT = [
  'set -e',
  // Wait (bounded) until PID 1 has loaded its deny-all rules, so they cannot land after ours.
  WAIT_READY,
  APPLY,
].join('\n');

/** Taking a spare guard: `mkdir` is atomic, so of two clients racing for it exactly one wins. */
const CLAIM_SCRIPT = ['set -e', WAIT_READY, CHECK_NETWORK_FILES, `mkdir /run/sandboxes-claimed 2>/dev/null || exit ${CLAIMED_EXIT}`, APPLY].join('\n');

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
  const ctx = { gatewayV4: network.gatewayV4, gatewayV6: network.gatewayV6, forwardedPorts: state.forwards.map((f) => f.port), tag, ownAddresses: ownAddresses(network), gateway: state.gateway };
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
      Mounts: [{ Type: 'volume', Source: '', Target: GUARD_STATE_DIR, VolumeOptions: { NoCopy: true, Labels: { ...spec.labels, [LABEL.role]: 'guard-state' }, DriverConfig: { Name: 'local', Options: {} } } }],
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
    await Promise.race([
      verified,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from the guard within 20 s')), 20_000))),
    ]);
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
    throw new SandboxError('POLICY_FAILED', `Could not apply the ${modeOf(state)} network policy: ${error instanceof Error ? error.message : String(error)}`, 'Check that the sandbox and its guard container are running (Sandboxes: Check Setup).', { cause: error });
  }
  if (options.claim && exitCode === CLAIMED_EXIT) return false;
  if (exitCode !== 0 || !output.includes(`verified ${tag}`)) {
    throw new SandboxError('POLICY_FAILED', `The ${modeOf(state)} network policy could not be loaded and verified (exit ${exitCode}): ${output.trim() || 'no output'}.`, 'Check that the guard image has working iptables and ip6tables (the kernel needs nf_tables or ip_tables), then try again.');
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
  if (!address) throw new SandboxError('TUNNEL_FAILED', 'The sandbox has no address on the sandboxes network (is it running?).', 'Start a new sandbox; ended sandboxes cannot forward ports.');
  return address;
}
