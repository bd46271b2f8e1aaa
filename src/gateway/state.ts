/**
 * The gateway's policy in force (main.ts loads it on SIGHUP) and its own name resolution, cached
 * per TTL under that policy: addresses that are not public are dropped (rebinding).
 */
import { promises as dnsp, type RecordWithTtl } from 'node:dns';
import type { DomainEntry } from '../core/network/domains';
import { refusedAddress } from './addresses';

export interface GatewayPolicy {
  tag: string;
  domains: string[];
  /** The CIDR allowlist: addresses reachable even when not public (explicit wins). */
  cidrs: string[];
  /** This machine's and Docker's addresses: never connected to. */
  deny: string[];
  /** Resolvers the gateway asks; empty: its own resolv.conf (Docker's embedded DNS). */
  upstream: string[];
  /** Answer AAAA (the sandbox's network has IPv6). */
  ipv6: boolean;
  /** The only sources accepted: the guard's addresses. Empty: none (closed). */
  clients: string[];
}

export const EMPTY: GatewayPolicy = { tag: 'none', domains: [], cidrs: [], deny: [], upstream: [], ipv6: false, clients: [] };
export let policy: GatewayPolicy = EMPTY;
export let entries: DomainEntry[] = [];
let resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });

/** The policy `next` (with its parsed domain entries) in force; a new resolver and an empty cache go with it. */
export function setPolicy(next: GatewayPolicy, parsed: DomainEntry[]): void {
  policy = next;
  entries = parsed;
  resolver = new dnsp.Resolver({ timeout: 2000, tries: 2 });
  if (next.upstream.length) resolver.setServers(next.upstream);
  cache.clear();
}

/** Nothing allowed: the state after a policy that cannot be read (closed, never open). */
export function closePolicy(): void {
  entries = [];
  policy = EMPTY;
}

/** Only the sandbox's guard may talk to the gateway. */
export function fromClient(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return policy.clients.includes(plain);
}

export interface Resolved {
  v4: string[];
  v6: string[];
  refused: string[];
  expires: number;
}
const cache = new Map<string, Promise<Resolved>>();

export function resolveName(name: string): Promise<Resolved> {
  const hit = cache.get(name);
  if (hit) return hit;
  const job = (async () => {
    const [a, aaaa] = await Promise.all([
      resolver.resolve4(name, { ttl: true }).catch(() => [] as RecordWithTtl[]),
      resolver.resolve6(name, { ttl: true }).catch(() => [] as RecordWithTtl[]),
    ]);
    const refusedList: string[] = [];
    const keep = (records: RecordWithTtl[]) =>
      records
        .filter((r) => {
          const why = refusedAddress(r.address, policy);
          if (why) refusedList.push(`${r.address}: ${why}`);
          return !why;
        })
        .map((r) => r.address);
    const ttl = Math.min(300, Math.max(5, ...[...a, ...aaaa].map((r) => r.ttl)));
    return { v4: keep(a), v6: keep(aaaa), refused: refusedList, expires: Date.now() + ttl * 1000 };
  })();
  cache.set(name, job);
  void job.then(
    (r) => setTimeout(() => cache.get(name) === job && cache.delete(name), Math.max(0, r.expires - Date.now())).unref(),
    () => cache.delete(name),
  );
  return job;
}
