/**
 * "Open Forwarded Port in Browser": opens a forward's URL in the built-in Simple Browser (the
 * system browser where that extension is missing), through `asExternalUri` so that it also works
 * when the editor runs remotely (code-server, Remote SSH). Called as `(sandbox, port)` it asks
 * nothing. Returns the URI opened.
 */
import * as vscode from 'vscode';
import { KIND_LABELS, browsableUrl, opensThroughHttpProxy } from '../ports/portFormat';
import type { CommandContext } from './commandContext';
import { resolveForwardedPort } from './pickForwardedPort';
import { showWarningMessage } from '../uiText';

export async function openInBrowser(context: CommandContext, sandboxArg?: unknown, portArg?: unknown): Promise<string | undefined> {
  const picked = await resolveForwardedPort(context, sandboxArg, portArg, 'Open Forwarded Port in Browser');
  if (!picked) {
    return undefined;
  }
  const { tunnel, sandbox } = picked;
  const local = vscode.Uri.parse(browsableUrl(tunnel));
  const external = await vscode.env.asExternalUri(local);
  context.log.info(`Opening port ${tunnel.containerPort} of sandbox ${sandbox.name}: ${local.toString(true)}${external.toString() === local.toString() ? '' : ` as ${external.toString(true)}`}.`);
  if (tunnel.kind !== 'unencrypted' && opensThroughHttpProxy(local.toString(true), external.toString(true))) {
    const text =
      `Port ${tunnel.containerPort} of sandbox "${sandbox.name}" is forwarded as ${KIND_LABELS[tunnel.kind]}, and this editor opens it through its own web proxy, which connects without TLS, so the page is unlikely to load. ` +
      `To view it here, forward it as HTTP/TCP with "Sandboxes: Forward Port…"; on the machine running the sandboxes, ${local.toString(true)} opens in a browser that trusts the exported CA.`;
    context.log.warn(text);
    void showWarningMessage(text);
  }
  try {
    await vscode.commands.executeCommand('simpleBrowser.show', external.toString(true));
  } catch (err) {
    // No Simple Browser (a build without it, or disabled): the system's browser will do.
    context.log.info(`Simple Browser unavailable (${err instanceof Error ? err.message : String(err)}); using the system browser.`);
    await vscode.env.openExternal(external);
  }
  return external.toString(true);
}
