/**
 * "Forward Port…": forwards a port of a running sandbox to this machine, also after creation:
 * HTTP/TCP (a byte pipe), HTTPS (TLS by the local CA) or HTTP/2; suggests the ports listening in
 * the sandbox (pickPort.ts). Waits briefly for a server;
 * when none listens yet, says so but keeps the forward, since the server may start later. Called
 * as `(sandbox, port, kind?)` it asks nothing. Returns the `Tunnel`.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { Tunnel, TunnelKind } from '../../core/types';
import { isSandboxErrorLike } from '../errors';
import { portTargetFromArgs, tunnelKindFromArg } from '../ports/portArgs';
import { KIND_CHOICES, browsableUrl, type KindChoice } from '../ports/portFormat';
import { pickPort } from './pickPort';
import type { CommandContext } from './commandContext';
import { CommandIds } from './commandIds';
import { requireRunning, resolveSandbox } from './pickSandbox';
import { showInformationMessage, showWarningMessage, withProgress } from '../uiText';

/** Long enough for a server that is starting, short enough not to hold up one that starts later. */
const WAIT_FOR_SERVER_MS = 3000;

export async function forwardPort(context: CommandContext, sandboxArg?: unknown, portArg?: unknown, kindArg?: unknown): Promise<Tunnel | undefined> {
  const target = portTargetFromArgs(sandboxArg, portArg);
  const givenKind = tunnelKindFromArg(kindArg);
  const sandbox = await resolveSandbox(context, target.sandboxId, { title: 'Forward Port' });
  if (!sandbox) {
    return undefined;
  }
  await requireRunning(sandbox, 'forward a port');

  const interactive = target.port === undefined;
  const port = target.port ?? (await pickPort(sandbox, await context.ports.listening(sandbox), new Set(context.tunnels.list(sandbox.id).map((t) => t.containerPort))));
  if (port === undefined) {
    return undefined;
  }
  const kind = givenKind ?? (interactive ? await pickKind(sandbox, port) : 'unencrypted');
  if (!kind) {
    return undefined;
  }

  let tunnel: Tunnel;
  let notListening: string | undefined;
  try {
    tunnel = await withProgress({ location: vscode.ProgressLocation.Notification, title: `Forwarding port ${port} of sandbox "${sandbox.name}"…` }, () =>
      context.tunnels.forward(sandbox, port, { kind, waitMs: WAIT_FOR_SERVER_MS }),
    );
  } catch (err) {
    // The engine opens the tunnel before it waits for a server: a failed wait leaves it in place.
    const kept = context.tunnels.list(sandbox.id).find((t) => t.containerPort === port && t.kind === kind);
    if (!kept || !isSandboxErrorLike(err) || err.code !== 'TUNNEL_FAILED') {
      throw err;
    }
    tunnel = kept;
    notListening = err.message;
  }

  const url = browsableUrl(tunnel);
  if (notListening) {
    const text = `${notListening} The forward stays: ${url} reaches the server once it listens on port ${port}, on 0.0.0.0 (not 127.0.0.1).`;
    context.log.warn(`Sandbox ${sandbox.name}: ${text}`);
    void offerTunnel(context, sandbox, tunnel, text, 'warning');
  } else if (interactive) {
    void offerTunnel(context, sandbox, tunnel, `Port ${port} of sandbox "${sandbox.name}" is forwarded to ${url}.`, 'info');
  } else {
    vscode.window.setStatusBarMessage(`$(plug) Port ${port} of "${sandbox.name}" → ${url}`, 5000);
  }
  return tunnel;
}

interface KindItem extends vscode.QuickPickItem {
  choice: KindChoice;
}

async function pickKind(sandbox: Sandbox, port: number): Promise<TunnelKind | undefined> {
  const items: KindItem[] = KIND_CHOICES.map((choice) => ({
    label: choice.label,
    description: choice.description,
    detail: choice.detail,
    choice,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Forward Port ${port} of ${sandbox.name}`,
    placeHolder: 'How should this machine reach it?',
  });
  return picked?.choice.kind;
}

/** Not awaited by the command: the notification may stay up long after the forward is ready. */
async function offerTunnel(context: CommandContext, sandbox: Sandbox, tunnel: Tunnel, text: string, severity: 'info' | 'warning'): Promise<void> {
  const open = 'Open in Browser';
  const copy = 'Copy URL';
  try {
    const choice = severity === 'info' ? await showInformationMessage(text, open, copy) : await showWarningMessage(text, open, copy);
    if (choice === open) {
      await vscode.commands.executeCommand(CommandIds.openInBrowser, sandbox.id, tunnel.containerPort);
    } else if (choice === copy) {
      await vscode.commands.executeCommand(CommandIds.copyTunnelUrl, sandbox.id, tunnel.containerPort);
    }
  } catch (err) {
    context.log.failure(`offering the forward of port ${tunnel.containerPort} of ${sandbox.name}`, err);
  }
}
