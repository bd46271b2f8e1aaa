/** How forwarded ports are described in pickers and messages, and what the port box accepts. Pure, so it is unit-tested. */
import type { SandboxSpec, Tunnel, TunnelKind } from '../../core/types';
import { TUNNEL_KINDS, TUNNEL_KIND_NAMES, forwardsOfSpec, type PortField } from '../../shared/tunnelKinds';

export { TUNNEL_KIND_NAMES as TUNNEL_KINDS };

export interface KindChoice {
  kind: TunnelKind;
  label: string;
  description: string;
  detail: string;
}

/** The rows of the "how to forward" picker, in the table's order (the everyday choice first). */
export const KIND_CHOICES: readonly KindChoice[] = TUNNEL_KIND_NAMES.map((kind) => ({
  kind,
  label: TUNNEL_KINDS[kind].pickerLabel,
  description: TUNNEL_KINDS[kind].description,
  detail: TUNNEL_KINDS[kind].detail,
}));

/** "HTTP/TCP", "HTTPS", "HTTP/2". */
export const KIND_LABELS = Object.fromEntries(TUNNEL_KIND_NAMES.map((kind) => [kind, TUNNEL_KINDS[kind].label])) as Record<TunnelKind, string>;

/** For the port input box: an error message, or `undefined` when the value is a port. */
export function validatePortInput(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return 'Enter the port the server inside the sandbox listens on, e.g. 8000.';
  if (!/^\d+$/.test(text)) return 'Enter a port number: digits only, e.g. 8000.';
  const port = Number(text);
  return port >= 1 && port <= 65535 ? undefined : 'A port number is from 1 to 65535.';
}

/** The port typed into the box (already validated). */
export function parsePortInput(value: string): number {
  return Number(value.trim());
}

/**
 * A URL a browser on this machine can open. A listener on a wildcard address (0.0.0.0, ::) is
 * reached through loopback: browsers refuse 0.0.0.0, and the local CA's certificate names only
 * 127.0.0.1, ::1 and localhost.
 */
export function browsableUrl(tunnel: Pick<Tunnel, 'url'>): string {
  const url = new URL(tunnel.url);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  else if (url.hostname === '[::]') url.hostname = '[::1]';
  // `URL` adds a trailing slash to a bare origin; keep the engine's form.
  return tunnel.url.endsWith('/') ? url.toString() : url.toString().replace(/\/$/, '');
}

/**
 * Whether the editor maps a local URL to a path of its own web server (code-server's
 * `/proxy/<port>/`) rather than to a TCP forward (Remote SSH, Codespaces keep the path). Such a
 * proxy connects with plain HTTP, so an HTTPS or HTTP/2 forward cannot load through it.
 */
export function opensThroughHttpProxy(local: string, external: string): boolean {
  return new URL(local).pathname !== new URL(external).pathname;
}

/** "8000 → http://127.0.0.1:41234 (HTTP/TCP)" */
export function describeTunnel(tunnel: Tunnel): string {
  return `${tunnel.containerPort} → ${browsableUrl(tunnel)} (${KIND_LABELS[tunnel.kind]})`;
}

/** "port 8000: https://127.0.0.1:41234", several joined, for notifications. */
export function summarizeTunnels(tunnels: readonly Tunnel[]): string {
  const sorted = [...tunnels].sort((a, b) => a.containerPort - b.containerPort);
  return sorted.map((t) => `port ${t.containerPort}: ${browsableUrl(t)}`).join(', ');
}

/** "8000 (HTTPS), 3000 (HTTP/TCP)": the ports a spec forwards, for the Create Sandbox prompt. */
export function describePortSettings(spec: Pick<SandboxSpec, PortField>): string {
  const ports = forwardsOfSpec(spec).sort((a, b) => a.port - b.port);
  return ports.map(({ port, kind }) => `${port} (${KIND_LABELS[kind]})`).join(', ');
}

export interface TunnelItem {
  label: string;
  description: string;
  tunnel: Tunnel;
}

/** Rows of the port picker, by port inside the sandbox. */
export function tunnelItems(tunnels: readonly Tunnel[]): TunnelItem[] {
  return [...tunnels]
    .sort((a, b) => a.containerPort - b.containerPort)
    .map((tunnel) => ({
      label: `Port ${tunnel.containerPort}`,
      description: `${browsableUrl(tunnel)} · ${KIND_LABELS[tunnel.kind]}`,
      tunnel,
    }));
}

/** The name the certificate gets in the system store (update-ca-certificates only reads `.crt`). */
export const SYSTEM_CA_FILE = '/usr/local/share/ca-certificates/gvisor-sandboxes-ca.crt';

/** Shell-quotes a path for the copied command. */
function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** The Debian/Ubuntu command that makes the system (curl, Python, Go…) trust the exported CA. */
export function debianTrustCommand(certificatePath: string): string {
  return `sudo cp ${shellQuote(certificatePath)} ${SYSTEM_CA_FILE} && sudo update-ca-certificates`;
}

/** What to do with the exported file, for the notification after Export CA Certificate. */
export function trustInstructions(certificatePath: string): string {
  return (
    `Saved the local CA certificate (no private key) to ${certificatePath}. ` +
    `To trust HTTPS and HTTP/2 forwards: on Debian or Ubuntu run \`${debianTrustCommand(certificatePath)}\`; ` +
    'Chrome and Firefox keep their own list: import it under Settings › Privacy and security › Certificates › Authorities; ' +
    `Node.js: NODE_EXTRA_CA_CERTS=${shellQuote(certificatePath)}.`
  );
}

/**
 * Only the CERTIFICATE blocks of a PEM text: whatever the engine hands over, a private key never
 * reaches the exported file.
 */
export function certificatesOnly(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.length === 0 ? '' : `${blocks.join('\n')}\n`;
}
