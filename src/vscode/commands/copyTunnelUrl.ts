/** "Copy Forwarded Port URL": a forward's URL on this machine, to the clipboard. Called as `(sandbox, port)` it asks nothing. Returns the URL. */
import * as vscode from 'vscode';
import { browsableUrl } from '../ports/portFormat';
import type { CommandContext } from './commandContext';
import { resolveForwardedPort } from './pickForwardedPort';

export async function copyTunnelUrl(context: CommandContext, sandboxArg?: unknown, portArg?: unknown): Promise<string | undefined> {
  const picked = await resolveForwardedPort(context, sandboxArg, portArg, 'Copy Forwarded Port URL');
  if (!picked) {
    return undefined;
  }
  const url = browsableUrl(picked.tunnel);
  await vscode.env.clipboard.writeText(url);
  vscode.window.setStatusBarMessage(`$(copy) Copied ${url} (port ${picked.tunnel.containerPort} of "${picked.sandbox.name}")`, 5000);
  return url;
}
