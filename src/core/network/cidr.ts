import * as ipaddr from 'ipaddr.js';

export interface ParsedCidr {
  family: 4 | 6;
  /** Normalised "address/prefix". */
  cidr: string;
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
    if (ipaddr.parse(text).kind() === 'ipv6' && (ipaddr.parse(text) as ipaddr.IPv6).isIPv4MappedAddress())
      return 'is an IPv4-mapped IPv6 address; write the IPv4 address instead';
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
