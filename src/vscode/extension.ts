/**
 * Entry point. Only wires services together and registers commands; everything else lives in
 * its own module. Activation is on first use of a command (inferred from `contributes`).
 */
import type * as vscode from 'vscode';
import * as core from '../core';
import { SandboxClientService } from './client';
import { CommandOutput } from './commands/commandOutput';
import { registerCommands } from './commands/registerCommands';
import { ExtensionLog } from './log';
import { NetworkDefaultsService } from './network/networkDefaults';
import { SetupReportDocument } from './report/setupReportDocument';

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
  const clients = track(context, new SandboxClientService(log));
  const commandOutput = track(context, new CommandOutput());
  const setupReport = track(context, new SetupReportDocument());
  track(context, new NetworkDefaultsService(clients, log));
  context.subscriptions.push(...registerCommands({ clients, log, commandOutput, setupReport }));

  log.info(`Activated ${context.extension.id} ${String(context.extension.packageJSON.version)}.`);
  return { ...core, client: () => clients.client };
}

/** Nothing to do: `context.subscriptions` disposes every service. */
export function deactivate(): void {}

function track<T extends vscode.Disposable>(context: vscode.ExtensionContext, service: T): T {
  context.subscriptions.push(service);
  return service;
}
