/**
 * Which forwarded port a command acts on: the one the caller named, or the user's pick among the
 * sandbox's forwards (none to pick when it has one). Opens this window's tunnels for them first,
 * so a forward made from another window or before a reload works here too.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { Tunnel } from '../../core/types';
import { UserFacingError } from '../errors';
import { portTargetFromArgs } from '../ports/portArgs';
import { tunnelItems, type TunnelItem } from '../ports/portFormat';
import type { CommandContext } from './commandContext';
import { requireRunning, resolveSandbox } from './pickSandbox';

export interface ForwardedPort {
  sandbox: Sandbox;
  tunnel: Tunnel;
}

/** `undefined` when the user dismissed a picker. */
export async function resolveForwardedPort(context: CommandContext, sandboxArg: unknown, portArg: unknown, title: string): Promise<ForwardedPort | undefined> {
  const target = portTargetFromArgs(sandboxArg, portArg);
  const sandbox = await resolveSandbox(context, target.sandboxId, { title });
  if (!sandbox) {
    return undefined;
  }
  await requireRunning(sandbox, 'reach its forwarded ports');
  const tunnels = await context.tunnels.open(sandbox);
  if (target.port !== undefined) {
    const tunnel = tunnels.find((t) => t.containerPort === target.port);
    if (!tunnel) {
      throw new UserFacingError(`Sandbox "${sandbox.name}" does not forward port ${target.port}.`, 'Forward it first with "Sandboxes: Forward Port…".');
    }
    return { sandbox, tunnel };
  }
  if (tunnels.length === 0) {
    throw new UserFacingError(
      `Sandbox "${sandbox.name}" forwards no ports.`,
      'Forward one with "Sandboxes: Forward Port…", or list ports in the "sandboxes.ports" settings before creating a sandbox.',
    );
  }
  const [only] = tunnels;
  if (tunnels.length === 1 && only) {
    return { sandbox, tunnel: only };
  }
  const picked = await vscode.window.showQuickPick<TunnelItem>(tunnelItems(tunnels), {
    title: `${title}: ${sandbox.name}`,
    placeHolder: 'Select a forwarded port',
    matchOnDescription: true,
  });
  return picked && { sandbox, tunnel: picked.tunnel };
}
