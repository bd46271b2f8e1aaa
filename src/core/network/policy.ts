import * as ipaddr from 'ipaddr.js';
import { SandboxError } from '../errors';
import { GATEWAY_DNS_PORT, RESERVED_PORTS, gatewayListenPort } from './gatewayPorts';
import { parseDomainEntry } from './domains';
import { parseCidr } from './cidr';
import { modeOf, type NetworkMode, type NetworkPolicy } from '../../shared/networkModes';

// The policy type and its mode live in modes.ts (pure: the webviews use them too).
export { modeOf, type NetworkPolicy };

// parseCidr lives in cidr.ts (no Node imports: the create form's webview bundles it).
export { parseCidr, type ParsedCidr } from './cidr';

export const OPEN_POLICY: NetworkPolicy = { blockNetwork: false, cidrAllowlist: [] };

/** Validates a policy from any source; one error names every bad entry (CIDRs and names together). */
export function validatePolicy(
  input: { blockNetwork?: unknown; cidrAllowlist?: unknown; domainAllowlist?: unknown },
  source = 'cidrAllowlist',
  domainSource = 'domainAllowlist',
): NetworkPolicy {
  const problems: string[] = [];
  if (input.blockNetwork !== undefined && input.blockNetwork !== null && typeof input.blockNetwork !== 'boolean') problems.push('blockNetwork must be true or false');
  const list = input.cidrAllowlist ?? [];
  if (!Array.isArray(list)) problems.push(`${source} must be an array of CIDR strings`);
  const cidrs: string[] = [];
  if (Array.isArray(list)) {
    list.forEach((entry, i) => {
      if (typeof entry !== 'string') return void problems.push(`${source}[${i}] must be a string`);
      const parsed = parseCidr(entry);
      if (typeof parsed === 'string') problems.push(`${source}[${i}] "${entry}" ${parsed}`);
      else if (!cidrs.includes(parsed.cidr)) cidrs.push(parsed.cidr);
    });
  }
  const cidrProblems = problems.length;
  const domains = validDomains(input.domainAllowlist, domainSource, problems);
  if (problems.length) {
    const names = problems.length > cidrProblems;
    throw new SandboxError(
      'INVALID_POLICY',
      `Invalid network policy: ${problems.join('; ')}. Nothing was applied.`,
      `Correct the entries named above (${cidrProblems ? 'IPv4/IPv6 CIDRs such as 10.0.0.0/8 or single addresses such as 192.0.2.7' : ''}${cidrProblems && names ? '; ' : ''}${names ? 'host names such as example.org, *.example.com for the names below a domain, or name:port for another TCP port' : ''}), e.g. in the setting ${names && !cidrProblems ? 'sandboxes.network.domainAllowlist' : 'sandboxes.network.cidrAllowlist'}.`,
    );
  }
  const policy: NetworkPolicy = { blockNetwork: input.blockNetwork === true, cidrAllowlist: cidrs };
  if (domains.length) policy.domainAllowlist = domains;
  return policy;
}

/** The normalised domain entries (no duplicates); problems are added to `problems`. */
function validDomains(list: unknown, source: string, problems: string[]): string[] {
  const entries: string[] = [];
  if (list === undefined || list === null) return entries;
  if (!Array.isArray(list)) {
    problems.push(`${source} must be an array of host names`);
    return entries;
  }
  list.forEach((entry, i) => {
    if (typeof entry !== 'string') return void problems.push(`${source}[${i}] must be a string`);
    const parsed = parseDomainEntry(entry);
    if (typeof parsed === 'string') return void problems.push(`${source}[${i}] "${entry}" ${parsed}`);
    // The gateway listens on 15000 + port for ports below 1024 (gateway/ports.ts).
    const reserved = parsed.ports.find((p) => p !== 80 && p !== 443 && p >= RESERVED_PORTS.from && p <= RESERVED_PORTS.to);
    if (reserved !== undefined)
      return void problems.push(`${source}[${i}] "${entry}" uses port ${reserved}, which the egress gateway keeps for itself (${RESERVED_PORTS.from}–${RESERVED_PORTS.to})`);
    if (!entries.includes(parsed.entry)) entries.push(parsed.entry);
  });
  return entries;
}

/** The TCP ports a domain list sends through the gateway: 80 and 443, and every `name:port`. */
export function gatewayPorts(policy: NetworkPolicy): number[] {
  const ports = new Set<number>([80, 443]);
  for (const entry of policy.domainAllowlist ?? []) {
    const parsed = parseDomainEntry(entry);
    if (typeof parsed !== 'string') for (const port of parsed.ports) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Whether the policy needs an egress gateway: a domain list, and the network not blocked. */
export function needsGateway(policy: NetworkPolicy): boolean {
  return !policy.blockNetwork && (policy.domainAllowlist?.length ?? 0) > 0;
}

/** Chain of ours in the nat table of the sandbox's namespace; Docker's own chains are never touched. */
export const GATEWAY_CHAIN = 'SANDBOXES_GW';
/**
 * Linked from nat POSTROUTING: what goes to the gateway leaves with the guard's own address on
 * the sandboxes network. The source was chosen for the address the sandbox dialled; when the
 * guard is also on that address's network (connected by someone), it would be an address the
 * gateway does not accept, and whose replies route elsewhere.
 */
export const GATEWAY_POST_CHAIN = 'SANDBOXES_GW_POST';

/**
 * What "open" refuses unless an allowlist names it: everything that is not the public internet.
 * Private networks are the host's LAN, other containers, cloud metadata (169.254.169.254) and
 * the host itself; an open sandbox is meant to reach the internet, not those. The documentation
 * ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are deliberately NOT
 * here: nothing real lives there, and tests use them as their stand-in for "the internet".
 */
export const NON_PUBLIC_V4: readonly string[] = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // carrier-grade NAT (RFC 6598)
  '127.0.0.0/8', // loopback, on any interface but lo (lo is accepted before)
  '169.254.0.0/16', // link-local: cloud metadata endpoints (169.254.169.254)
  '172.16.0.0/12', // RFC 1918: Docker's default networks
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, with 255.255.255.255 (broadcast)
];

export const NON_PUBLIC_V6: readonly string[] = [
  '::/96', // unspecified (::), loopback (::1) and deprecated IPv4-compatible addresses
  '::ffff:0:0/96', // IPv4-mapped: never on the wire
  '64:ff9b:1::/48', // local-use NAT64 (RFC 8215)
  'fc00::/7', // unique local addresses
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated)
  'ff00::/8', // multicast
  // The refused IPv4 ranges as reached through the well-known NAT64 prefix and 6to4.
  ...NON_PUBLIC_V4.map((cidr) => embedV4('64:ff9b::', 96, cidr)),
  ...NON_PUBLIC_V4.map((cidr) => embedV4('2002::', 16, cidr)),
];

/** An IPv4 CIDR embedded in an IPv6 prefix at bit `at` (NAT64 at 96, 6to4 at 16). */
function embedV4(prefix: string, at: number, cidr: string): string {
  const [address, bits] = cidr.split('/');
  const words = ipaddr.IPv6.parse(prefix).toByteArray();
  ipaddr.IPv4.parse(address)
    .toByteArray()
    .forEach((byte, i) => (words[at / 8 + i] = byte));
  const embedded = ipaddr.IPv6.networkAddressFromCIDR(`${ipaddr.fromByteArray(words).toString()}/${at + Number(bits)}`);
  return `${embedded.toString()}/${at + Number(bits)}`;
}

/** The comment line a guard replaces by the rules for its recorded upstream resolvers (guard.ts). */
export const RESOLVERS_PLACEHOLDER = '# sandboxes:resolvers';
/** Docker's embedded DNS, inside every container on a user-defined network. */
export const DOCKER_DNS = '127.0.0.11';

export interface RuleContext {
  /** The Docker network's gateway: this machine, where forwarded ports are reached from. */
  gatewayV4?: string;
  gatewayV6?: string;
  /** TCP ports inside the sandbox that this machine may connect to (tunnels). */
  forwardedPorts: number[];
  /** Recorded in a rule comment, and checked after loading: proves these exact rules are live. */
  tag: string;
  /**
   * Refused in open mode besides the non-public ranges: addresses of this machine and of
   * Docker's networks (any family; single addresses or CIDRs), which may well be public ones.
   */
  ownAddresses?: string[];
  /** The egress gateway's addresses (domain allowlist): the only place DNS and web traffic go. */
  gateway?: { v4?: string; v6?: string };
}

/**
 * iptables-restore input for the filter table of the sandbox's network namespace, IPv4 and IPv6.
 * Only the filter table: Docker's embedded DNS keeps its DNAT rules in nat.
 *
 * Every packet is checked, not only new connections: outbound against the destinations the
 * policy allows, and inbound replies against the same addresses as sources, so tightening the
 * policy also cuts connections and UDP flows already open to what is no longer allowed. Refused
 * outbound traffic gets an immediate reset or unreachable, not a silent drop, so tools fail fast.
 *
 * Open mode sends its public-only test through two chains, PUBLIC-OUT and PUBLIC-IN: each
 * refused range RETURNs (to the reject at the end of OUTPUT, or INPUT's drop), the rest is
 * accepted. Docker's DNS forwarder reaches the host's upstream resolvers, on port 53 only,
 * through rules the guard puts at RESOLVERS_PLACEHOLDER (it recorded them when it first started).
 */
export function renderRules(policy: NetworkPolicy, ctx: RuleContext): { v4: string; v6: string } {
  const mode = modeOf(policy);
  const render = (family: 4 | 6): string => {
    const gateway = family === 4 ? ctx.gatewayV4 : ctx.gatewayV6;
    const icmp = family === 4 ? 'icmp' : 'ipv6-icmp';
    const lines = ['*filter', ':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT DROP [0:0]'];
    if (mode === 'open') lines.push(':PUBLIC-OUT - [0:0]', ':PUBLIC-IN - [0:0]');
    lines.push(`-A INPUT -i lo -m comment --comment "${ctx.tag}" -j ACCEPT`);
    if (family === 6) {
      // Neighbour discovery is IPv6's ARP: without it not even an allowed on-link address resolves.
      for (const type of ['neighbour-solicitation', 'neighbour-advertisement']) {
        lines.push(`-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -m hl --hl-eq 255 -j ACCEPT`);
      }
    }
    // Errors about the sandbox's own connections (unreachable, too big) come from any router.
    lines.push(`-A INPUT -p ${icmp} -m conntrack --ctstate RELATED -j ACCEPT`);
    for (const port of ctx.forwardedPorts) {
      if (gateway) lines.push(`-A INPUT -s ${gateway} -p tcp -m tcp --dport ${port} -j ACCEPT`);
    }
    // Domain allowlist: the sandbox's resolv.conf names the gateway (guard.ts), and Docker's DNS is
    // refused too: it answers container names itself and, on engines that forward from the host's
    // namespace (a loopback resolver), would resolve any name past the gateway.
    const viaGateway = mode === 'allowlist' && needsGateway(policy) && Boolean(ctx.gateway?.v4);
    if ((mode === 'blocked' || viaGateway) && family === 4) {
      // Not even Docker's DNS: it would name the other containers on the sandbox's networks.
      lines.push(`-A OUTPUT -d ${DOCKER_DNS}/32 -p tcp -j REJECT --reject-with tcp-reset`);
      lines.push(`-A OUTPUT -d ${DOCKER_DNS}/32 -j REJECT --reject-with icmp-port-unreachable`);
    }
    lines.push('-A OUTPUT -o lo -j ACCEPT');
    if (family === 6) {
      for (const type of ['neighbour-solicitation', 'neighbour-advertisement']) {
        lines.push(`-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -m hl --hl-eq 255 -j ACCEPT`);
      }
    }
    for (const port of ctx.forwardedPorts) {
      if (gateway) lines.push(`-A OUTPUT -d ${gateway} -p tcp -m tcp --sport ${port} -m conntrack --ctstate ESTABLISHED -j ACCEPT`);
    }
    pushModeRules(lines, policy, mode, family, ctx);
    lines.push('-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset');
    lines.push(`-A OUTPUT -j REJECT --reject-with ${family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable'}`);
    lines.push('COMMIT', '');
    return lines.join('\n');
  };
  return { v4: render(4), v6: render(6) };
}

/** The rules that make each mode what it is (after the common ones, before the final rejects). */
function pushModeRules(lines: string[], policy: NetworkPolicy, mode: NetworkMode, family: 4 | 6, ctx: RuleContext): void {
  if (mode === 'open') {
    // Replaced by the guard: -A OUTPUT/-A INPUT accepts for its upstream resolvers, port 53.
    lines.push(RESOLVERS_PLACEHOLDER);
    lines.push('-A INPUT -m conntrack --ctstate ESTABLISHED -j PUBLIC-IN');
    lines.push('-A OUTPUT -j PUBLIC-OUT');
    if (family === 4) lines.push('-A PUBLIC-OUT -m addrtype --dst-type BROADCAST -j RETURN');
    for (const cidr of openRefusals(family, ctx.ownAddresses ?? [])) {
      lines.push(`-A PUBLIC-OUT -d ${cidr} -j RETURN`);
      lines.push(`-A PUBLIC-IN -s ${cidr} -j RETURN`);
    }
    lines.push('-A PUBLIC-OUT -j ACCEPT', '-A PUBLIC-IN -j ACCEPT');
  } else if (mode === 'allowlist') {
    const gw = family === 4 ? ctx.gateway?.v4 : ctx.gateway?.v6;
    if (gw && needsGateway(policy)) {
      // After the nat chain's DNAT: the gateway's own ports only. Replies come back un-NATed
      // (their source is what the sandbox dialled), so they are matched by the gateway's
      // address in the reply direction of the connection.
      const ports = [GATEWAY_DNS_PORT, ...gatewayPorts(policy).map(gatewayListenPort)].join(',');
      lines.push(`-A OUTPUT -d ${gw} -p udp -m udp --dport ${GATEWAY_DNS_PORT} -j ACCEPT`);
      lines.push(`-A OUTPUT -d ${gw} -p tcp -m multiport --dports ${ports} -j ACCEPT`);
      lines.push(`-A INPUT -m conntrack --ctstate ESTABLISHED --ctreplsrc ${gw} -j ACCEPT`);
    }
    for (const entry of policy.cidrAllowlist) {
      const parsed = parseCidr(entry);
      if (typeof parsed === 'string' || parsed.family !== family) continue;
      lines.push(`-A OUTPUT -d ${parsed.cidr} -j ACCEPT`);
      lines.push(`-A INPUT -s ${parsed.cidr} -m conntrack --ctstate ESTABLISHED -j ACCEPT`);
    }
  }
}

/**
 * The ranges open mode refuses for one family: the non-public ones, then this machine's and
 * Docker's own addresses that are not already inside them (public ones, on some hosts).
 */
export function openRefusals(family: 4 | 6, ownAddresses: string[]): string[] {
  const ranges = [...(family === 4 ? NON_PUBLIC_V4 : NON_PUBLIC_V6)];
  const parsed = ranges.map((cidr) => ipaddr.parseCIDR(cidr));
  for (const entry of ownAddresses) {
    const own = parseCidr(entry);
    if (typeof own === 'string' || own.family !== family || ranges.includes(own.cidr)) continue;
    const [address, size] = ipaddr.parseCIDR(own.cidr);
    if (parsed.some(([net, bits]) => size >= bits && address.kind() === net.kind() && address.match(net, bits))) continue;
    ranges.push(own.cidr);
    parsed.push(ipaddr.parseCIDR(own.cidr));
  }
  return ranges;
}

/**
 * iptables-restore --noflush input for the nat table: our chain GATEWAY_CHAIN only (linked from
 * nat OUTPUT once, by the guard). With a gateway: loopback (Docker's DNS at 127.0.0.11) and the
 * CIDR list go on as they are; DNS (UDP/TCP 53 to any address, also Docker's DNS forwarding from
 * inside the namespace) and the gateway's TCP ports go to the gateway, whatever address the
 * sandbox dialled. Without one the chain is empty. The tag proves the chain is live.
 */
export function renderGatewayNat(policy: NetworkPolicy, ctx: RuleContext): { v4: string; v6: string } {
  const render = (family: 4 | 6): string => {
    const gw = family === 4 ? ctx.gateway?.v4 : ctx.gateway?.v6;
    const lines = ['*nat', `:${GATEWAY_CHAIN} - [0:0]`, `:${GATEWAY_POST_CHAIN} - [0:0]`, `-A ${GATEWAY_CHAIN} -o lo -m comment --comment "${ctx.tag}" -j RETURN`];
    if (gw && needsGateway(policy) && modeOf(policy) === 'allowlist') {
      lines.push(`-A ${GATEWAY_POST_CHAIN} -d ${gw} -j MASQUERADE`);
      for (const entry of policy.cidrAllowlist) {
        const parsed = parseCidr(entry);
        if (typeof parsed !== 'string' && parsed.family === family) lines.push(`-A ${GATEWAY_CHAIN} -d ${parsed.cidr} -j RETURN`);
      }
      const to = (port: number) => (family === 4 ? `${gw}:${port}` : `[${gw}]:${port}`);
      lines.push(`-A ${GATEWAY_CHAIN} -p udp -m udp --dport 53 -j DNAT --to-destination ${to(GATEWAY_DNS_PORT)}`);
      lines.push(`-A ${GATEWAY_CHAIN} -p tcp -m tcp --dport 53 -j DNAT --to-destination ${to(GATEWAY_DNS_PORT)}`);
      for (const port of gatewayPorts(policy)) lines.push(`-A ${GATEWAY_CHAIN} -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${to(gatewayListenPort(port))}`);
    }
    lines.push('COMMIT', '');
    return lines.join('\n');
  };
  return { v4: render(4), v6: render(6) };
}

/** What a guard applies when it starts, before anyone asks: nothing but loopback. */
export function denyAllRules(tag: string): { v4: string; v6: string } {
  return renderRules({ blockNetwork: true, cidrAllowlist: [] }, { forwardedPorts: [], tag });
}
