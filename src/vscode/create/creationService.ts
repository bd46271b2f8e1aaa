/**
 * The creation service: the one path from a spec to a sandbox, for the Create Sandbox commands
 * and the Create Sandbox form alike. Commands and panels import it; it imports neither.
 */
import * as vscode from 'vscode';
import { validateSpec, type Sandbox } from '../../core';
import type { SandboxSpec } from '../../core/types';
import type { SandboxClientService } from '../client';
import { currentMountChoices } from '../files/chooseWorkspaceMounts';
import { formatCopyProgress, progressIncrements } from '../files/fileFormat';
import type { WorkspaceMountSettings } from '../files/mountSettings';
import { defaultMountChoice, mountOverrides, mountSettingsForSnapshot } from '../files/workspaceMounts';
import type { ExtensionLog } from '../log';
import { forwardsPorts } from '../ports/portSettings';
import type { TunnelService } from '../ports/tunnelService';
import type { SandboxChanges } from '../sandboxChanges';
import { readPoolSize, readSandboxDefaults, readWorkspaceMountSettings } from '../settings';
import { withOverrides } from '../settingsToSpec';
import { showWarningMessage, withProgress } from '../uiText';
import { excerpt } from '../untrustedText';
import { keepPoolWarm } from './keepPoolWarm';
import type { PoolPreference } from './poolPreference';
import { sameSpecButName } from './poolSettings';
import { DEFAULT_ENGINE } from '../engines/engineEntries';

/** A snapshot a sandbox is made from (Create Sandbox from Snapshot). */
export interface SnapshotSource {
  /** The snapshot's image reference. */
  ref: string;
  /** How the snapshot is named in messages, e.g. "snapshot of web (2 hours ago)". */
  label: string;
  /** The engine whose image it is (`sandboxes.docker.engines` key); the default engine when absent. */
  engine?: string;
}

/** What creating needs of the command context (the Create Sandbox form has it too). */
export interface CreateContext {
  clients: SandboxClientService;
  log: ExtensionLog;
  tunnels: TunnelService;
  changes: SandboxChanges;
  /** Notes creates in this workspace, for the automatic pool size (absent: agents' creates do not count). */
  pool?: PoolPreference;
}

/**
 * Creates with pull progress in a cancellable notification, opens the tunnels of its forwarded
 * ports (the change service tells the views): the one path from a spec to a sandbox, for this command and the form.
 */
export async function createWithProgress(
  context: CreateContext,
  overrides: Partial<SandboxSpec>,
  defaults: SandboxSpec,
  snapshot?: SnapshotSource,
  /** The engine's key (`sandboxes.docker.engines`); the default engine when omitted. */
  engine: string = DEFAULT_ENGINE,
): Promise<Sandbox> {
  const spec = validateSpec(withOverrides(defaults, withWorkspaceMounts(overrides, defaults, snapshot)));
  const client = context.clients.clientOf(engine);
  const sandbox = await withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Creating sandbox from ${snapshot?.label ?? spec.image}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancellation = token.onCancellationRequested(() => abort.abort());
      const copied = progressIncrements();
      try {
        const sandbox = await context.changes.create(client, spec, {
          signal: abort.signal,
          onProgress: (message) => progress.report({ message }),
          onCopyProgress: (p) => progress.report({ message: `Copying the workspace: ${formatCopyProgress(p)}`, increment: copied(p) }),
        });
        if (token.isCancellationRequested) {
          // Cancelled as creation finished: the user asked for no sandbox, so leave none behind.
          await context.changes.terminate(sandbox).catch((err: unknown) => context.log.failure(`terminating ${sandbox.name}`, err));
          throw new vscode.CancellationError();
        }
        return sandbox;
      } finally {
        cancellation.dispose();
      }
    },
  );
  // Later commands given its bare id go to this engine at once.
  context.clients.noteCreated(engine, sandbox.id);
  // The next Create Sandbox with this spec claims a sandbox started ahead (sandboxes.pool.size).
  context.pool?.noteCreated();
  keepPoolWarm(client, { spec, createdHere: context.pool?.createdHere() ?? false, isDefaultSpec: !snapshot && isDefaultSpec(spec) }, context.log);
  if (forwardsPorts(spec)) {
    await openForwards(context, sandbox);
  }
  return sandbox;
}

/** This workspace's default spec: what Create Sandbox makes from the settings with no choice but a name; undefined when the settings are invalid. */
function defaultSpec(): SandboxSpec | undefined {
  try {
    const defaults = readSandboxDefaults();
    return validateSpec(withOverrides(defaults, withWorkspaceMounts({}, defaults, undefined)));
  } catch {
    return undefined;
  }
}

function isDefaultSpec(spec: SandboxSpec): boolean {
  const defaults = defaultSpec();
  return defaults !== undefined && sameSpecButName(spec, defaults);
}

/**
 * At startup, where the user has created sandboxes before: the pool for this workspace's default
 * spec, so the window's first Create Sandbox claims one (the automatic `sandboxes.pool.size`).
 * Nothing (and no engine loaded) where no sandbox was created, or with a size of 0.
 */
export function warmDefaultPool(context: Pick<CreateContext, 'clients' | 'log'>, pool: PoolPreference): void {
  if (!pool.createdHere() || readPoolSize() === 0) return;
  const spec = defaultSpec();
  if (spec) keepPoolWarm(context.clients.client, { spec, createdHere: true, isDefaultSpec: true }, context.log);
}

export function workspaceMountSettings(snapshot: SnapshotSource | undefined): WorkspaceMountSettings {
  const settings = readWorkspaceMountSettings();
  return snapshot ? mountSettingsForSnapshot(settings) : settings;
}

/**
 * A caller's `mounts` (even `[]`) are its choice; otherwise the settings decide, without a
 * question: the only folder, or all of them.
 */
function withWorkspaceMounts(overrides: Partial<SandboxSpec>, defaults: SandboxSpec, snapshot: SnapshotSource | undefined): Partial<SandboxSpec> {
  if (overrides.mounts !== undefined) {
    return overrides;
  }
  const choice = defaultMountChoice(currentMountChoices(workspaceMountSettings(snapshot)));
  return { ...mountOverrides(choice, { workdir: overrides.workdir ?? defaults.workdir }), ...overrides };
}

/** A failure here leaves a running sandbox: say so, and how to try again, rather than fail the command. */
async function openForwards(context: CreateContext, sandbox: Sandbox): Promise<void> {
  try {
    await context.tunnels.open(sandbox);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    context.log.failure(`opening the forwarded ports of ${sandbox.name}`, err);
    void showWarningMessage(
      `Sandbox "${sandbox.name}" is running, but its forwarded ports could not be opened: ${excerpt(message)} (the log has the details). Run "Sandboxes: Open Forwarded Port in Browser" to try again.`,
    );
  }
}
