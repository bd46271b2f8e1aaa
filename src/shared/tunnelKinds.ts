/**
 * The kinds of forwarded port: one row per kind, and everything else derives from it — the spec
 * field that lists its ports, the URL scheme, TLS and ALPN of its listener, and the words the
 * editor shows. Pure (no Node): the webviews bundle it too.
 *
 * Adding a kind (docs/architecture.md, "Add a port kind"): the union below, a row here, the spec
 * field in types.ts (spec.ts's validation does not compile until it exists); the compiler
 * points at the adapter's `Record<TunnelKind, …>` tables (setting key, form field).
 */

export type TunnelKind = 'unencrypted' | 'encrypted' | 'h2';

export interface TunnelKindInfo {
  /** The SandboxSpec field listing the ports forwarded this way. */
  specField: 'unencryptedPorts' | 'encryptedPorts' | 'h2Ports';
  /** Scheme of the tunnel's URL on this machine. */
  scheme: 'http' | 'https';
  /** Whether TLS ends on this machine (certificate from the local CA). */
  tls: boolean;
  /** ALPN protocols the listener offers, if any. */
  alpn?: string[];
  /** "HTTP/TCP": short name in rows and messages. */
  label: string;
  /** The "how to forward" picker's first column. */
  pickerLabel: string;
  /** How the tunnel carries bytes, for tooltips. */
  transport: string;
  /** The picker's second column. */
  description: string;
  /** The picker's detail line. */
  detail: string;
  /** The create form's hint and placeholder. */
  formHint: string;
  placeholder: string;
}

export const TUNNEL_KINDS: Record<TunnelKind, TunnelKindInfo> = {
  unencrypted: {
    specField: 'unencryptedPorts',
    scheme: 'http',
    tls: false,
    label: 'HTTP/TCP',
    pickerLabel: 'HTTP / TCP',
    transport: 'plain TCP',
    description: 'unencrypted',
    detail: 'http:// on this machine; a plain byte pipe, so any TCP protocol works (databases, WebSockets, SSH).',
    formHint: 'Raw TCP, any protocol.',
    placeholder: 'e.g. 8000',
  },
  encrypted: {
    specField: 'encryptedPorts',
    scheme: 'https',
    tls: true,
    label: 'HTTPS',
    pickerLabel: 'HTTPS',
    transport: 'TLS, certificate from the local CA',
    description: 'encrypted, TLS by the local CA',
    detail: 'https:// on this machine with a certificate from the extension\'s local CA ("Export CA Certificate…" to trust it); the server inside speaks plain HTTP.',
    formHint: 'TLS ends here (local CA).',
    placeholder: 'e.g. 8443',
  },
  h2: {
    specField: 'h2Ports',
    scheme: 'https',
    tls: true,
    alpn: ['h2'],
    label: 'HTTP/2',
    pickerLabel: 'HTTP/2',
    transport: 'HTTP/2 over TLS, certificate from the local CA',
    description: 'h2, TLS by the local CA',
    detail: 'https:// with ALPN h2; the server inside speaks HTTP/2 without TLS (h2c, prior knowledge), e.g. a gRPC server.',
    formHint: 'TLS with ALPN h2, e.g. gRPC.',
    placeholder: 'e.g. 50051',
  },
};

/** Every kind, in table order (the everyday choice first). */
export const TUNNEL_KIND_NAMES = Object.keys(TUNNEL_KINDS) as TunnelKind[];

/** The spec fields that list forwarded ports, in table order. */
export type PortField = TunnelKindInfo['specField'];
export const PORT_FIELDS: readonly PortField[] = TUNNEL_KIND_NAMES.map((kind) => TUNNEL_KINDS[kind].specField);

export function isTunnelKind(value: unknown): value is TunnelKind {
  return typeof value === 'string' && Object.hasOwn(TUNNEL_KINDS, value);
}

/** The kind whose ports a spec field lists. */
export function kindOfField(field: PortField): TunnelKind {
  return TUNNEL_KIND_NAMES.find((kind) => TUNNEL_KINDS[kind].specField === field)!;
}

/** A spec's port lists as forwards, in table order: the one place ports become forwards. */
export function forwardsOfSpec(spec: Partial<Record<PortField, readonly number[]>>): { port: number; kind: TunnelKind }[] {
  return TUNNEL_KIND_NAMES.flatMap((kind) => (spec[TUNNEL_KINDS[kind].specField] ?? []).map((port) => ({ port, kind })));
}
