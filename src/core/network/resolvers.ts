import * as fs from 'node:fs';
import * as ipaddr from 'ipaddr.js';

/**
 * The upstream resolvers Docker's embedded DNS (127.0.0.11) forwards outside lookups to. It
 * forwards from inside the sandbox's network namespace, so the policy must let exactly those
 * addresses through on port 53 (often private ones, which open mode otherwise refuses).
 *
 * dockerd takes them from its `dns` setting if there is one, otherwise from the host's
 * /etc/resolv.conf, and when that names only a loopback resolver (systemd-resolved's
 * 127.0.0.53), from /run/systemd/resolve/resolv.conf; loopback entries are dropped (unreachable
 * from a container). This reads the same files, so it is right only when the engine runs on this
 * machine. Newer Docker versions also write the list into the container's resolv.conf
 * (`# ExtServers: [...]`), which the guard itself records (guard.ts).
 */
export interface ResolverSources {
  daemonJson?: string;
  resolvConf?: string;
  systemdResolvConf?: string;
}

/** Pure: the resolvers dockerd would forward to, from the files' contents. */
export function upstreamResolvers(sources: ResolverSources): string[] {
  const configured = daemonDns(sources.daemonJson);
  if (configured.length) return configured;
  const host = nameservers(sources.resolvConf ?? '');
  if (host.usable.length === 0 && host.loopback && sources.systemdResolvConf) return nameservers(sources.systemdResolvConf).usable;
  return host.usable;
}

/** Reads this machine's files (missing ones count as empty). */
export function localUpstreamResolvers(read: (file: string) => string | undefined = readIfPresent): string[] {
  return upstreamResolvers({
    daemonJson: read('/etc/docker/daemon.json'),
    resolvConf: read('/etc/resolv.conf'),
    systemdResolvConf: read('/run/systemd/resolve/resolv.conf'),
  });
}

/** Keeps the entries that are plain IPv4/IPv6 addresses (no zone, no mapped form), normalised. */
export function validResolvers(entries: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    const text = entry.trim();
    if (!ipaddr.isValid(text) || text.includes('%') || (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text))) continue;
    const address = ipaddr.parse(text);
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) continue;
    const normal = address.toString();
    if (!out.includes(normal)) out.push(normal);
  }
  return out;
}

function nameservers(text: string): { usable: string[]; loopback: boolean } {
  const listed = text
    .split('\n')
    .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
    .filter((ip): ip is string => Boolean(ip));
  const valid = validResolvers(listed);
  const usable = valid.filter((ip) => ipaddr.parse(ip).range() !== 'loopback');
  return { usable, loopback: usable.length < valid.length };
}

function daemonDns(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const dns = (JSON.parse(text) as { dns?: unknown }).dns;
    return Array.isArray(dns) ? validResolvers(dns.filter((d): d is string => typeof d === 'string')) : [];
  } catch {
    return [];
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
