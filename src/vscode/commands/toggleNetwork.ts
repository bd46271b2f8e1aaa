/**
 * "Set Network Policy…" (id `sandboxes.toggleNetwork`, kept from its old name "Toggle Network" so
 * keybindings, links and callers keep working): changes one running sandbox's network, live:
 * open, blocked, the allowlist from the settings (or networks typed for this sandbox when that
 * setting is empty), or following the workspace settings. Any choice but the last is a policy
 * for this sandbox alone, which later settings changes leave alone. Called as
 * `(sandbox, mode)` it asks nothing. Returns the new `NetworkState`.
 */
import * as vscode from 'vscode';
import { parseCidr, type Sandbox } from '../../core';
import type { NetworkState } from '../../core/types';
import { UserFacingError } from '../errors';
import { describeNetworkState, describePolicy } from '../network/networkFormat';
import {
  asksForAllowlist,
  changeForChoice,
  parseTypedAllowlist,
  choiceItems,
  describeOutcome,
  refuseUnenforceable,
  type NetworkChoice,
  type SettingsOrError,
} from '../network/networkChoices';
import { readNetworkSettings } from '../settings';
import { networkChoiceFromArg } from './commandArgs';
import type { CommandContext } from './commandContext';
import { requireRunning, resolveSandbox } from './pickSandbox';
import { showInformationMessage, showInputBox, withProgress } from '../uiText';

/** The command's name in titles and the log. */
const TITLE = 'Set Network Policy';

interface ChoiceQuickPickItem extends vscode.QuickPickItem {
  choice: NetworkChoice;
}

export async function toggleNetwork(context: CommandContext, sandboxArg?: unknown, modeArg?: unknown): Promise<NetworkState | undefined> {
  const given = networkChoiceFromArg(modeArg);
  const sandbox = await resolveSandbox(context, sandboxArg, { title: TITLE });
  if (!sandbox) {
    return undefined;
  }
  await requireRunning(sandbox, 'change the network');
  const current = await context.sandboxesView.list.networkStateOf(sandbox);
  if (current instanceof Error) {
    throw current;
  }
  const settings = readSettingsOrError();
  const choice = given ?? (await pickChoice(sandbox, current, settings));
  if (!choice) {
    return undefined;
  }

  let typed: string[] | undefined;
  if (!given && asksForAllowlist(choice, settings)) {
    typed = await askForAllowlist(sandbox, current);
    if (!typed) return undefined;
  }
  const change = changeForChoice(choice, settings, typed);
  refuseUnenforceable(current, change, sandbox.name);
  const state = await withProgress({ location: vscode.ProgressLocation.Notification, title: `Changing the network of sandbox "${sandbox.name}"…` }, () =>
    context.changes.setNetworkPolicy(sandbox, change.policy, { followsDefaults: change.followsDefaults }),
  );

  const outcome = describeOutcome(sandbox.name, state);
  context.log.info(
    `${TITLE}: sandbox ${sandbox.name} (${sandbox.id}) ${describePolicy(current)}${current.followsDefaults ? ' following the settings' : ''} → ${describePolicy(state)}${state.followsDefaults ? ' following the settings' : ''}.`,
  );
  vscode.window.setStatusBarMessage(`$(shield) ${outcome}`, 5000);
  // No Docker event reports a policy change: the view and the status bar are told.
  if (!given) {
    void showInformationMessage(outcome);
  }
  return state;
}

function readSettingsOrError(): SettingsOrError {
  try {
    return readNetworkSettings();
  } catch (err) {
    if (err instanceof UserFacingError) {
      return err;
    }
    throw err;
  }
}

async function pickChoice(sandbox: Sandbox, current: NetworkState, settings: SettingsOrError): Promise<NetworkChoice | undefined> {
  const rows = choiceItems(current, settings);
  const items: ChoiceQuickPickItem[] = rows.map((row) => ({
    label: row.label,
    description: row.description,
    detail: row.detail,
    choice: row.choice,
  }));
  const quickPick = vscode.window.createQuickPick<ChoiceQuickPickItem>();
  quickPick.title = `${TITLE}: ${sandbox.name}`;
  quickPick.placeholder = `Now ${describeNetworkState(current)}. Choose its network:`;
  quickPick.matchOnDescription = true;
  quickPick.items = items;
  const currentItem = items[rows.findIndex((row) => row.current)];
  if (currentItem) {
    quickPick.activeItems = [currentItem];
  }
  try {
    return await new Promise<NetworkChoice | undefined>((resolve) => {
      quickPick.onDidAccept(() => {
        resolve(quickPick.selectedItems[0]?.choice);
        quickPick.hide();
      });
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.show();
    });
  } finally {
    quickPick.dispose();
  }
}

/**
 * The allowlist setting is empty: the networks for this sandbox, typed in one line and checked as
 * they are typed, with the same words as the Create form. `undefined`: dismissed.
 */
async function askForAllowlist(sandbox: Sandbox, current: NetworkState): Promise<string[] | undefined> {
  // Wrapped: reading an export of the engine loads it (see createFormPanel.ts).
  const parse = (text: string) => parseTypedAllowlist(text, (entry) => parseCidr(entry));
  const text = await showInputBox({
    title: `${TITLE}: ${sandbox.name} — Allowlist`,
    prompt: 'The networks this sandbox may reach, separated by commas (IPv4/IPv6 CIDRs or addresses). To resolve names, allow your DNS resolver too.',
    placeHolder: 'e.g. 10.0.0.0/8, 192.0.2.7',
    value: current.mode === 'allowlist' ? current.cidrAllowlist.join(', ') : '',
    validateInput: (value) => {
      const parsed = parse(value);
      return typeof parsed === 'string' ? parsed : undefined;
    },
  });
  if (text === undefined) return undefined;
  const parsed = parse(text);
  return typeof parsed === 'string' ? undefined : parsed.cidrs;
}
