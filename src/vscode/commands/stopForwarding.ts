/**
 * "Stop Forwarding Port…": closes a forward's tunnel and refuses the port inbound again. Lists
 * every port the sandbox forwards (as its guard records them), also those this window has no
 * tunnel for. Called as `(sandbox, port)` it asks nothing; a port that is not forwarded is no
 * error. Returns `true` once stopped, `undefined` when nothing was picked.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { TunnelKind } from '../../core/types';
import { UserFacingError } from '../errors';
import { portTargetFromArgs } from '../ports/portArgs';
import { KIND_LABELS, browsableUrl } from '../ports/portFormat';
import type { CommandContext } from './commandContext';
import { requireRunning, resolveSandbox } from './pickSandbox';
import { withProgress } from '../uiText';

export async function stopForwarding(context: CommandContext, sandboxArg?: unknown, portArg?: unknown): Promise<boolean | undefined> {
  const target = portTargetFromArgs(sandboxArg, portArg);
  const sandbox = await resolveSandbox(context, target.sandboxId, { title: 'Stop Forwarding Port' });
  if (!sandbox) {
    return undefined;
  }
  await requireRunning(sandbox, 'stop forwarding a port');
  const port = target.port ?? (await pickForward(context, sandbox));
  if (port === undefined) {
    return undefined;
  }
  await withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping the forward of port ${port} of sandbox "${sandbox.name}"…` }, () =>
    context.tunnels.stop(sandbox, port),
  );
  vscode.window.setStatusBarMessage(`$(debug-disconnect) Port ${port} of "${sandbox.name}" is no longer forwarded`, 5000);
  return true;
}

interface ForwardItem extends vscode.QuickPickItem {
  port: number;
}

async function pickForward(context: CommandContext, sandbox: Sandbox): Promise<number | undefined> {
  const { forwards } = await sandbox.networkPolicy();
  if (forwards.length === 0) {
    throw new UserFacingError(`Sandbox "${sandbox.name}" forwards no ports.`, 'There is nothing to stop.');
  }
  const open = new Map(context.tunnels.list(sandbox.id).map((t) => [t.containerPort, t]));
  const items: ForwardItem[] = [...forwards]
    .sort((a, b) => a.port - b.port)
    .map(({ port, kind }: { port: number; kind: TunnelKind }) => {
      const tunnel = open.get(port);
      return {
        label: `Port ${port}`,
        description: tunnel ? `${browsableUrl(tunnel)} · ${KIND_LABELS[kind]}` : `${KIND_LABELS[kind]} · no tunnel in this window`,
        port,
      };
    });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Stop Forwarding Port: ${sandbox.name}`,
    placeHolder: 'Select the port to stop forwarding',
  });
  return picked?.port;
}
