/**
 * Ports found by themselves: watches the listening ports of this window's running sandboxes (the
 * engine's `Sandbox.watchPorts`) and, when one starts listening, does what
 * `sandboxes.ports.onAutoForward` / `sandboxes.ports.attributes` say (autoForward.ts): offer
 * "Forward / Open in Browser", forward and open it, forward it silently, or nothing.
 *
 * Cost while idle: the sandboxes to watch come from the shared sandbox list (no polling of its
 * own); each watched sandbox is scanned about once a second while the window is focused and every
 * 5 s while it is not (a file read when the engine is on this machine, see core/tunnels/portScan.ts);
 * a watch ends when its sandbox leaves the list or ends. Ports that were already listening when
 * watching began are not announced (after a reload they were seen before), unless the sandbox
 * had only just started. Forward Port… asks `listening()` for its suggestions.
 */
import * as vscode from 'vscode';
import type { ListeningPort, PortWatch, PortWatchEvent, Sandbox } from '../../core';
import type { SandboxInfo } from '../../core/types';
import type { SandboxClientService } from '../client';
import { CommandIds } from '../commands/commandIds';
import { Disposable, toDisposable } from '../dispose';
import { isSandboxErrorLike, withFix } from '../errors';
import type { ExtensionLog } from '../log';
import { WORKSPACE_TAG } from '../network/workspaceTag';
import { currentWorkspaceTag, readEffectiveSettings } from '../settings';
import type { SandboxList } from '../tree/sandboxList';
import { showInformationMessage, showWarningMessage } from '../uiText';
import { AnnouncementBudget, autoForwardSettingsFrom, resolveAutoForward, type AutoForwardAction } from './autoForward';
import { bindAddressFrom, isLoopback } from './portSettings';
import type { TunnelService } from './tunnelService';

/** A sandbox this young when watching begins has its first ports announced too. */
const JUST_STARTED_MS = 30_000;

export interface PortDetected {
  sandboxId: string;
  port: number;
  loopbackOnly: boolean;
  action: AutoForwardAction;
  /** When the scan that found it finished (`Date.now()`). */
  at: number;
}

interface Watched {
  watch: PortWatch;
  sandbox: Sandbox;
}

export class PortDetectionService extends Disposable {
  private readonly watched = new Map<string, Watched>();
  /** A sandbox that opens port after port gets a few notifications a minute, not one per port. */
  private readonly budget = new AnnouncementBudget();
  private readonly onDidDetectEmitter = this._register(new vscode.EventEmitter<PortDetected>());
  /** Fires for every port that started listening, after the action was chosen (tests, benchmarks). */
  readonly onDidDetect = this.onDidDetectEmitter.event;

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
    private readonly list: SandboxList,
    private readonly tunnels: TunnelService,
  ) {
    super();
    this._register(toDisposable(() => this.stopAll()));
    this._register(list.onDidChange(() => this.sync()));
    this._register(clients.onDidChangeClient(() => this.stopAll()));
    this._register(vscode.window.onDidChangeWindowState((state) => this.setIdle(!state.focused)));
    this.sync();
  }

  /**
   * The ports listening in a running sandbox now, for Forward Port…'s suggestions; [] when they
   * cannot be read (the suggestions are a help, never a reason to fail).
   */
  async listening(sandbox: Sandbox): Promise<readonly ListeningPort[]> {
    try {
      const watched = this.watched.get(sandbox.id);
      return watched ? await watched.watch.refresh() : await sandbox.listeningPorts();
    } catch (err) {
      this.log.info(`Could not read the listening ports of sandbox ${sandbox.name}: ${describe(err)}`);
      return [];
    }
  }

  /** Starts watching this window's running sandboxes and stops watching the others. */
  private sync(): void {
    if (this.isDisposed) return;
    const tag = currentWorkspaceTag();
    const wanted = new Map(this.list.running.filter((info) => info.tags[WORKSPACE_TAG] === tag).map((info) => [info.id, info]));
    for (const [id, { watch }] of [...this.watched]) {
      if (!wanted.has(id)) {
        watch.stop();
        this.watched.delete(id);
        this.budget.forget(id);
      }
    }
    for (const [id, info] of wanted) if (!this.watched.has(id)) this.start(info);
  }

  private start(info: SandboxInfo): void {
    const sandbox = this.clients.clientFor(info.id).handle(info);
    const announceFirst = Date.now() - info.createdAt.getTime() < JUST_STARTED_MS;
    const watch = sandbox.watchPorts((event) => this.onEvent(sandbox, event, announceFirst));
    watch.setIdle(!vscode.window.state.focused);
    this.watched.set(info.id, { watch, sandbox });
  }

  private onEvent(sandbox: Sandbox, event: PortWatchEvent, announceFirst: boolean): void {
    if (this.isDisposed) return;
    if (event.kind === 'ended') {
      this.watched.delete(sandbox.id);
      return;
    }
    if (event.kind === 'error') {
      this.log.info(`Watching the ports of sandbox ${sandbox.name} (${sandbox.id}): ${describe(event.error)}; trying again later.`);
      return;
    }
    if (event.initial && !announceFirst) {
      if (event.ports.length) this.log.info(`Sandbox ${sandbox.name}: already listening on ${event.ports.map((p) => p.port).join(', ')}.`);
      return;
    }
    const fresh = event.added.filter((p) => !this.tunnels.list(sandbox.id).some((t) => t.containerPort === p.port));
    if (fresh.length > 0) void this.announce(sandbox, fresh);
  }

  /** Ports the sandbox already forwards (its spec, another window, a script) are not offered again. */
  private async announce(sandbox: Sandbox, ports: readonly ListeningPort[]): Promise<void> {
    let forwarded = new Set<number>();
    try {
      forwarded = new Set((await sandbox.networkPolicy()).forwards.map((f) => f.port));
    } catch (err) {
      this.log.info(`Could not read the forwards of sandbox ${sandbox.name}: ${describe(err)}`);
    }
    for (const port of ports) {
      if (forwarded.has(port.port)) this.log.info(`Sandbox ${sandbox.name} (${sandbox.id}): port ${port.port} started listening; it is forwarded already.`);
      else void this.detected(sandbox, port);
    }
  }

  private async detected(sandbox: Sandbox, port: ListeningPort): Promise<void> {
    const at = Date.now();
    let settings;
    let loopback = true;
    try {
      const effective = readEffectiveSettings();
      settings = autoForwardSettingsFrom(effective);
      loopback = isLoopback(bindAddressFrom(effective).address);
    } catch {
      settings = autoForwardSettingsFrom({ get: () => undefined });
    }
    for (const problem of settings.problems) this.log.warn(`Ignored: ${problem}`);
    const decision = resolveAutoForward(port.port, settings, loopback);
    const what = `${decision.label ?? 'Application'} on port ${port.port} of sandbox "${sandbox.name}"`;
    this.log.info(
      `Sandbox ${sandbox.name} (${sandbox.id}): port ${port.port} started listening${port.loopbackOnly ? ' on loopback only' : ''} (${decision.action}${decision.lowered ? `, not ${decision.lowered}: forwards listen beyond loopback` : ''}).`,
    );
    this.onDidDetectEmitter.fire({ sandboxId: sandbox.id, port: port.port, loopbackOnly: port.loopbackOnly, action: decision.action, at });
    if (decision.action === 'ignore') return;
    if ((decision.action === 'notify' || port.loopbackOnly) && !this.budget.take(sandbox.id, at)) {
      this.log.info(`Sandbox ${sandbox.name}: not announcing port ${port.port}: it announced several ports within the last minute (Forward Port… lists them).`);
      return;
    }
    try {
      if (port.loopbackOnly) {
        // A forward connects from outside the sandbox's loopback: say why it would not work.
        if (decision.action !== 'silent') {
          void showWarningMessage(`${what} listens on 127.0.0.1 (loopback) only, so a forward cannot reach it. Start it on 0.0.0.0 to forward it.`);
        }
        return;
      }
      if (decision.action === 'silent') {
        await this.tunnels.forward(sandbox, port.port, { kind: 'unencrypted' });
        return;
      }
      if (decision.action === 'openBrowser') {
        await this.tunnels.forward(sandbox, port.port, { kind: 'unencrypted' });
        await vscode.commands.executeCommand(CommandIds.openInBrowser, sandbox.id, port.port);
        return;
      }
      const forward = 'Forward';
      const open = 'Open in Browser';
      const choice = await showInformationMessage(`${what} is listening.`, forward, open);
      if (choice === undefined || this.isDisposed) return;
      // Through the command: it reports the URL (and a server that stopped listening meanwhile).
      await vscode.commands.executeCommand(CommandIds.forwardPort, sandbox.id, port.port, 'unencrypted');
      if (choice === open) await vscode.commands.executeCommand(CommandIds.openInBrowser, sandbox.id, port.port);
    } catch (err) {
      this.log.failure(`forwarding port ${port.port} of ${sandbox.name}, which started listening`, err);
    }
  }

  private setIdle(idle: boolean): void {
    for (const { watch } of this.watched.values()) watch.setIdle(idle);
  }

  private stopAll(): void {
    for (const { watch } of this.watched.values()) watch.stop();
    this.watched.clear();
  }
}

function describe(err: unknown): string {
  if (isSandboxErrorLike(err)) return withFix(err.message, err.fix);
  return err instanceof Error ? err.message : String(err);
}
