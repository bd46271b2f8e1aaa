/**
 * Entry point. Only wires services together and registers commands; everything else lives in
 * its own module. Activation is on first use of a command or when the Sandboxes view opens
 * (both inferred from `contributes`).
 */
import type * as vscode from 'vscode';
import type * as core from '../core';
import { AgentTools } from './agent/agentTools';
import { SandboxClientService } from './client';
import { CommandHistory } from './commands/commandHistory';
import { CommandOutput } from './commands/commandOutput';
import { registerCommands } from './commands/registerCommands';
import { SandboxFileSystemProvider } from './files/sandboxFileSystemProvider';
import { IgnoredSettingsReporter } from './ignoredSettingsReporter';
import { ExtensionLog } from './log';
import { NetworkDefaultsService } from './network/networkDefaults';
import { SandboxTunnelService } from './ports/sandboxTunnels';
import { PortDetectionService } from './ports/portDetection';
import { SetupReportDocument } from './report/setupReportDocument';
import { SandboxChanges } from './sandboxChanges';
import { RefusalWatcher } from './network/refusalWatcher';
import { SandboxStatusBar } from './statusBar/sandboxStatusBar';
import { EndedNotifier } from './lifecycle/endedNotifier';
import { registerSandboxShellProfile } from './terminal/sandboxShellProfile';
import { TerminalSessions } from './terminal/terminalSessions';
import { readIgnoredWorkspaceSettings } from './settings';
import { SandboxesView } from './tree/sandboxesView';
import { WebviewPanels } from './webviews/webviewPanels';
import { SandboxReviews } from './review/sandboxReviews';
import { PoolPreference } from './create/poolPreference';
import { warmDefaultPool } from './create/creationService';
import { reloadIfFoldersLost } from './files/lostFoldersReload';

/**
 * What `vscode.extensions.getExtension('sandboxes.gvisor-sandboxes').activate()` resolves to:
 * the engine's API (the same as `dist/core.js`) plus the client this extension is configured
 * with, so other extensions share its Docker endpoint and log.
 */
export type SandboxesApi = typeof core & {
  client(): core.SandboxClient;
};

export function activate(context: vscode.ExtensionContext): SandboxesApi {
  // Reported in the log (and read by bench/vscode.bench.ts): activation must stay cheap.
  const started = performance.now();
  const log = track(context, new ExtensionLog());
  // The local CA and the ports of earlier forwards live in the extension's own storage.
  const clients = track(context, new SandboxClientService(log, { stateDir: context.globalStorageUri.fsPath }));
  const commandOutput = track(context, new CommandOutput());
  const setupReport = track(context, new SetupReportDocument());
  track(context, new IgnoredSettingsReporter(log, readIgnoredWorkspaceSettings));
  // Every engine call that changes a sandbox goes through `changes`; the view follows it.
  const changes = track(context, new SandboxChanges());
  track(context, new NetworkDefaultsService(clients, log, changes));
  const tunnels = track(context, new SandboxTunnelService(clients, log, changes));
  const sandboxesView = track(context, new SandboxesView(clients, log, { tunnels, sandboxes: changes.onDidChange }));
  track(context, new SandboxStatusBar(sandboxesView.list, { onDidSelect: sandboxesView.onDidSelect }));
  track(context, new EndedNotifier(sandboxesView, changes, log));
  const pool = new PoolPreference(context.workspaceState);
  const webviews = track(context, new WebviewPanels(context.extensionUri, { clients, log, tunnels, changes, sandboxesView, pool }));
  track(context, new RefusalWatcher(clients, log, sandboxesView.list));
  const files = track(context, new SandboxFileSystemProvider(clients, log));
  const reviews = track(context, new SandboxReviews(log, changes));
  // Ports that start listening in this window's sandboxes are offered (sandboxes.ports.onAutoForward).
  const ports = track(context, new PortDetectionService(clients, log, sandboxesView.list, tunnels));
  const terminals = track(context, new TerminalSessions(clients, log));
  const commandContext = {
    clients,
    log,
    commandOutput,
    commandHistory: new CommandHistory(context.workspaceState),
    setupReport,
    tunnels,
    changes,
    sandboxesView,
    webviews,
    files,
    reviews,
    ports,
    terminals,
    pool,
  };
  context.subscriptions.push(...registerCommands(commandContext), registerSandboxShellProfile(commandContext));
  // Language Model tools and the MCP server definition for agents (issue #15).
  track(context, new AgentTools({ clients, log, tunnels, changes }, context.extension));

  // A workspace that code-server opened without its folders reloads once (files/lostFolders.ts).
  void reloadIfFoldersLost(context.globalState, log).catch((err: unknown) => log.warn(`Checking the workspace's folders: ${String(err)}`));
  // After activation, not inside it: reattaching loads the engine and asks the session host.
  setTimeout(() => void terminals.restore(), 0);
  // Where sandboxes were created before: one started ahead for the first Create Sandbox (create/poolSettings.ts).
  setTimeout(() => warmDefaultPool({ clients, log }, pool), 0);
  log.info(`Activated ${context.extension.id} ${String(context.extension.packageJSON.version)} in ${(performance.now() - started).toFixed(1)} ms.`);
  return engineApi(() => clients.client);
}

/**
 * The engine's exports plus `client()`. The engine (dist/core.js) loads on first use of one of
 * them, not with the extension (esbuild.mjs explains why), so the API is a view onto it.
 */
function engineApi(client: () => core.SandboxClient): SandboxesApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const engine = () => require('../core') as typeof core;
  const own = { client };
  return new Proxy(own as SandboxesApi, {
    // VS Code resolves a promise with what activate() returns, which reads `then`: forwarding
    // that read loaded the engine right after activation, inside it as the caller measures it
    // (~40-65 ms, bench/vscode.bench.ts). The engine exports no `then`, so the API is no thenable.
    get: (target, key) => (key in own ? Reflect.get(target, key) : key === 'then' ? undefined : Reflect.get(engine(), key)),
    has: (_, key) => key in own || key in engine(),
    ownKeys: () => [...Reflect.ownKeys(engine()), ...Reflect.ownKeys(own)],
    getOwnPropertyDescriptor: (target, key) =>
      key in own ? Reflect.getOwnPropertyDescriptor(target, key) : { ...Reflect.getOwnPropertyDescriptor(engine(), key), configurable: true },
  });
}

/** Nothing to do: `context.subscriptions` disposes every service. */
export function deactivate(): void {}

function track<T extends vscode.Disposable>(context: vscode.ExtensionContext, service: T): T {
  context.subscriptions.push(service);
  return service;
}
