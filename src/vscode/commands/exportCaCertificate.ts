/**
 * "Export CA Certificate…": saves the certificate of the local CA that signs HTTPS and HTTP/2
 * forwards, so that browsers and tools can trust it once and verify every forward. Only the
 * certificate is written: the CA's key never leaves the extension's storage. Called with a path
 * (or file Uri) it asks nothing and shows nothing. Returns the path written.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { targetPathFromArg } from '../ports/portArgs';
import { certificatesOnly, debianTrustCommand, trustInstructions } from '../ports/portFormat';
import type { CommandContext } from './commandContext';
import { showInformationMessage } from '../uiText';

const DEFAULT_FILE_NAME = 'gvisor-sandboxes-ca.pem';

export async function exportCaCertificate(context: CommandContext, targetArg?: unknown): Promise<string | undefined> {
  const given = targetPathFromArg(targetArg);
  const certificate = certificatesOnly(await context.clients.client.caCertificate());
  if (!certificate) {
    throw new Error('the engine returned no CA certificate');
  }
  const target =
    given !== undefined
      ? vscode.Uri.file(path.resolve(given))
      : await vscode.window.showSaveDialog({
          title: 'Export CA Certificate',
          defaultUri: vscode.Uri.file(path.join(os.homedir(), DEFAULT_FILE_NAME)),
          filters: { 'PEM certificate': ['pem', 'crt'] },
          saveLabel: 'Export',
        });
  if (!target) {
    return undefined;
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(certificate, 'utf8'));
  context.log.info(`Exported the local CA certificate (no key) to ${target.fsPath}.`);
  if (given === undefined) {
    void showTrustInstructions(context, target.fsPath);
  }
  return target.fsPath;
}

async function showTrustInstructions(context: CommandContext, file: string): Promise<void> {
  const copy = 'Copy Debian Command';
  try {
    const choice = await showInformationMessage(trustInstructions(file), copy);
    if (choice === copy) {
      await vscode.env.clipboard.writeText(debianTrustCommand(file));
      vscode.window.setStatusBarMessage('$(copy) Copied the command that trusts the CA system-wide', 5000);
    }
  } catch (err) {
    context.log.failure('showing how to trust the CA', err);
  }
}
