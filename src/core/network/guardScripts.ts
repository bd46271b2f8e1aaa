/**
 * The guard's shell scripts (run by /bin/sh in the guard image): its main script, loading and
 * verifying a policy, claiming a spare guard, and the upstream resolvers it records on first
 * start. guard.ts runs them; their inputs come through the environment ($RULES_V4, $TAG, $STATE…).
 */
import { CHECK_NETWORK_FILES, COPY_NETWORK_FILES, NETWORK_FILES_DIR } from './networkFiles';
import { GATEWAY_CHAIN, GATEWAY_POST_CHAIN, RESOLVERS_PLACEHOLDER } from './policy';

/** Where the guard records the policy in force (read back by readPolicyState). */
export const STATE_FILE = '/run/sandboxes-policy.json';
/** Docker's resolv.conf for the sandbox, kept while domain mode points it at the gateway. */
const RESOLV_ORIG = '/run/sandboxes-resolv.conf.docker';

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
  '    case "$ip" in \'\'|*[!0-9a-fA-F.:]*) continue ;; esac',
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
export const GUARD_SCRIPT = [
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
export const CLAIMED_EXIT = 9;

export const APPLY_SCRIPT = [
  'set -e',
  // Wait (bounded) until PID 1 has loaded its deny-all rules, so they cannot land after ours.
  WAIT_READY,
  APPLY,
].join('\n');

/** Taking a spare guard: `mkdir` is atomic, so of two clients racing for it exactly one wins. */
export const CLAIM_SCRIPT = ['set -e', WAIT_READY, CHECK_NETWORK_FILES, `mkdir /run/sandboxes-claimed 2>/dev/null || exit ${CLAIMED_EXIT}`, APPLY].join('\n');
