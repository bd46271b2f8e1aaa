/**
 * "Copy Forwarded Port URL": the forward's URL that works where the user is (ports/urlHere.ts:
 * `asExternalUri`, and in a browser-hosted editor a plain-HTTP view of an HTTPS or HTTP/2
 * forward) to the clipboard, and says so. Called as `(sandbox, port)` it asks nothing. Returns the URL.
 */
import * as vscode from 'vscode';
import { urlHere } from '../ports/urlHere';
import { showInformationMessage } from '../uiText';
import type { CommandContext } from './commandContext';
import { resolveForwardedPort } from './pickForwardedPort';

export async function copyTunnelUrl(context: CommandContext, sandboxArg?: unknown, portArg?: unknown): Promise<string | undefined> {
  const picked = await resolveForwardedPort(context, sandboxArg, portArg, 'Copy Forwarded Port URL');
  if (!picked) {
    return undefined;
  }
  const { url, local } = await urlHere(picked.sandbox, picked.tunnel);
  await vscode.env.clipboard.writeText(url);
  context.log.info(`Copied the URL of port ${picked.tunnel.containerPort} of sandbox ${picked.sandbox.name}: ${url}${url === local ? '' : ` (on this machine: ${local})`}.`);
  void showInformationMessage(`Copied ${url} (port ${picked.tunnel.containerPort} of sandbox "${picked.sandbox.name}").`);
  return url;
}
