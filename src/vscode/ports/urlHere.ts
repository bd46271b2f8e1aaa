/**
 * The URL of a forward that works where the user is. In a desktop window that is the forward's
 * own URL; in a browser-hosted editor (code-server) `asExternalUri` maps it to the editor's own
 * proxy (`…/proxy/<port>/`), which connects to local ports with plain HTTP: an HTTPS or HTTP/2
 * forward cannot load through it ("socket hang up"), so such a forward is viewed through the
 * engine's loopback plain-HTTP view of it (`Sandbox.viewUrl`, core/tunnels/viewListener.ts).
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { Tunnel } from '../../core/types';
import { browsableUrl, opensThroughHttpProxy } from './portFormat';

export interface UrlHere {
  /** What to open or copy. */
  url: string;
  /** The forward's URL on the machine running the extension. */
  local: string;
  /** Set when the URL goes through a plain-HTTP view of a TLS forward (the view's local URL). */
  viewedAs?: string;
}

export async function urlHere(sandbox: Sandbox, tunnel: Tunnel): Promise<UrlHere> {
  const local = browsableUrl(tunnel);
  const external = (await vscode.env.asExternalUri(vscode.Uri.parse(local))).toString(true);
  if (tunnel.kind === 'unencrypted' || !opensThroughHttpProxy(local, external)) {
    return { url: external, local };
  }
  const view = await sandbox.viewUrl(tunnel.containerPort);
  return { url: (await vscode.env.asExternalUri(vscode.Uri.parse(view))).toString(true), local, viewedAs: view };
}
