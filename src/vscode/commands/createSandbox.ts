/**
 * "Create Sandbox": a sandbox from the `sandboxes.defaults.*`, `sandboxes.network.*` and
 * `sandboxes.ports.*` settings, with pull progress in a cancellable notification. Its network
 * follows this workspace's settings (network/networkDefaults.ts re-applies them when they change)
 * unless the caller passes a policy; the tunnels of its forwarded ports are opened at once. The
 * workspace folder is copied or mounted in as `sandboxes.workspace.*` say (files/workspaceMounts.ts),
 * with the copy's progress in the same notification. "Create Sandbox from Snapshot" comes through
 * here too, with the snapshot as the image.
 * Returns the new sandbox's id (for tests and other extensions).
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { SandboxSpec } from '../../core/types';
import { chooseWorkspaceMounts, currentMountChoices } from '../files/chooseWorkspaceMounts';
import { describeMounts, mountOverrides } from '../files/workspaceMounts';
import { describePolicy } from '../network/networkFormat';
import { describePortSettings, summarizeTunnels } from '../ports/portFormat';
import { forwardsPorts } from '../ports/portSettings';
import { describeRuntime } from '../sandboxFormat';
import { isGvisorSandbox } from '../../shared/runtimes';
import { GVISOR_RUNTIME, readSandboxDefaults } from '../settings';
import { createOverridesFromArg, validateSandboxName } from './commandArgs';
import type { CommandContext } from './commandContext';
import { createWithProgress, workspaceMountSettings, type SnapshotSource } from '../create/creationService';

export type { SnapshotSource };
import { CommandIds } from './commandIds';
import { showInformationMessage, showInputBoxWithButtons, showWarningMessage } from '../uiText';
import { pickImage } from '../create/pickImage';
import { DEFAULT_ENGINE } from '../engines/engineEntries';
import { checkedEngineKey, pickEngine } from '../engines/pickEngine';

/** The name prompt's title-bar button: the local images with their sizes, or any name typed. */
const CHOOSE_IMAGE: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('package'), tooltip: 'Choose Image…' };

/**
 * With no argument, asks for an optional name and afterwards offers a terminal. With an object
 * (`{}` or spec fields such as `{ name, image }`), creates without asking anything.
 */
export async function createSandbox(context: CommandContext, arg?: unknown): Promise<string | undefined> {
  const given = createOverridesFromArg(arg);
  if (given) {
    // `engine` (a key of sandboxes.docker.engines) says where; the rest are spec fields.
    const { engine, ...overrides } = given as Partial<SandboxSpec> & { engine?: unknown };
    return (await createSandboxWithoutPrompts(context, overrides, undefined, checkedEngineKey(context.clients, engine))).id;
  }
  return createAndOfferTerminal(context);
}

/** The command's interactive flow: ask, create, then offer a terminal. */
export async function createAndOfferTerminal(context: CommandContext, snapshot?: SnapshotSource): Promise<string | undefined> {
  const sandbox = await promptAndCreateSandbox(context, snapshot);
  if (!sandbox) {
    return undefined;
  }
  // Shown and selected in the Sandboxes view (issue #14), without taking the focus from the editor.
  void context.sandboxesView.reveal(sandbox.id, { focus: false }).catch((err: unknown) => context.log.failure('revealing the new sandbox', err));
  void offerTerminal(context, sandbox);
  return sandbox.id;
}

/**
 * The interactive flow, also offered by the sandbox picker when there is nothing to pick, and by
 * "Create Sandbox from Snapshot" with the snapshot to start from.
 */
export async function promptAndCreateSandbox(context: CommandContext, snapshot?: SnapshotSource): Promise<Sandbox | undefined> {
  // Invalid settings fail here, before the user has typed anything.
  const defaults = readSandboxDefaults();
  // With more than one engine, where first (a snapshot's sandbox goes where its image is).
  const engine = snapshot ? (snapshot.engine ?? DEFAULT_ENGINE) : await pickEngine(context.clients, 'Create Sandbox: Where?');
  if (engine === undefined) return undefined;
  const mountSettings = workspaceMountSettings(snapshot);
  const choices = currentMountChoices(mountSettings);
  const folders = choices.length === 1 ? `, ${describeMounts(choices[0]?.mounts)}` : '';
  // The image from the settings, unless "Choose Image…" (a title-bar button) picks another; a
  // snapshot is its own image.
  let image = defaults.image;
  let name = '';
  for (;;) {
    const answer = await showInputBoxWithButtons(
      {
        title: snapshot ? 'Create Sandbox from Snapshot' : 'Create Sandbox',
        prompt: `From ${snapshot?.label ?? image}, ${describeRuntime(defaults.runtime ?? GVISOR_RUNTIME)}, network ${describePolicy(defaults)}${forwardsPorts(defaults) ? `, forwarding ${describePortSettings(defaults)}` : ''}${folders}. Press Enter for a generated name.`,
        placeHolder: 'Name (optional)',
        value: name,
        validateInput: validateSandboxName,
      },
      snapshot ? [] : [CHOOSE_IMAGE],
    );
    if (answer === undefined) {
      return undefined;
    }
    if ('value' in answer) {
      name = answer.value;
      break;
    }
    image = (await pickImage(context, image, engine)) ?? image;
  }
  const mounts = mountOverrides(await chooseWorkspaceMounts(mountSettings, choices, true), defaults);
  const chosenImage = snapshot ? { image: snapshot.ref } : image !== defaults.image ? { image } : {};
  const overrides: Partial<SandboxSpec> = { ...mounts, ...chosenImage, ...(name.trim() ? { name: name.trim() } : {}) };
  return createWithProgress(context, overrides, defaults, snapshot, engine);
}

/** Creates without asking anything: spec fields from the caller over the settings (the command called with an object). */
export async function createSandboxWithoutPrompts(context: CommandContext, overrides: Partial<SandboxSpec>, snapshot?: SnapshotSource, engine?: string): Promise<Sandbox> {
  return createWithProgress(context, snapshot ? { ...overrides, image: snapshot.ref } : overrides, readSandboxDefaults(), snapshot, engine);
}

/** Not awaited by the command: the notification may stay up long after the sandbox is ready. */
async function offerTerminal(context: CommandContext, sandbox: Sandbox): Promise<void> {
  const openTerminal = 'Open Terminal';
  const openInBrowser = 'Open in Browser';
  try {
    const info = await sandbox.info();
    const { runtime } = info;
    const tunnels = context.tunnels.list(sandbox.id);
    const forwarding = tunnels.length > 0 ? ` Forwarding ${summarizeTunnels(tunnels)}.` : '';
    const actions = tunnels.length > 0 ? [openTerminal, openInBrowser] : [openTerminal];
    const choice = isGvisorSandbox(info)
      ? await showInformationMessage(`Sandbox "${sandbox.name}" is running under gVisor.${forwarding}`, ...actions)
      : await showWarningMessage(`Sandbox "${sandbox.name}" is running with runtime "${runtime}": it is not isolated by gVisor.${forwarding}`, ...actions);
    if (choice === openTerminal) {
      await vscode.commands.executeCommand(CommandIds.openTerminal, sandbox.id);
    } else if (choice === openInBrowser) {
      // With one port, straight to it; with several, the command asks which.
      await vscode.commands.executeCommand(CommandIds.openInBrowser, sandbox.id, tunnels.length === 1 ? tunnels[0]?.containerPort : undefined);
    }
  } catch (err) {
    context.log.failure(`offering a terminal for ${sandbox.name}`, err);
  }
}
