/**
 * Entry point. Only wires services together and registers commands; everything else lives in
 * its own module. Activation is on first use of a command or when the Sandboxes view opens
 * (both inferred from `contributes`).
 */
import type * as vscode from 'vscode';
import * as core from '../core';
import { SandboxClientService } from './client';
import { CommandHistory } from './commands/commandHistory';
import { CommandOutput } from './commands/commandOutput';
import { registerCommands } from './commands/registerCommands';
import { ExtensionLog } from './log';
import { NetworkDefaultsService } from './network/networkDefaults';
import { SandboxTunnelService } from './ports/sandboxTunnels';
import { SetupReportDocument } from './report/setupReportDocument';
import { SandboxStatusBar } from './statusBar/sandboxStatusBar';
import { registerSandboxShellProfile } from './terminal/sandboxShellProfile';
import { SandboxesView } from './tree/sandboxesView';

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
  const networkDefaults = track(context, new NetworkDefaultsService(clients, log));
  const tunnels = track(context, new SandboxTunnelService(clients, log));
  const sandboxesView = track(context, new SandboxesView(clients, log, { tunnels, policies: networkDefaults.onDidApply }));
  track(context, new SandboxStatusBar(sandboxesView.list));
  const commandContext = { clients, log, commandOutput, commandHistory: new CommandHistory(context.workspaceState), setupReport, tunnels, sandboxesView };
  context.subscriptions.push(...registerCommands(commandContext), registerSandboxShellProfile(commandContext));

  log.info(`Activated ${context.extension.id} ${String(context.extension.packageJSON.version)} in ${(performance.now() - started).toFixed(1)} ms.`);
  return { ...core, client: () => clients.client };
}

/** Nothing to do: `context.subscriptions` disposes every service. */
export function deactivate(): void {}

function track<T extends vscode.Disposable>(context: vscode.ExtensionContext, service: T): T {
  context.subscriptions.push(service);
  return service;
}
