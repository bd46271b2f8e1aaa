/**
 * Which sandbox a command acts on: the one the caller named, or the user's pick from a
 * QuickPick of sandboxes, which says so when there are none and offers to create one.
 */
import * as vscode from 'vscode';
import { Sandbox } from '../../core';
import type { NetworkState, SandboxInfo } from '../../core/types';
import { UserFacingError } from '../errors';
import { describeSandbox } from '../sandboxFormat';
import { sandboxNameOfTerminal } from '../tree/sandboxTerminals';
import { sandboxIdFromArg } from './commandArgs';
import { DEFAULT_ENGINE, engineKeyFromArg } from '../engines/engineEntries';
import type { CommandContext } from './commandContext';
import { promptAndCreateSandbox } from './createSandbox';
import { showInformationMessage } from '../uiText';

export interface PickOptions {
  /** QuickPick title, e.g. "Open Terminal". */
  title: string;
  /** List stopped sandboxes too (to terminate them); otherwise running ones only. */
  includeStopped?: boolean;
  /** Offer "Create Sandbox" in the list, so picking a sandbox to work in is never a dead end. */
  offerCreate?: boolean;
}

interface SandboxItem extends vscode.QuickPickItem {
  info?: SandboxInfo;
  /** The engine that listed it (`sandboxes.docker.engines`). */
  engine?: string;
  create?: true;
}

/** `undefined` when the user dismissed the picker. */
export async function resolveSandbox(context: CommandContext, arg: unknown, options: PickOptions): Promise<Sandbox | undefined> {
  const id = sandboxIdFromArg(arg);
  // A tree node or `{ engine }` names the engine; a bare id goes where it was listed last.
  return id === undefined ? pickSandbox(context, options) : context.clients.fromId(id, engineKeyFromArg(arg));
}

/** Fresh state of a sandbox that must be running for `action` (e.g. "open a terminal"). */
export async function requireRunning(sandbox: Sandbox, action: string): Promise<SandboxInfo> {
  const info = await sandbox.info();
  if (info.state !== 'running') {
    throw new UserFacingError(
      `Cannot ${action} in sandbox "${info.name}": it is ${info.state}, not running.`,
      'A stopped sandbox cannot be restarted; create a new one with "Sandboxes: Create Sandbox".',
    );
  }
  return info;
}

export async function pickSandbox(context: CommandContext, options: PickOptions): Promise<Sandbox | undefined> {
  const quickPick = vscode.window.createQuickPick<SandboxItem>();
  quickPick.title = options.title;
  quickPick.placeholder = 'Loading sandboxes…';
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  // Shown at once, busy, so the command responds before Docker does.
  quickPick.busy = true;
  quickPick.show();

  const picked = new Promise<SandboxItem | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      // Enter while the list is loading, or while its rows are replaced (live network states),
      // would pick nothing and close the picker: wait for a row to pick. Escape still closes.
      const item = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
      if (quickPick.busy || !item) {
        return;
      }
      resolve(item);
      quickPick.hide();
    });
    quickPick.onDidHide(() => resolve(undefined));
  });

  try {
    const sandboxItems = await loadItems(context, options);
    if (sandboxItems.length === 0 && !options.offerCreate) {
      quickPick.hide();
      void showInformationMessage(`There are no ${options.includeStopped ? '' : 'running '}sandboxes.`);
      return undefined;
    }
    quickPick.items = options.offerCreate ? withCreateItem(sandboxItems) : sandboxItems;
    quickPick.placeholder = sandboxItems.length > 0 ? 'Select a sandbox' : 'There are no running sandboxes. Create one?';
    preselectActive(quickPick, sandboxItems);
    quickPick.busy = false;
    void showLiveNetwork(context, quickPick, sandboxItems, options);

    const item = await picked;
    if (item?.create) {
      return await promptAndCreateSandbox(context);
    }
    return item?.info && (await context.clients.fromId(item.info.id, item.engine));
  } finally {
    quickPick.dispose();
  }
}

/**
 * One Docker call per engine for the whole list, states included, so the picker fills at once.
 * With more than one engine every engine's sandboxes are listed (an unreachable one is skipped
 * and logged), each row naming its engine.
 */
async function loadItems(context: CommandContext, options: PickOptions): Promise<SandboxItem[]> {
  const engines = context.clients.engines;
  const listed = await Promise.all(
    engines.map(async (engine, i) => {
      try {
        const infos = await context.clients.clientOf(engine.key).listInfo({ all: options.includeStopped ?? false });
        return infos.map((info) => ({ info, engine: engine.key, engineName: engines.length > 1 ? engine.name : undefined }));
      } catch (err) {
        // The default engine's failure is the command's, as always; another's only hides its rows.
        if (i === 0) throw err;
        context.log.failure(`listing the sandboxes on engine "${engine.name}"`, err);
        return [];
      }
    }),
  );
  const now = new Date();
  return (
    listed
      .flat()
      .filter(({ info }) => options.includeStopped || info.state === 'running')
      .sort((a, b) => runningFirst(a.info, b.info) || b.info.createdAt.getTime() - a.info.createdAt.getTime())
      // The policy already read for the tree, if any, at once; the guard's answer replaces it (showLiveNetwork).
      .map(({ info, engine, engineName }) => toItem(info, now, context.sandboxesView.list.knownNetworkState(info.id), engine, engineName))
  );
}

function toItem(info: SandboxInfo, now: Date, network: NetworkState | undefined, engine: string | undefined, engineName: string | undefined): SandboxItem {
  const { label, description, detail } = describeSandbox(info, now, network);
  const icon = info.state === 'running' ? '$(vm-running)' : '$(vm-outline)';
  return { label: `${icon} ${label}`, description: engineName === undefined ? description : `${engineName} · ${description}`, detail, info, engine };
}

/**
 * The network policy in force can have changed since creation (settings re-applied, Toggle
 * Network), and only the sandbox's guard knows it: one exec per sandbox, so the rows show the
 * mode recorded at creation first and the live one as soon as it is known.
 */
async function showLiveNetwork(context: CommandContext, quickPick: vscode.QuickPick<SandboxItem>, items: SandboxItem[], options: PickOptions): Promise<void> {
  const states = await Promise.all(
    items.map((item) =>
      item.info?.state === 'running'
        ? context.clients
            .clientOf(item.engine ?? DEFAULT_ENGINE)
            .handle(item.info)
            .networkPolicy()
            .catch(() => undefined)
        : Promise.resolve(undefined),
    ),
  );
  // Once the picker is closed (and disposed), updating it does nothing: no check needed.
  if (!states.some(Boolean)) {
    return;
  }
  const now = new Date();
  const multi = context.clients.multiEngine;
  const updated = items.map((item, i) =>
    item.info ? toItem(item.info, now, states[i], item.engine, multi && item.engine ? context.clients.engineEntry(item.engine)?.name : undefined) : item,
  );
  const activeId = quickPick.activeItems[0]?.info?.id;
  quickPick.items = options.offerCreate ? withCreateItem(updated) : updated;
  const active = updated.find((item) => activeId !== undefined && item.info?.id === activeId);
  if (active) {
    quickPick.activeItems = [active];
  }
}

/** The sandbox of the active terminal (the one being worked in, as in the status bar) comes preselected. */
function preselectActive(quickPick: vscode.QuickPick<SandboxItem>, items: SandboxItem[]): void {
  const terminal = vscode.window.activeTerminal;
  const name = terminal && sandboxNameOfTerminal(terminal);
  const active = name === undefined ? undefined : items.find((item) => item.info?.name === name);
  if (active) {
    quickPick.activeItems = [active];
  }
}

function runningFirst(a: SandboxInfo, b: SandboxInfo): number {
  return Number(b.state === 'running') - Number(a.state === 'running');
}

function withCreateItem(items: SandboxItem[]): SandboxItem[] {
  const create: SandboxItem = {
    label: '$(add) Create Sandbox',
    detail: items.length === 0 ? 'There are no running sandboxes. Create one from the defaults in settings.' : undefined,
    create: true,
    alwaysShow: true,
  };
  if (items.length === 0) {
    return [create];
  }
  return [...items, { label: '', kind: vscode.QuickPickItemKind.Separator }, create];
}
