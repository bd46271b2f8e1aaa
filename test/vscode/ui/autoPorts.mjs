// UI test (issue #14): ports found by themselves, and HTTPS forwards in a browser-hosted editor.
// A sandbox of this window (created with the engine, dist/core.js) starts `python3 -m http.server
// 8000` after the extension watches it: the notification "Application on port 8000 … — Forward /
// Open in Browser" appears by itself, and its "Open in Browser" shows the page in the Simple
// Browser (screenshot kept for the README). The same sandbox forwards 8443 as HTTPS: opened from
// code-server it loads (through the plain-HTTP view of the forward; before, code-server's proxy
// spoke plain HTTP into the TLS listener: "socket hang up"). After "Developer: Reload Window" the
// forward made from the notification is open again. Only 127.0.0.1 and this sandbox are contacted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { IMAGE, openEngine } from './lib/engine.mjs';

export const timeout = 240; // seconds

function workspaceTag(folder) {
  return createHash('sha256').update(pathToFileURL(folder).href).digest('hex').slice(0, 12);
}

function extensionLogs(workspaceFolder) {
  const logs = join(workspaceFolder, '..', 'user-data', 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs, { recursive: true })
    .filter((f) => String(f).endsWith(join('sandboxes.gvisor-sandboxes', 'gVisor Sandboxes.log')))
    .map((f) => readFileSync(join(logs, String(f)), 'utf8'));
}

async function waitForLog(ctx, pattern, tries = 60) {
  for (let i = 0; i < tries; i++) {
    const hit = extensionLogs(ctx.workspaceFolder).join('\n').match(pattern);
    if (hit) return hit;
    await sleep(500);
  }
  return null;
}

async function waitForPage(ctx, marker, ms = 45_000) {
  let texts = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    texts = await ctx.webviewTexts();
    if (texts.some((t) => t.includes(marker))) return texts;
    await sleep(500);
  }
  return texts;
}

export default async function autoPorts(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('autoports');
  const name = `ui-autoports-${process.pid}`;
  const marker = `found-by-itself-${process.pid}-${Date.now()}`;
  const tlsMarker = `https-viewed-${process.pid}-${Date.now()}`;
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  let sandbox;
  try {
    sandbox = await engine.create({
      name,
      image: IMAGE,
      // The HTTPS forward's server (plain HTTP inside; TLS ends on this machine) starts with the sandbox.
      command: [
        'sh',
        '-c',
        `mkdir -p /srv /tls && echo '<h1>${marker}</h1>' > /srv/index.html && echo '<h1>${tlsMarker}</h1>' > /tls/index.html && exec python3 -m http.server 8443 --directory /tls`,
      ],
      encryptedPorts: [8443],
      tags: { 'test-run': name, workspace: workspaceTag(ctx.workspaceFolder) },
    });
    ctx.log(`created ${name} (${sandbox.id})`);
    // The list loads the new sandbox (a script made it: no command of this window told the view).
    await ctx.runCommand('Sandboxes: Refresh');
    await waitForLog(ctx, new RegExp(`Sandbox ${name}: already listening|${name} \\(${sandbox.id}\\): port 8443 started listening`), 40);

    // A server starts inside, as a person would start it in a terminal.
    const started = Date.now();
    const server = await sandbox.exec(['sh', '-c', 'cd /srv && exec python3 -m http.server 8000']);
    server.stdin.end();
    const text = await ctx.waitForNotification(/Application on port 8000 of sandbox/, { timeoutMs: 30_000 });
    ctx.log(`notification after ${Date.now() - started} ms: ${text}`);
    assert.match(text, new RegExp(`Application on port 8000 of sandbox "${name}" is listening`));
    // 8443 listens too, but the sandbox forwards it already (its spec): it is not offered again.
    const others = await ctx.notifications();
    assert.ok(!others.some((t) => /port 8443/.test(t)), `a forwarded port was offered: ${JSON.stringify(others)}`);
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Application on port 8000' }).first();
    const shot = await ctx.screenshot('port-detected');
    if (shot) copyFileSync(shot, join(ctx.workspaceFolder, '..', 'port-detected.png'));
    await toast.locator('.monaco-button', { hasText: 'Open in Browser' }).first().click();
    let texts = await waitForPage(ctx, marker);
    await ctx.screenshot('opened');
    assert.ok(
      texts.some((t) => t.includes(marker)),
      `the detected port's page did not show (webview texts: ${JSON.stringify(texts.map((t) => t.slice(0, 200)))})`,
    );
    const forwarded = await waitForLog(ctx, new RegExp(`Sandbox ${name} \\(${sandbox.id}\\): port forwarded, 8000 → (http://127\\.0\\.0\\.1:\\d+)`));
    assert.ok(forwarded, 'the log says port 8000 was forwarded');
    const localUrl = forwarded[1];

    // The HTTPS forward, opened from code-server.
    await ctx.runCommand('View: Close All Editors');
    await ctx.runCommand('Notifications: Clear All Notifications');
    await ctx.runCommand('Sandboxes: Open Forwarded Port in Browser');
    await rows.filter({ hasText: name }).first().click({ timeout: 20_000 });
    await rows.filter({ hasText: 'Port 8443' }).first().click({ timeout: 20_000 });
    texts = await waitForPage(ctx, tlsMarker);
    const urls = page
      .frames()
      .map((f) => f.url())
      .filter((u) => /proxy|127\.0\.0\.1/.test(u));
    ctx.log(`frames: ${JSON.stringify(urls)}`);
    await ctx.screenshot('https-opened');
    assert.ok(
      texts.some((t) => t.includes(tlsMarker)),
      `the HTTPS forward's page did not show in code-server (webview texts: ${JSON.stringify(texts.map((t) => t.slice(0, 200)))})`,
    );
    assert.ok(
      await waitForLog(ctx, /Opening port 8443 of sandbox .* through http:\/\/127\.0\.0\.1:\d+ \(plain HTTP on loopback/),
      'the log says the HTTPS forward was viewed through its plain-HTTP view',
    );

    // A reload: the forward made from the notification comes back by itself.
    await ctx.runCommand('View: Close All Editors');
    const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 30_000 });
    await ctx.runCommand('Developer: Reload Window');
    await reloaded;
    await page.waitForSelector('.monaco-workbench .statusbar', { timeout: 60_000 });
    await ctx.runCommand('Sandboxes: Refresh'); // activates the extension
    const reopened = await waitForLog(ctx, new RegExp(`Sandbox ${name} \\(${sandbox.id}\\): port reopened, 8000 → ${localUrl.replace(/[.:/]/g, '\\$&')} \\(HTTP/TCP\\)`), 90);
    assert.ok(reopened, `after the reload the log says port 8000 was reopened at ${localUrl}`);
    await ctx.screenshot('after-reload');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('View: Close All Editors').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
    if (sandbox) await sandbox.terminate().catch((e) => ctx.log(`terminating ${name}: ${e.message}`));
    await disposeEngine();
  }
}
