/**
 * Set arithmetic on allowlist entries: whether one CIDR lies inside another, and what two lists
 * both allow. Used to decide whether a workspace's allowlist only narrows the user's, and what a
 * sandbox may keep while a wider policy waits for the user's answer. Pure and free of Node
 * modules; entries are the engine's normalised form (`parseCidr`: `10.0.0.0/8`, `fd00::/8`).
 */

export interface CidrRange {
  family: 4 | 6;
  /** The network address as a number (host bits zero). */
  network: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** A normalised entry as a range; `undefined` for anything else (callers normalise first). */
export function parseCidrRange(cidr: string): CidrRange | undefined {
  const slash = cidr.indexOf('/');
  if (slash === -1) return undefined;
  const address = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const family = address.includes(':') ? 6 : 4;
  if (prefix > BITS[family]) return undefined;
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  if (value === undefined) return undefined;
  const hostBits = BigInt(BITS[family] - prefix);
  return { family, network: (value >> hostBits) << hostBits, prefix };
}

/** Whether every address of `inner` is also in `outer`. */
export function rangeContains(outer: CidrRange, inner: CidrRange): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const hostBits = BigInt(BITS[outer.family] - outer.prefix);
  return inner.network >> hostBits === outer.network >> hostBits;
}

/** Whether every address `cidr` allows is allowed by one of `list`'s entries (all normalised). */
export function cidrWithinList(cidr: string, list: readonly string[]): boolean {
  const inner = parseCidrRange(cidr);
  if (!inner) return false;
  return list.some((entry) => {
    const outer = parseCidrRange(entry);
    return outer !== undefined && rangeContains(outer, inner);
  });
}

/**
 * What both lists allow, as a list (normalised entries in, the same out). Two CIDRs are either
 * nested or disjoint, so each overlap is the smaller of a nested pair. Empty when nothing is
 * allowed by both — which, as an allowlist, would mean "open": callers turn it into blocking.
 */
export function intersectAllowlists(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  for (const x of a) {
    const rx = parseCidrRange(x);
    if (!rx) continue;
    for (const y of b) {
      const ry = parseCidrRange(y);
      if (!ry) continue;
      const overlap = rangeContains(rx, ry) ? y : rangeContains(ry, rx) ? x : undefined;
      if (overlap !== undefined && !out.includes(overlap)) out.push(overlap);
    }
  }
  return out;
}

function ipv4Value(address: string): bigint | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(address: string): bigint | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groups = (text: string): number[] | undefined => {
    if (text === '') return [];
    const out: number[] = [];
    const parts = text.split(':');
    for (const [i, part] of parts.entries()) {
      // An embedded IPv4 address may end the address (`::ffff:192.0.2.1`).
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = ipv4Value(part);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<number>(missing).fill(0), ...tail];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}
