/**
 * The network part of the engine's type contract: policies, their state, the gateway's refusals
 * and tunnels. Re-exported by src/core/types.ts (import from there).
 */
import type { NetworkMode } from '../../shared/networkModes';
import type { TunnelKind } from '../../shared/tunnelKinds';

export interface NetworkPolicyInput {
  blockNetwork?: boolean;
  cidrAllowlist?: string[];
  /** Host names through the egress gateway (see SandboxSpec.domainAllowlist). */
  domainAllowlist?: string[];
}

/** A connection or lookup the egress gateway refused (`sandbox.networkEvents()`). */
export interface NetworkEvent {
  /** ISO time. */
  time: string;
  /** Sandbox id. */
  sandbox: string;
  protocol: 'dns' | 'tls' | 'http' | 'tcp';
  /** The name asked for (DNS question, SNI, Host), when there was one. */
  name?: string;
  address?: string;
  port?: number;
  /** DNS question type (1 A, 28 AAAA, 16 TXT…). */
  qtype?: number;
  /** Why, e.g. "name not on the domain allowlist", "no SNI". */
  reason: string;
  /** The same refusal repeated this many times before, not logged one by one. */
  repeats?: number;
}

export interface NetworkState {
  mode: NetworkMode;
  blockNetwork: boolean;
  cidrAllowlist: string[];
  /** Host names through the egress gateway; absent or empty without one. */
  domainAllowlist?: string[];
  followsDefaults: boolean;
  /** False when the runtime cannot have a policy enforced (gVisor netstack mode): only `open` runs there. */
  enforced: boolean;
  forwardedPorts: number[];
  forwards: { port: number; kind: TunnelKind }[];
}

/** A forwarded port, as Modal's Tunnel. */
export interface Tunnel {
  containerPort: number;
  kind: TunnelKind;
  host: string;
  port: number;
  /** `http://` for unencrypted (raw TCP underneath), `https://` for encrypted and h2. */
  url: string;
  /** Raw TCP endpoint (unencrypted tunnels). */
  unencryptedHost?: string;
  unencryptedPort?: number;
}

export interface ForwardOptions {
  kind?: TunnelKind;
  /** Local port to bind; default: the one used before for this sandbox and port, else a free one. */
  localPort?: number;
  /** Wait up to this many ms for a server to listen inside; 0 (default) does not wait. */
  waitMs?: number;
}
