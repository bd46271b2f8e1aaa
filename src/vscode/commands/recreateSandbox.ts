/**
 * "Recreate Sandbox…": a sandbox that died behind the user's back (killed, out of memory, timed
 * out, a Docker restart) comes back as a new sandbox with the same spec, the network policy and
 * forwarded ports it last had. The stopped one is removed only when the user says so (its
 * container is all that is left of its files), else kept beside the new one.
 *
 * `(sandbox, { keepOld: boolean })` asks nothing (tests, the notification's own question).
 * Returns the new sandbox's id, `undefined` when the user declined.
 */
import * as vscode from 'vscode';
import type { SandboxSpec } from '../../core/types';
import { sandboxIdFromArg } from './commandArgs';
import { engineKeyFromArg } from '../engines/engineEntries';
import type { CommandContext } from './commandContext';
import { UserFacingError } from '../errors';
import { freeName, recreateSpec } from '../lifecycle/recreateSpec';
import { endingSentence } from '../tree/endingText';
import { showWarningMessage, withProgress } from '../uiText';

export async function recreateSandbox(context: CommandContext, arg?: unknown, optionsArg?: unknown): Promise<string | undefined> {
  const id = sandboxIdFromArg(arg);
  if (id === undefined) {
    throw new TypeError('Recreate Sandbox… needs the sandbox (a tree node, an id or a name).');
  }
  const keepOldArg = typeof optionsArg === 'object' && optionsArg !== null ? (optionsArg as { keepOld?: unknown }).keepOld : undefined;
  // On the stopped sandbox's own engine: the new one goes where the old one was.
  const old = await context.clients.fromId(id, engineKeyFromArg(arg));
  const client = context.clients.clientFor(old.id);
  const info = await old.info();
  const ending = await old.ending();
  if (!ending) {
    throw new UserFacingError(`Sandbox "${info.name}" is ${info.state}: there is nothing to recreate.`, 'Recreate is for sandboxes that stopped; this one still runs.');
  }
  if (!ending.spec) {
    throw new UserFacingError(
      `Sandbox "${info.name}" cannot be recreated: the spec it was created with is not recorded on its container.`,
      'It was made by an older version or by hand; create a new sandbox with "Sandboxes: Create Sandbox".',
    );
  }

  let keepOld: boolean;
  if (typeof keepOldArg === 'boolean') {
    keepOld = keepOldArg;
  } else {
    const remove = 'Recreate and Remove the Stopped One';
    const keep = 'Recreate and Keep It';
    const choice = await showWarningMessage(
      `Recreate sandbox "${info.name}"?`,
      {
        modal: true,
        detail: `It ${endingSentence(ending)}. A new sandbox starts with the same image (${ending.spec.image}), settings, network policy and forwarded ports${describeMounts(ending.spec)}. Files written in the stopped one are only in its container: remove it, or keep it beside the new one.`,
      },
      remove,
      keep,
    );
    if (choice === undefined) return undefined;
    keepOld = choice === keep;
  }

  // What the window last saw in force wins over the guard's record only when the guard is gone.
  const policy = ending.policy ?? context.sandboxesView.list.lastKnownPolicy(info.id);
  if (!keepOld) {
    await context.changes.terminate(old);
  }
  const taken = new Set((await client.listInfo({ all: true })).map((s) => s.name));
  const spec = recreateSpec(ending.spec, policy, freeName(info.name, taken));
  const sandbox = await withProgress({ location: vscode.ProgressLocation.Notification, title: `Recreating sandbox "${spec.name}"…` }, () =>
    context.changes.create(client, spec),
  );
  try {
    await context.tunnels.open(sandbox);
  } catch (err) {
    context.log.failure(`opening the forwarded ports of ${sandbox.name}`, err);
  }
  context.log.info(`Recreated sandbox "${info.name}" (${info.id}) as "${sandbox.name}" (${sandbox.id})${keepOld ? '; the stopped one is kept' : ''}.`);
  void context.sandboxesView.reveal(sandbox.id, { focus: false }).catch(() => undefined);
  return sandbox.id;
}

/**
 * The host folders the recreated sandbox gets, said before it is created: the spec comes from a
 * Docker label, which anything with access to the engine can write.
 */
function describeMounts(spec: SandboxSpec): string {
  const mounts = spec.mounts ?? [];
  if (mounts.length === 0) return ', with no folder of this machine';
  return `, with ${mounts.map((m) => `${m.source} (${m.mode === 'copy' ? 'copied in' : m.mode})`).join(', ')}`;
}
