/**
 * The HTML shell of every webview panel: a strict Content Security Policy (nothing but this
 * extension's own script, with a nonce, and its own style sheets; no inline code, no eval, no
 * network), the theme's fonts and colours through VS Code's CSS variables, and a root element the
 * panel's script fills in. The script and styles are files (dist/webview/*.js, media/*.css), so
 * none of it is loaded before a panel opens.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** The folders a webview may load from: the bundled scripts and the style sheets, nothing else. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

/** Sets up a panel (new or restored by its serializer) to load only what webviewOptions allows, with the extension's icon. */
export function preparePanel(panel: vscode.WebviewPanel, extensionUri: vscode.Uri): void {
  panel.webview.options = webviewOptions(extensionUri);
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'sandboxes.svg');
}

/**
 * Options of a new panel. Hidden panels are not kept alive (`retainContextWhenHidden` stays off):
 * the scripts restore their state (`setState`) and the extension resends the rest on `ready`.
 */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { ...webviewOptions(extensionUri), enableFindWidget: true };
}

export interface WebviewPage {
  /** The script's base name: dist/webview/<script>.js. */
  script: string;
  /** Style sheets in media/, after the shared media/webview.css. */
  styles: string[];
  title: string;
}

export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const styles = ['webview.css', ...page.styles].map((sheet) => `<link rel="stylesheet" href="${asset('media', sheet)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeHtml(page.title)}</title>
  </head>
  <body>
    <main id="root" aria-busy="true"></main>
    <script nonce="${nonce}" src="${asset('dist', 'webview', `${page.script}.js`)}"></script>
  </body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
