/**
 * Sandbox terminals that survive a window reload. A shell opened by "Open Terminal" or the
 * "Sandbox shell" profile runs as a session of the session host (src/core/sessions), a detached
 * process on this machine that keeps it and its scrollback while the window reloads. When the
 * extension starts, it reattaches this workspace's detached sessions as terminals, scrollback
 * first (also after Open Sandbox Folder's reload: the workspace tag stays the same). A terminal
 * the user closes ends its session; one closed by a reload only detaches.
 *
 * Where the host cannot run (not built), terminals are plain execs, as before.
 */
import * as vscode from 'vscode';
import type { Sandbox, SessionClient, SessionInfo } from '../../core';
import type { SandboxInfo } from '../../core/types';
import type { SandboxClientService } from '../client';
import { Disposable } from '../dispose';
import type { ExtensionLog } from '../log';
import { currentWorkspaceTag } from '../settings';
import { SandboxPseudoterminal, SHELL_ARGV, TERMINAL_ENV, type SandboxPseudoterminalOptions } from './sandboxPseudoterminal';
import { sessionsToRestore } from './sessionsToRestore';

export class TerminalSessions extends Disposable {
  /** The session each of this window's session terminals is attached to. */
  private readonly sessionOf = new Map<vscode.Pseudoterminal, string>();
  /** The session host that serves each terminal (its sandbox's engine). */
  private readonly hostOf = new Map<vscode.Pseudoterminal, SessionClient>();
  private restoring: Promise<number> | undefined;

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
  ) {
    super();
    this._register(vscode.window.onDidCloseTerminal((terminal) => this.closed(terminal)));
  }

  /** A new shell in `sandbox` as a terminal's options (Open Terminal, the Sandbox shell profile). */
  shellOptions(sandbox: Sandbox, info: SandboxInfo, banner: SandboxPseudoterminalOptions['banner']): vscode.ExtensionTerminalOptions {
    const start = async (size: { cols: number; rows: number } | undefined) => {
      try {
        // The session host of the sandbox's own engine: it execs there.
        const sessions = this.sessions(sandbox.id);
        const proc = await sessions.open({
          containerId: sandbox.containerId,
          sandboxId: sandbox.id,
          sandboxName: sandbox.name,
          workspace: currentWorkspaceTag(),
          title: info.name,
          argv: SHELL_ARGV,
          env: TERMINAL_ENV,
          size,
        });
        this.sessionOf.set(pty, proc.session.id);
        this.hostOf.set(pty, sessions);
        return proc;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'SESSION_FAILED') throw err;
        this.log.warn(`Terminal of ${sandbox.name}: ${String(err)} It will not survive a window reload.`);
        return sandbox.exec(SHELL_ARGV, { pty: size ?? true, env: TERMINAL_ENV });
      }
    };
    const pty = new SandboxPseudoterminal(sandbox, this.log, { banner, start, detachOnClose: true });
    return terminalOptions(info.name, pty);
  }

  /**
   * Reattaches this workspace's detached sessions as terminals (once per activation). Returns how
   * many; failures are logged, never shown: a reload must not greet the user with errors.
   */
  restore(): Promise<number> {
    this.restoring ??= this.restoreNow().catch((err: unknown) => {
      this.log.warn(`Reattaching sandbox terminals: ${String(err)}`);
      return 0;
    });
    return this.restoring;
  }

  private async restoreNow(): Promise<number> {
    const started = performance.now();
    let count = 0;
    let last: vscode.Terminal | undefined;
    // Every configured engine has its own session host (it execs through that engine's connection).
    for (const engine of this.clients.engines) {
      const client = this.clients.clientOf(engine.key);
      const host = client.terminalSessions();
      const all = await host.list().catch((err: unknown) => {
        this.log.warn(`Reattaching sandbox terminals on ${engine.name}: ${String(err)}`);
        return [];
      });
      for (const session of sessionsToRestore(all, currentWorkspaceTag())) {
        const sandbox = await client.fromId(session.sandboxId).catch(() => undefined);
        if (!sandbox) continue; // its sandbox is gone: the host ends the session by itself
        this.clients.noteCreated(engine.key, sandbox.id);
        last = vscode.window.createTerminal(this.reattachOptions(sandbox, session, host));
        count++;
      }
    }
    last?.show(true);
    if (count > 0) this.log.info(`Reattached ${count} sandbox terminal(s) after the window reload in ${(performance.now() - started).toFixed(0)} ms.`);
    return count;
  }

  private reattachOptions(sandbox: Sandbox, session: SessionInfo, host: SessionClient): vscode.ExtensionTerminalOptions {
    const start = async (size: { cols: number; rows: number } | undefined) => {
      const proc = await host.attach(session.id, size);
      this.sessionOf.set(pty, session.id);
      this.hostOf.set(pty, host);
      return proc;
    };
    const pty = new SandboxPseudoterminal(sandbox, this.log, {
      banner: { text: `Sandbox ${session.sandboxName} · reattached (the shell kept running)`, style: 'dim' },
      start,
      detachOnClose: true,
    });
    return terminalOptions(session.title, pty);
  }

  private closed(terminal: vscode.Terminal): void {
    const pty = (terminal.creationOptions as vscode.ExtensionTerminalOptions).pty;
    const sessionId = pty && this.sessionOf.get(pty);
    if (!sessionId) return;
    this.sessionOf.delete(pty);
    const host = this.hostOf.get(pty) ?? this.sessions();
    this.hostOf.delete(pty);
    // Only the user (or an extension) closing it ends the session; a reload or shutdown keeps it.
    const reason = terminal.exitStatus?.reason;
    if (reason === vscode.TerminalExitReason.User || reason === vscode.TerminalExitReason.Extension) {
      void host.end(sessionId).catch((err: unknown) => this.log.debug(`Ending terminal session ${sessionId}: ${String(err)}`));
    }
  }

  /**
   * The session host of a sandbox's engine (one per engine: it execs through that engine's
   * connection); the default engine's when none is named. Reattaching after a reload covers the
   * default engine's sessions only.
   */
  private sessions(sandboxId?: string): SessionClient {
    return (sandboxId === undefined ? this.clients.client : this.clients.clientFor(sandboxId)).terminalSessions();
  }
}

function terminalOptions(name: string, pty: SandboxPseudoterminal): vscode.ExtensionTerminalOptions {
  return {
    name,
    pty,
    iconPath: new vscode.ThemeIcon('vm'),
    // VS Code cannot revive an extension's pseudoterminal itself: this extension reattaches the
    // session after the reload (restore()), so VS Code must not restore a dead tab too.
    isTransient: true,
  };
}
