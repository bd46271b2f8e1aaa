import * as ipaddr from 'ipaddr.js';

/**
 * Which addresses the egress gateway may connect to for an allowed name (issue #12): never one
 * that is not the public internet — loopback, private, link-local (cloud metadata at
 * 169.254.169.254), CGNAT, unique-local IPv6, multicast, reserved — nor one of this machine's or
 * the sandboxes network's (`deny`), also when written as IPv4-mapped, NAT64 or 6to4 IPv6; unless
 * the CIDR allowlist names it (`cidrs`: an explicit entry wins). The documentation ranges are
 * public here, like in open mode: tests use them as their stand-in for the internet.
 */
const NOT_PUBLIC_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
].map((c) => ipaddr.parseCIDR(c));
const NOT_PUBLIC_V6 = ['::/96', '::ffff:0:0/96', '64:ff9b:1::/48', '100::/64', '2001::/32', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8'].map((c) => ipaddr.parseCIDR(c));

export interface AddressRules {
  /** The CIDR allowlist: reachable even when not public. */
  cidrs: readonly string[];
  /** This machine's and Docker's addresses (single addresses or CIDRs): refused even when public. */
  deny: readonly string[];
}

function inList(addr: ipaddr.IPv4 | ipaddr.IPv6, list: readonly string[]): boolean {
  return list.some((entry) => {
    try {
      const parsed = ipaddr.parseCIDR(entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`);
      return parsed[0].kind() === addr.kind() && addr.match(parsed);
    } catch {
      return false;
    }
  });
}

/** The IPv4 address an IPv6 one carries (mapped, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedV4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (addr.isIPv4MappedAddress()) return addr.toIPv4Address();
  const bytes = addr.toByteArray();
  if (addr.match(ipaddr.parseCIDR('64:ff9b::/96'))) return new ipaddr.IPv4(bytes.slice(12, 16));
  if (addr.match(ipaddr.parseCIDR('2002::/16'))) return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

/** Why the gateway may not connect to `text`, or null when it may. Unparsable text is refused. */
export function refusedAddress(text: string, rules: AddressRules): string | null {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(text);
  } catch {
    return 'not an address';
  }
  if (inList(addr, rules.cidrs)) return null;
  if (addr.kind() === 'ipv6') {
    const v4 = embeddedV4(addr as ipaddr.IPv6);
    if (v4) {
      if (inList(v4, rules.cidrs) && (addr as ipaddr.IPv6).isIPv4MappedAddress()) return null;
      const inner = refusedAddress(v4.toString(), { cidrs: [], deny: rules.deny });
      if (inner) return `${inner}, inside an IPv6 address`;
    }
  }
  if (inList(addr, rules.deny)) return 'this machine or the sandboxes network';
  const ranges = addr.kind() === 'ipv4' ? NOT_PUBLIC_V4 : NOT_PUBLIC_V6;
  if (ranges.some((r) => r[0].kind() === addr.kind() && addr.match(r))) return `not a public address (${addr.range()})`;
  return null;
}
