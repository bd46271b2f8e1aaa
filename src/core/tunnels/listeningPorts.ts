/**
 * Which TCP ports a network namespace listens on, from the text of `/proc/net/tcp` and
 * `/proc/net/tcp6` (the same format in Linux and in gVisor). Pure, so it is unit-tested; reading
 * the files is portScan.ts's job.
 */

/** One TCP port something listens on. */
export interface ListeningPort {
  port: number;
  /**
   * Every listener of this port is bound to a loopback address (127.0.0.1, ::1): a forward, which
   * connects from outside the sandbox's loopback, cannot reach it. The server must listen on
   * 0.0.0.0 (or ::) instead.
   */
  loopbackOnly: boolean;
}

/** The socket state `/proc/net/tcp` writes as `0A`: TCP_LISTEN. */
const TCP_LISTEN = '0A';

/**
 * Docker's embedded DNS server listens inside every container namespace on a user-defined network
 * (127.0.0.11, a random port): not an application of the user's.
 */
const DOCKER_DNS = '127.0.0.11';

/**
 * The listening ports in one or more concatenated `/proc/net/tcp{,6}` texts, sorted, each once.
 * Lines that do not parse (headers, a truncated last line) are skipped.
 */
export function parseListeningPorts(text: string): ListeningPort[] {
  const byPort = new Map<number, boolean>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // "sl local_address rem_address st …": "0: 00000000:1F40 00000000:0000 0A …"
    if (fields.length < 4 || !/^\d+:$/.test(fields[0]) || fields[3].toUpperCase() !== TCP_LISTEN) continue;
    const local = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(fields[1]);
    if (!local) continue;
    const port = parseInt(local[2], 16);
    if (port === 0) continue;
    const address = local[1].length === 8 ? ipv4(local[1]) : ipv6(local[1]);
    if (address === DOCKER_DNS) continue;
    const loopback = isLoopback(address);
    byPort.set(port, (byPort.get(port) ?? true) && loopback);
  }
  return [...byPort].sort(([a], [b]) => a - b).map(([port, loopbackOnly]) => ({ port, loopbackOnly }));
}

/** `/proc/net/tcp` writes the address as one 32-bit word in host byte order (little-endian here). */
function ipv4(hex: string): string {
  const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

/** Four 32-bit words, each in host byte order; returned as 8 groups of 4 hex digits. */
function ipv6(hex: string): string {
  const groups: string[] = [];
  for (let word = 0; word < 4; word++) {
    const w = hex.slice(word * 8, word * 8 + 8);
    const bytes = [6, 4, 2, 0].map((i) => w.slice(i, i + 2)).join('');
    groups.push(bytes.slice(0, 4).toLowerCase(), bytes.slice(4, 8).toLowerCase());
  }
  return groups.join(':');
}

function isLoopback(address: string): boolean {
  if (/^127\./.test(address)) return true;
  if (address === '0000:0000:0000:0000:0000:0000:0000:0001') return true;
  // ::ffff:127.x.x.x, an IPv4 loopback listener seen through an IPv6 socket.
  const mapped = /^0000:0000:0000:0000:0000:ffff:([0-9a-f]{4}):[0-9a-f]{4}$/.exec(address);
  return mapped !== null && mapped[1].startsWith('7f');
}

/** The ports in `now` that were not in `before` (or were loopback-only and no longer are). */
export function newlyListening(before: readonly ListeningPort[], now: readonly ListeningPort[]): ListeningPort[] {
  const seen = new Map(before.map((p) => [p.port, p.loopbackOnly]));
  return now.filter((p) => !seen.has(p.port) || (seen.get(p.port) === true && !p.loopbackOnly));
}
