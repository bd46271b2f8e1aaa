#!/usr/bin/env node
/**
 * "Terminals survive a reload" (issue #14), in code-server driven by Chromium, side by side:
 *
 *   cold      "Sandboxes: Open Terminal" on a running sandbox: from choosing the sandbox in the
 *             picker (Enter) to the shell's prompt in the terminal.
 *   reattach  Developer: Reload Window with that terminal open (300 lines of scrollback and a
 *             marker): from the reloaded window's `load` event to the reattached terminal showing
 *             the marker and the prompt; also from the reload command itself, and from the moment
 *             the extension logged its activation (what the session host and reattach cost, without
 *             VS Code's wait before it activates extensions on `onStartupFinished`).
 *
 * One sandbox, made once through the palette as a person would. Each round kills the window's
 * terminals (which ends their sessions), opens one cold, fills its scrollback, reloads.
 * Terminal text is read from the DOM every 100 ms (the same for both sides).
 *
 *   npm run package && node bench/terminal-reattach.mjs      BENCH_REATTACH_N rounds (default 5, at least 3)
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { installExtension, launchBrowser, openWorkbench, runCommand, startCodeServer, terminalText, waitForNotification, writeSettings } from '../scripts/lib/codeServer.mjs';
import { REPO } from '../scripts/lib/vscodeTests.mjs';

const N = Math.max(3, Number(process.env.BENCH_REATTACH_N) || 5);
const IMAGE = process.env.SANDBOXES_BENCH_IMAGE || 'sandboxes-test/base:bookworm-2';
const log = (...a) => console.error('#', ...a);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function until(page, test, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await terminalText(page).catch(() => '');
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${text}`);
    await sleep(100);
  }
}

/** When the extension last logged "Activated" (its log's timestamps are this machine's local time), or null. */
function lastActivation(logsDir) {
  let latest = null;
  for (const file of readdirSync(logsDir, { recursive: true })) {
    if (!String(file).includes('sandboxes.gvisor-sandboxes')) continue;
    const path = join(logsDir, String(file));
    let text;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // a folder
    }
    for (const match of text.matchAll(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) \[info\] Activated /gm)) {
      const at = new Date(`${match[1]}T${match[2]}`).getTime();
      if (latest === null || at > latest) latest = at;
    }
  }
  return latest;
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'sandboxes-bench-reattach-'));
  const name = `bench-reattach-${process.pid}`;
  const docker = new Docker();
  let server;
  let browser;
  try {
    const userDataDir = join(tmp, 'user-data');
    const extensionsDir = join(tmp, 'extensions');
    installExtension(join(REPO, 'dist', 'gvisor-sandboxes.vsix'), { extensionsDir, userDataDir });
    const folder = join(tmp, 'workspace');
    mkdirSync(join(folder, '.vscode'), { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# bench\n');
    writeSettings(join(folder, '.vscode', 'settings.json'), {});
    server = await startCodeServer({
      extensionsDir,
      userDataDir,
      folder,
      settings: { 'terminal.integrated.gpuAcceleration': 'off', 'sandboxes.defaults.image': IMAGE },
      logFile: join(tmp, 'code-server.log'),
    });
    browser = await launchBrowser();
    const page = await browser.newPage();
    await openWorkbench(page, server.folderUrl);

    await runCommand(page, 'Sandboxes: Create Sandbox');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(name);
    await page.keyboard.press('Enter');
    await waitForNotification(page, /running under gVisor/, { timeoutMs: 60_000 });

    const cold = [];
    const fromLoad = [];
    const fromReload = [];
    const fromActivation = [];
    for (let round = 0; round <= N; round++) {
      await runCommand(page, 'Terminal: Kill All Terminals').catch(() => undefined);
      await sleep(500);
      await runCommand(page, 'Sandboxes: Open Terminal');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(name);
      await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10_000 });
      const coldStart = Date.now();
      await page.keyboard.press('Enter');
      await until(page, (t) => t.includes(`Sandbox ${name}`) && /[$#]$/m.test(t), 60_000, 'the cold prompt');
      const coldMs = Date.now() - coldStart;

      await page.keyboard.type('seq 1 300; echo "mark-$((6*7))-' + round + '"\n');
      await until(page, (t) => t.includes(`mark-42-${round}`), 15_000, 'the scrollback');
      await sleep(300);
      const before = await page.evaluate(() => performance.timeOrigin);
      const reloadStart = Date.now();
      log(`${new Date(reloadStart).toISOString()} reload ${round}`);
      await runCommand(page, 'Developer: Reload Window');
      // The new page (the old one's terminal must not be read); the banner scrolls out of view.
      for (let i = 0; i < 600 && (await page.evaluate(() => performance.timeOrigin).catch(() => before)) === before; i++) await sleep(100);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await until(page, (t) => t.includes(`mark-42-${round}`) && /[$#]$/m.test(t), 60_000, 'the reattached terminal');
      const reattachedAt = Date.now();
      const activatedAt = lastActivation(join(tmp, 'user-data', 'logs'));
      const sinceLoad = await page.evaluate(() => performance.now() - (performance.timing.loadEventEnd - performance.timeOrigin));
      const reloadMs = reattachedAt - reloadStart;
      if (round === 0) {
        log(`${new Date().toISOString()} warm-up: cold ${coldMs} ms, reattach ${Math.round(sinceLoad)} ms after load (${reloadMs} ms after the reload command)`);
        continue;
      }
      cold.push(coldMs);
      fromLoad.push(Math.round(sinceLoad));
      fromReload.push(reloadMs);
      const afterActivation = activatedAt !== null && activatedAt > reloadStart ? reattachedAt - activatedAt : null;
      if (afterActivation !== null) fromActivation.push(afterActivation);
      log(
        `${new Date().toISOString()} round ${round}: cold ${coldMs} ms, reattach ${Math.round(sinceLoad)} ms after load (${reloadMs} ms after the reload command, ${afterActivation ?? '?'} ms after the extension's activation)`,
      );
    }
    const result = {
      name: 'terminal-reattach',
      n: N,
      coldOpenTerminalMs: { median: median(cold), min: Math.min(...cold), max: Math.max(...cold), samples: cold },
      reattachFromLoadMs: { median: median(fromLoad), min: Math.min(...fromLoad), max: Math.max(...fromLoad), samples: fromLoad },
      reattachFromReloadCommandMs: { median: median(fromReload), min: Math.min(...fromReload), max: Math.max(...fromReload), samples: fromReload },
      reattachFromActivationMs: fromActivation.length
        ? { median: median(fromActivation), min: Math.min(...fromActivation), max: Math.max(...fromActivation), samples: fromActivation }
        : null,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (server) {
      // Where the time goes: the extension's own lines (activation, reattach) with their timestamps.
      const { execFileSync } = await import('node:child_process');
      const lines = execFileSync(
        'sh',
        ['-c', `cat "${join(tmp, 'user-data', 'logs')}"/*/exthost*/sandboxes.gvisor-sandboxes/*.log 2>/dev/null | grep -E "Activated|Reattached" || true`],
        { encoding: 'utf8' },
      );
      log(`extension log:\n${lines}`);
    }
    for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.name=${name}`] } })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
