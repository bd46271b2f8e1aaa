/**
 * What views and commands may ask about forwarded ports. The tunnels themselves are the engine's
 * (listeners in this extension host, closed by the engine when their sandbox ends); the service
 * (ports/sandboxTunnels.ts) opens them again after a reload and says when they change.
 */
import type * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { ForwardOptions, Tunnel } from '../../core/types';

/**
 * One forwarded port of one sandbox, as commands accept it as their only argument (tree menus
 * pass the node they were invoked on): `{ sandboxId, containerPort }`.
 */
export interface ForwardedPortRef {
  sandboxId: string;
  containerPort: number;
}

export interface TunnelChange {
  /** The sandbox whose tunnels changed; `undefined` when any may have (the client was recreated). */
  sandboxId: string | undefined;
}

export interface TunnelService {
  /** Tunnels this window serves for the sandbox, by port inside it; [] when none (or not opened yet). */
  list(sandboxId: string): Tunnel[];

  /**
   * Fires after tunnels were opened or closed: by a command, after a reload, when the engine
   * closed them because their sandbox ended (noticed within about 2 s), or for every sandbox
   * when the client was recreated (Docker endpoint or `sandboxes.ports.bindAddress` changed).
   */
  readonly onDidChange: vscode.Event<TunnelChange>;

  /** Opens this window's tunnels for every port the sandbox forwards (idempotent). */
  open(sandbox: Sandbox): Promise<Tunnel[]>;

  /** Forwards a port (also after creation) and opens its tunnel; see `Sandbox.forwardPort`. */
  forward(sandbox: Sandbox, port: number, options?: ForwardOptions): Promise<Tunnel>;

  /** Stops forwarding a port: closes the tunnel and refuses the port inbound again. */
  stop(sandbox: Sandbox, port: number): Promise<void>;
}
