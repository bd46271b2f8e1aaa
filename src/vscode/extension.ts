/**
 * Entry point. Only wires services together and registers commands; everything else lives in
 * its own module. Activation is on first use of a command or when the Sandboxes view opens
 * (both inferred from `contributes`).
 */
import type * as vscode from 'vscode';
import * as core from '../core';
import { SandboxClientService } from './client';
import { CommandOutput } from './commands/commandOutput';
import { registerCommands } from './commands/registerCommands';
import { SandboxFileSystemProvider } from './files/sandboxFileSystemProvider';
import { ExtensionLog } from './log';
import { NetworkDefaultsService } from './network/networkDefaults';
import { SandboxTunnelService } from './ports/sandboxTunnels';
import { SetupReportDocument } from './report/setupReportDocument';
import { SandboxStatusBar } from './statusBar/sandboxStatusBar';
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
  const log = track(context, new ExtensionLog());
  // The local CA and the ports of earlier forwards live in the extension's own storage.
  const clients = track(context, new SandboxClientService(log, { stateDir: context.globalStorageUri.fsPath }));
  const commandOutput = track(context, new CommandOutput());
  const setupReport = track(context, new SetupReportDocument());
  const networkDefaults = track(context, new NetworkDefaultsService(clients, log));
  const tunnels = track(context, new SandboxTunnelService(clients, log));
  const sandboxesView = track(context, new SandboxesView(clients, log, { tunnels, policies: networkDefaults.onDidApply }));
  track(context, new SandboxStatusBar(sandboxesView.list));
  const files = track(context, new SandboxFileSystemProvider(clients, log));
  context.subscriptions.push(...registerCommands({ clients, log, commandOutput, setupReport, tunnels, sandboxesView, files }));

  log.info(`Activated ${context.extension.id} ${String(context.extension.packageJSON.version)}.`);
  return { ...core, client: () => clients.client };
}

/** Nothing to do: `context.subscriptions` disposes every service. */
export function deactivate(): void {}

function track<T extends vscode.Disposable>(context: vscode.ExtensionContext, service: T): T {
  context.subscriptions.push(service);
  return service;
}
