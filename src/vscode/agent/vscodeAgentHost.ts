/**
 * The AgentHost of the editor: the agent sandbox is made from this workspace's settings (image,
 * limits, network policy, ports; the workspace folder always copied in, never mounted, as
 * `sandboxes.workspace.mount` allows; `sandboxes.agent.idleTimeoutSeconds`), through the one
 * creation path, so it shows in the Sandboxes view, marked "agent"; ports and policy change
 * through the tunnel and change services; network requests ask the user.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { AgentHost, NetworkDecision, NetworkRequest, Sandbox } from '../../core';
import type { SandboxClientService } from '../client';
import { createWithProgress, type CreateContext } from '../create/creationService';
import { currentMountChoices } from '../files/chooseWorkspaceMounts';
import { defaultMountChoice, mountOverrides } from '../files/workspaceMounts';
import { currentWorkspaceTag, readEffectiveSettings, readSandboxDefaults, readWorkspaceMountSettings } from '../settings';
import { SettingKeys } from '../../shared/settingKeys';
import { showWarningMessage } from '../uiText';
import { excerpt } from '../untrustedText';
import type { AgentTerminal } from './agentTerminal';

/** The tag that marks agent sandboxes (the Sandboxes view shows "agent"). */
export const AGENT_TAG = 'agent';

export function agentTags(): Record<string, string> {
  return { [AGENT_TAG]: 'vscode', workspace: currentWorkspaceTag() };
}

export function numberSetting(key: string, fallback: number): number {
  const value: unknown = readEffectiveSettings().get(key);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function vscodeAgentHost(context: CreateContext & { clients: SandboxClientService }, terminal: AgentTerminal): AgentHost {
  return {
    client: () => context.clients.client,
    get tags() {
      return agentTags();
    },
    createSandbox: () => createAgentSandbox(context),
    forwardPort: (sandbox, port, options) => context.tunnels.forward(sandbox, port, options),
    setNetworkPolicy: (sandbox, policy) => context.changes.setNetworkPolicy(sandbox, policy, { followsDefaults: false }),
    askNetwork: askUser,
    log: (line) => context.log.info(line),
    startRunView: (name, display) => terminal.start(name, display),
  };
}

async function createAgentSandbox(context: CreateContext): Promise<Sandbox> {
  const defaults = readSandboxDefaults();
  const mountSettings = readWorkspaceMountSettings();
  // The agent never writes the user's files: a folder reaches its sandbox as a copy, or not at all.
  const choice = defaultMountChoice(currentMountChoices({ ...mountSettings, mode: mountSettings.mode === 'none' ? 'none' : 'copy' }));
  // `null` (like 0) means never, as the setting's description says; unset means the default.
  const idle = readEffectiveSettings().get(SettingKeys.agentIdleTimeoutSeconds) === null ? 0 : numberSetting(SettingKeys.agentIdleTimeoutSeconds, 1800);
  const tags = agentTags();
  return createWithProgress(
    context,
    {
      ...mountOverrides(choice, { workdir: defaults.workdir }),
      name: `agent-${tags.workspace!.slice(0, 6)}-${randomBytes(2).toString('hex')}`,
      ...(idle > 0 ? { idleTimeoutSeconds: idle } : {}),
      tags: { ...defaults.tags, ...tags },
    },
    defaults,
  );
}

/** Asks with a notification; no answer within the setting's time, a cancelled call, or an untrusted workspace is a "no". */
async function askUser(request: NetworkRequest, signal: AbortSignal): Promise<NetworkDecision> {
  if (!vscode.workspace.isTrusted) {
    return { approved: false, note: 'this workspace is not trusted, so agents cannot ask for network changes; the user can change it with Toggle Network' };
  }
  const seconds = numberSetting(SettingKeys.agentNetworkRequestTimeoutSeconds, 120);
  const what = request.change === 'allow' ? `allow ${request.cidrs.join(', ')}` : request.change === 'open' ? 'open all outbound traffic' : 'block all network traffic';
  const allow = 'Allow';
  const decline = 'Decline';
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const answer = await Promise.race([
    showWarningMessage(
      `An agent asks to ${excerpt(what, 200)} for sandbox "${request.sandboxName}" (now ${request.current.mode}). Reason: ${excerpt(request.reason, 300)}`,
      allow,
      decline,
    ),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), seconds * 1000))),
    new Promise<'cancelled'>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve('cancelled')))),
  ]);
  clearTimeout(timer);
  if (onAbort) signal.removeEventListener('abort', onAbort);
  if (answer === allow) return { approved: true, note: 'the user allowed it' };
  if (answer === 'timeout') return { approved: false, note: `no answer within ${seconds} s` };
  if (answer === 'cancelled') return { approved: false, note: 'the tool call was cancelled' };
  return { approved: false, note: answer === decline ? 'the user declined' : 'the user dismissed the request' };
}
