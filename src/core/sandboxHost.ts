import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { RuntimeNetworking } from '../shared/networkModes';
import type { TunnelRegistry } from './tunnels/registry';
import type { ManifestStore } from './review/manifest';
import type { CreateOptions, ExecOptions, ExecProcess, Logger, SandboxSpec } from './types';

/**
 * What a `Sandbox` handle needs from the client that made it, and nothing more (as the files API
 * has FilesHost): the handle never sees the client, so the two do not import each other, and the
 * client's internals stay off its public surface.
 */
export interface SandboxHost {
  readonly docker: Docker;
  readonly logger: Logger | undefined;
  /** Tunnels this process serves. */
  readonly tunnelRegistry: Pick<TunnelRegistry, 'ensure' | 'close' | 'viewUrl'>;
  /** Remembers an exec's connection, so terminate() and dispose() can end it. */
  trackExec(containerId: string, proc: ExecProcess): void;
  /** Hangs up the execs of one container. */
  closeExecs(containerId: string): void;
  /** A process started ahead for this container's first command, if there is one (pool/readyExec.ts). */
  readyExec?(containerId: string, argv: string[], options: ExecOptions): Promise<ExecProcess | undefined>;
  /** Forks a sandbox (fork.ts): the new sandbox's identifiers. */
  fork?(
    source: { id: string; containerId: string; name: string },
    overrides: Partial<SandboxSpec>,
    options?: Pick<CreateOptions, 'signal' | 'onProgress'>,
  ): Promise<{ id: string; containerId: string; name: string }>;
  /** How this runtime networks its sandboxes (decides whether policies can be enforced). */
  runtimeNetworking(runtime: string): Promise<RuntimeNetworking>;
  /** How forwarded ports reach the sandbox: the guard's bridge address, or a relay over the engine's connection. */
  readonly portPath: PortPath;
  /** For portPath `forward`: a TCP connection made on the engine's host (SSH's direct-tcpip), see tunnels/forwardOrRelay.ts. */
  forwardTcp?(host: string, port: number): Promise<Duplex>;
  /** What each copy-mode sandbox was copied from: the baseline of Review Sandbox Changes. */
  readonly manifests: ManifestStore;
  /** Why this user's lifetime reaper ended the container, if it did (reapRecord.ts). */
  reapedFor?(containerId: string): 'timeout' | 'idle' | null;
  /** What a sandbox's egress gateway is made from and asks (domain allowlists: network/gateway.ts). */
  readonly gateway: { image: string; resolvers: string[] };
}

export type PortPath = 'bridge' | 'relay' | 'forward';
