/**
 * "Allow for This Sandbox" / "Add to Workspace Allowlist" of a refusal notification
 * (network/refusalWatcher.ts), as a command so the action is the same whether a click or a caller
 * (a test, a keybinding) runs it. Hidden from the Command Palette: it needs the refused entry.
 *
 * Args: `{ sandboxId, entry, scope: 'sandbox' | 'workspace' }`. `sandbox` adds the entry to that
 * sandbox's own domain allowlist through SandboxChanges (the engine validates it and applies
 * nothing when it is invalid) and returns the new NetworkState; `workspace` adds it to the
 * workspace setting, which counts only where the settings rules let it (effectiveSettings.ts).
 */
import * as vscode from 'vscode';
import type { NetworkState } from '../../core/types';
import { SettingKeys } from '../../shared/settingKeys';
import { allowArgsFrom } from './commandArgs';
import type { CommandContext } from './commandContext';

export async function allowRefusedName(context: CommandContext, arg?: unknown): Promise<NetworkState | undefined> {
  const { sandboxId, entry, scope } = allowArgsFrom(arg);
  if (scope === 'sandbox') {
    const sandbox = await context.clients.fromId(sandboxId);
    const state = await sandbox.networkPolicy();
    const domains = [...new Set([...(state.domainAllowlist ?? []), entry])];
    const next = await context.changes.setNetworkPolicy(sandbox, { blockNetwork: false, cidrAllowlist: state.cidrAllowlist, domainAllowlist: domains });
    context.log.info(`Sandbox ${sandbox.name}: ${entry} added to its domain allowlist (on request).`);
    return next;
  }
  const config = vscode.workspace.getConfiguration();
  const current = config.inspect<unknown>(SettingKeys.domainAllowlist)?.workspaceValue;
  const list = Array.isArray(current) ? current.filter((e): e is string => typeof e === 'string') : [];
  await config.update(SettingKeys.domainAllowlist, [...new Set([...list, entry])], vscode.ConfigurationTarget.Workspace);
  context.log.info(`${entry} added to the workspace setting ${SettingKeys.domainAllowlist} (on request).`);
  return undefined;
}
