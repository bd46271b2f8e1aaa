import * as ipaddr from 'ipaddr.js';
import { SandboxError } from '../errors';
import type { NetworkMode } from '../types';

/**
 * A sandbox's network policy, as Modal names it: `blockNetwork` wins; otherwise a non-empty
 * `cidrAllowlist` limits outbound traffic to those networks; otherwise outbound is open.
 * Inbound is always limited to the sandbox's forwarded ports, from this machine.
 */
export interface NetworkPolicy {
  blockNetwork: boolean;
  cidrAllowlist: string[];
}

export interface ParsedCidr {
  family: 4 | 6;
  /** Normalised "address/prefix". */
  cidr: string;
}

export const OPEN_POLICY: NetworkPolicy = { blockNetwork: false, cidrAllowlist: [] };

export function modeOf(policy: NetworkPolicy): NetworkMode {
  if (policy.blockNetwork) return 'blocked';
  return policy.cidrAllowlist.length > 0 ? 'allowlist' : 'open';
}

/**
 * Parses one allowlist entry: a CIDR or a single address (which means /32 or /128). Returns an
 * error text instead of throwing, so callers can report every bad entry at once. Host bits set
 * ("10.0.0.1/8") are an error, never silently widened to the network.
 */
export function parseCidr(entry: string): ParsedCidr | string {
  const text = entry.trim();
  if (!text) return 'is empty';
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  // ipaddr.js also accepts inet_aton forms ("10", "10.1", octal "010.0.0.1", hex): ambiguous in
  // an allowlist, so only four-part decimal IPv4 and plain IPv6 without a zone are accepted.
  if (address.includes('%')) return 'has an IPv6 zone id (%…), which a network policy cannot use';
  if (!address.includes(':') && !/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(address)) {
    return 'is not an IPv4 or IPv6 address or CIDR (IPv4 is four decimal numbers, e.g. 10.0.0.0/8)';
  }
  if (slash !== -1 && !/^\d{1,3}$/.test(text.slice(slash + 1))) return 'is not a valid CIDR (expected e.g. 10.0.0.0/8 or fd00::/8)';
  if (slash === -1) {
    if (!ipaddr.isValid(text)) return 'is not an IPv4 or IPv6 address or CIDR';
    if (ipaddr.parse(text).kind() === 'ipv6' && (ipaddr.parse(text) as ipaddr.IPv6).isIPv4MappedAddress()) return 'is an IPv4-mapped IPv6 address; write the IPv4 address instead';
    const addr = ipaddr.parse(text);
    const family = addr.kind() === 'ipv4' ? 4 : 6;
    return { family, cidr: `${addr.toString()}/${family === 4 ? 32 : 128}` };
  }
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    return 'is not a valid CIDR (expected e.g. 10.0.0.0/8 or fd00::/8)';
  }
  const [addr, prefix] = parsed;
  const family = addr.kind() === 'ipv4' ? 4 : 6;
  if (family === 6 && (addr as ipaddr.IPv6).isIPv4MappedAddress()) return 'is an IPv4-mapped IPv6 CIDR; write the IPv4 CIDR instead';
  const network = family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  if (network.toString() !== addr.toString()) {
    return `has host bits set; did you mean ${network.toString()}/${prefix}?`;
  }
  return { family, cidr: `${addr.toString()}/${prefix}` };
}

/** Validates a policy from any source; one error names every bad entry. */
export function validatePolicy(input: { blockNetwork?: unknown; cidrAllowlist?: unknown }, source = 'cidrAllowlist'): NetworkPolicy {
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
  if (problems.length) {
    throw new SandboxError(
      'INVALID_POLICY',
      `Invalid network policy: ${problems.join('; ')}. Nothing was applied.`,
      'Correct the entries named above (IPv4/IPv6 CIDRs such as 10.0.0.0/8 or single addresses such as 192.0.2.7), e.g. in the setting sandboxes.network.cidrAllowlist.',
    );
  }
  return { blockNetwork: input.blockNetwork === true, cidrAllowlist: cidrs };
}

export interface RuleContext {
  /** The Docker network's gateway: this machine, where forwarded ports are reached from. */
  gatewayV4?: string;
  gatewayV6?: string;
  /** TCP ports inside the sandbox that this machine may connect to (tunnels). */
  forwardedPorts: number[];
  /** Recorded in a rule comment, and checked after loading: proves these exact rules are live. */
  tag: string;
}

/**
 * iptables-restore input for the filter table of the sandbox's network namespace, IPv4 and IPv6.
 * Only the filter table: Docker's embedded DNS keeps its DNAT rules in nat.
 *
 * Outbound is checked on every packet, not only for new connections, so tightening the policy
 * also cuts connections already open to destinations no longer allowed. Refused traffic gets
 * an immediate reset or unreachable, not a silent drop, so tools fail fast.
 */
export function renderRules(policy: NetworkPolicy, ctx: RuleContext): { v4: string; v6: string } {
  const mode = modeOf(policy);
  const render = (family: 4 | 6): string => {
    const gateway = family === 4 ? ctx.gatewayV4 : ctx.gatewayV6;
    const lines = ['*filter', ':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT DROP [0:0]'];
    lines.push(`-A INPUT -i lo -m comment --comment "${ctx.tag}" -j ACCEPT`);
    if (family === 6) {
      // Neighbour discovery is IPv6's ARP: without it not even an allowed on-link address resolves.
      for (const type of ['neighbour-solicitation', 'neighbour-advertisement']) {
        lines.push(`-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -m hl --hl-eq 255 -j ACCEPT`);
      }
    }
    // Replies to what the sandbox sent; the OUTPUT chain decides what it may send.
    lines.push('-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
    for (const port of ctx.forwardedPorts) {
      if (gateway) lines.push(`-A INPUT -s ${gateway} -p tcp -m tcp --dport ${port} -j ACCEPT`);
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
    if (mode === 'open') {
      lines.push('-A OUTPUT -j ACCEPT');
    } else if (mode === 'allowlist') {
      for (const entry of policy.cidrAllowlist) {
        const parsed = parseCidr(entry);
        if (typeof parsed !== 'string' && parsed.family === family) lines.push(`-A OUTPUT -d ${parsed.cidr} -j ACCEPT`);
      }
    }
    lines.push('-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset');
    lines.push(`-A OUTPUT -j REJECT --reject-with ${family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable'}`);
    lines.push('COMMIT', '');
    return lines.join('\n');
  };
  return { v4: render(4), v6: render(6) };
}

/** What a guard applies when it starts, before anyone asks: nothing but loopback. */
export function denyAllRules(tag: string): { v4: string; v6: string } {
  return renderRules({ blockNetwork: true, cidrAllowlist: [] }, { forwardedPorts: [], tag });
}
