/**
 * "Open Forwarded Port in Browser": opens a forward's URL in the built-in Simple Browser (the
 * system browser where that extension is missing), through `asExternalUri` so that it also works
 * when the editor runs remotely (code-server, Remote SSH). In a browser-hosted editor an HTTPS or
 * HTTP/2 forward is shown through a plain-HTTP view of it, since the editor's proxy speaks plain
 * HTTP (ports/urlHere.ts). Called as `(sandbox, port)` it asks nothing. Returns the URI opened.
 */
import * as vscode from 'vscode';
import { KIND_LABELS } from '../ports/portFormat';
import { urlHere } from '../ports/urlHere';
import type { CommandContext } from './commandContext';
import { resolveForwardedPort } from './pickForwardedPort';

export async function openInBrowser(context: CommandContext, sandboxArg?: unknown, portArg?: unknown): Promise<string | undefined> {
  const picked = await resolveForwardedPort(context, sandboxArg, portArg, 'Open Forwarded Port in Browser');
  if (!picked) {
    return undefined;
  }
  const { tunnel, sandbox } = picked;
  const { url, local, viewedAs } = await urlHere(sandbox, tunnel);
  context.log.info(
    `Opening port ${tunnel.containerPort} of sandbox ${sandbox.name}: ${local}` +
      (viewedAs ? ` through ${viewedAs} (plain HTTP on loopback: this editor's proxy cannot speak ${KIND_LABELS[tunnel.kind]}) as ${url}` : url === local ? '' : ` as ${url}`) +
      '.',
  );
  try {
    await vscode.commands.executeCommand('simpleBrowser.show', url);
  } catch (err) {
    // No Simple Browser (a build without it, or disabled): the system's browser will do.
    context.log.info(`Simple Browser unavailable (${err instanceof Error ? err.message : String(err)}); using the system browser.`);
    await vscode.env.openExternal(vscode.Uri.parse(url));
  }
  return url;
}
