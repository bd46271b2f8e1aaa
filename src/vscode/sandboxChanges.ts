/**
 * The one path for "a sandbox changed": every engine call the extension makes that changes a
 * sandbox (create, terminate, its network policy, its forwarded ports, a snapshot of it) goes
 * through this service, which fires `onDidChange` once the call has settled. The Sandboxes view
 * subscribes and reloads the shared list, which the tree, the status bar and the details panels
 * read; so a new command cannot leave them stale by forgetting to tell them.
 * test/unit/sandboxChanges.test.ts keeps the engine's mutating calls inside this file.
 */
import * as vscode from 'vscode';
import type { Sandbox, SandboxClient } from '../core';
import type { CreateOptions, ForwardOptions, NetworkPolicyInput, NetworkState, SandboxSpec, Tunnel } from '../core/types';
import { Disposable } from './dispose';

export type SandboxChangeKind = 'created' | 'terminated' | 'network' | 'ports' | 'snapshots';

export interface SandboxChange {
  /** The sandbox that changed; `undefined` when it is not known (a snapshot whose sandbox is gone). */
  readonly id: string | undefined;
  readonly what: SandboxChangeKind;
  /**
   * Nobody is waiting to see it (settings re-applied in the background, tunnels reopened): the
   * view may reload when it next would, rather than now.
   */
  readonly background?: boolean;
}

export class SandboxChanges extends Disposable {
  private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<SandboxChange>());
  /** Fires after each change has settled, also after a call that failed partway: it may have changed something. */
  readonly onDidChange = this.onDidChangeEmitter.event;
  /** Sandboxes this window terminated (ids are never reused: kept for the window's life). */
  private readonly asked = new Set<string>();

  create(client: SandboxClient, spec: SandboxSpec, options: CreateOptions = {}): Promise<Sandbox> {
    return client.create(spec, options).then((sandbox) => {
      this.fire({ id: sandbox.id, what: 'created' });
      return sandbox;
    });
  }

  terminate(sandbox: Sandbox): Promise<void> {
    this.asked.add(sandbox.id);
    return this.around({ id: sandbox.id, what: 'terminated' }, () => sandbox.terminate());
  }

  /**
   * Whether this window was asked to end the sandbox: then its stopping is no news (it passes
   * through `exited` on its way out); any other stop is (lifecycle/endedNotifier.ts).
   */
  wasAskedToEnd(sandboxId: string): boolean {
    return this.asked.has(sandboxId);
  }

  setNetworkPolicy(
    sandbox: Sandbox,
    policy: NetworkPolicyInput,
    options: { followsDefaults?: boolean; onlyIfFollowsDefaults?: boolean } = {},
    how: { background?: boolean } = {},
  ): Promise<NetworkState> {
    return this.around({ id: sandbox.id, what: 'network', background: how.background }, () => sandbox.setNetworkPolicy(policy, options));
  }

  forwardPort(sandbox: Sandbox, port: number, options: ForwardOptions = {}): Promise<Tunnel> {
    return this.around({ id: sandbox.id, what: 'ports', background: true }, () => sandbox.forwardPort(port, options));
  }

  stopForwarding(sandbox: Sandbox, port: number): Promise<void> {
    return this.around({ id: sandbox.id, what: 'ports', background: true }, () => sandbox.stopForwarding(port));
  }

  /** Saves the sandbox's filesystem as an image and returns its reference. */
  snapshot(sandbox: Sandbox): Promise<string> {
    return sandbox.snapshotFilesystem().then((ref) => {
      this.fire({ id: sandbox.id, what: 'snapshots' });
      return ref;
    });
  }

  /**
   * A new sandbox from this one's files (`sandbox.fork()`): the fork is created, and the parent
   * has a new snapshot (the fork's image, listed under it).
   */
  fork(sandbox: Sandbox, overrides: Partial<SandboxSpec>, options: Pick<CreateOptions, 'signal' | 'onProgress'> = {}): Promise<Sandbox> {
    return this.around({ id: sandbox.id, what: 'snapshots' }, () => sandbox.fork(overrides, options)).then((fork) => {
      this.fire({ id: fork.id, what: 'created' });
      return fork;
    });
  }

  /** `sandboxId`: the sandbox the snapshot was taken of, if known (it is listed under it). */
  removeSnapshot(client: SandboxClient, ref: string, sandboxId: string | undefined): Promise<void> {
    return client.removeSnapshot(ref).then(() => this.fire({ id: sandboxId, what: 'snapshots' }));
  }

  private async around<T>(change: SandboxChange, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.fire(change);
    }
  }

  private fire(change: SandboxChange): void {
    if (!this.isDisposed) this.onDidChangeEmitter.fire(change);
  }
}
