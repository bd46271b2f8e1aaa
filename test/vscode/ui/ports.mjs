// UI test: "Sandboxes: Open Forwarded Port in Browser" as a person uses it. A sandbox serving a
// page with a known text forwards two ports (created here with the engine, dist/core.js, so the
// test needs no interactive Create Sandbox); the command's pickers choose the sandbox, then the
// port; the page must show in the Simple Browser, reached through the editor's own URL for it
// (code-server's proxy to the tunnel on 127.0.0.1). "Copy Forwarded Port URL" copies the URL that
// works here (code-server's proxy URL for the tunnel); after "Developer: Reload Window" the extension reopens the forward at the same local port.
// Only 127.0.0.1 and this sandbox are contacted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { IMAGE, openEngine } from './lib/engine.mjs';

export const timeout = 150; // seconds

/** The tag the extension gives this window's sandboxes (src/vscode/network/workspaceTag.ts). */
function workspaceTag(folder) {
  return createHash('sha256').update(pathToFileURL(folder).href).digest('hex').slice(0, 12);
}

function httpGet(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

function connectOutcome(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(3_000, () => socket.destroy(new Error('timed out')));
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepts connections');
    });
    socket.once('error', (e) => resolve(`refuses connections (${e.code ?? e.message})`));
  });
}

/** Texts of the extension's logs of every extension host of this session (the harness keeps them beside the workspace). */
function extensionLogs(workspaceFolder) {
  const logs = join(workspaceFolder, '..', 'user-data', 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs, { recursive: true })
    .filter((f) => String(f).endsWith(join('sandboxes.gvisor-sandboxes', 'gVisor Sandboxes.log')))
    .map((f) => readFileSync(join(logs, String(f)), 'utf8'));
}

export default async function ports(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('ports');
  const name = `ui-ports-${process.pid}`;
  const marker = `forwarded-page-${process.pid}-${Date.now()}`;
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  let sandbox;
  try {
    sandbox = await engine.create({
      name,
      image: IMAGE,
      command: ['sh', '-c', `mkdir -p /srv && echo '<h1>${marker}</h1>' > /srv/index.html && exec python3 -m http.server 8000 --directory /srv`],
      unencryptedPorts: [8000],
      encryptedPorts: [8443],
      // This window's sandbox, so that the extension reopens its forwards after a reload.
      tags: { 'test-run': name, workspace: workspaceTag(ctx.workspaceFolder) },
    });
    ctx.log(`created ${name} (${sandbox.id})`);

    await ctx.runCommand('Sandboxes: Open Forwarded Port in Browser');
    const sandboxRow = rows.filter({ hasText: name });
    await sandboxRow.first().waitFor({ state: 'visible', timeout: 20_000 });
    await ctx.screenshot('sandbox-picker');
    await sandboxRow.first().click();

    const portRow = rows.filter({ hasText: 'Port 8000' });
    await portRow.first().waitFor({ state: 'visible', timeout: 20_000 });
    const portRows = await rows.allInnerTexts();
    ctx.log(`port picker: ${JSON.stringify(portRows)}`);
    assert.ok(
      portRows.some((t) => t.includes('Port 8443') && t.includes('HTTPS')),
      'the HTTPS forward is offered too',
    );
    await ctx.screenshot('port-picker');
    await portRow.first().click();

    // The Simple Browser shows the page in an iframe inside its webview.
    let texts = [];
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      texts = await ctx.webviewTexts();
      if (texts.some((t) => t.includes(marker))) break;
      await sleep(500);
    }
    const urls = page
      .frames()
      .map((f) => f.url())
      .filter((u) => /proxy|127\.0\.0\.1/.test(u));
    ctx.log(`frames: ${JSON.stringify(urls)}`);
    await ctx.screenshot('simple-browser');
    assert.ok(
      texts.some((t) => t.includes(marker)),
      `the forwarded page did not show in the Simple Browser (webview texts: ${JSON.stringify(texts.map((t) => t.slice(0, 200)))})`,
    );

    // "Copy Forwarded Port URL": the same pickers, and the tunnel's own URL on the clipboard. The
    // Simple Browser is closed first: its page can take the focus, which closes a picker.
    await ctx.runCommand('View: Close All Editors');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ctx.baseUrl).origin });
    await ctx.runCommand('Sandboxes: Copy Forwarded Port URL');
    await rows.filter({ hasText: name }).first().click({ timeout: 20_000 });
    await rows.filter({ hasText: 'Port 8000' }).first().click({ timeout: 20_000 });
    let copiedText = '';
    for (let i = 0; i < 40 && !/^http:/.test(copiedText); i++) {
      await sleep(250);
      copiedText = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
    }
    ctx.log(`copied: ${copiedText}`);
    // The URL that works where the user is: in code-server, its proxy's URL for the tunnel.
    const proxied = /^http:\/\/[^/]+\/proxy\/(\d+)\/$/.exec(copiedText);
    assert.ok(proxied || /^http:\/\/127\.0\.0\.1:\d+$/.test(copiedText), `copied ${copiedText}`);
    const localPort = proxied ? proxied[1] : new URL(copiedText).port;
    // The tunnel's own URL on this machine.
    const copied = `http://127.0.0.1:${localPort}`;
    assert.ok(
      urls.some((u) => u.includes(`/proxy/${localPort}/`) || u.includes(`:${localPort}/`)),
      `the Simple Browser showed ${JSON.stringify(urls)}, not the tunnel on port ${localPort}`,
    );

    // A window reload ends the extension host and its tunnels; once the extension is active again
    // it reopens this window's forwards, at the same local port, so the copied URL keeps working.
    const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 30_000 });
    await ctx.runCommand('Developer: Reload Window');
    await reloaded;
    await page.waitForSelector('.monaco-workbench .statusbar', { timeout: 60_000 });
    ctx.log(`after the reload: local port ${localPort} ${await connectOutcome(Number(localPort))}`);
    await ctx.runCommand('Sandboxes: Forward Port…'); // activates the extension; its picker is dismissed
    await page.keyboard.press('Escape');
    let page2 = '';
    for (let i = 0; i < 60 && !page2.includes(marker); i++) {
      await sleep(500);
      page2 = await httpGet(copied).catch((e) => e.message);
    }
    assert.ok(page2.includes(marker), `after the reload, ${copied} did not serve the page again (last: ${page2.slice(0, 200)})`);
    // The log channel writes its file in batches.
    let reopened = false;
    for (let i = 0; i < 40 && !reopened; i++) {
      reopened = extensionLogs(ctx.workspaceFolder).some((text) => text.includes(`port reopened, 8000 → ${copied} (HTTP/TCP)`));
      if (!reopened) await sleep(250);
    }
    assert.ok(reopened, 'the extension log says the forward was reopened after the reload');
    await ctx.screenshot('after-reload');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('View: Close All Editors').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
    if (sandbox) await sandbox.terminate().catch((e) => ctx.log(`terminating ${name}: ${e.message}`));
    await disposeEngine();
  }
}
