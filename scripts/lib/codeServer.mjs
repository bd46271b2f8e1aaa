// A real VS Code for tests and `npm start`: code-server (installed by
// scripts/install-code-server.sh into a cache folder) driven by Debian's Chromium through
// playwright-core. Only loopback is used. Every process started here is stopped by its own pid
// (or its own process group), never by name.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const CODE_SERVER_VERSION = process.env.SANDBOXES_CODE_SERVER_VERSION || '4.100.3';
export const CHROMIUM_PATH = process.env.SANDBOXES_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** User settings that make the workbench quiet and fast (git on delays other extensions ~30 s). */
export const BASE_SETTINGS = {
  'git.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  // A reload in one UI test must not bring back terminals that the next test would read.
  'terminal.integrated.enablePersistentSessions': false,
  'terminal.integrated.hideOnStartup': 'always',
};

export function cacheRoot() {
  return process.env.SANDBOXES_CACHE || join(homedir(), '.cache', 'gvisor-sandboxes');
}

/** Path of the code-server binary: $SANDBOXES_CODE_SERVER, the cache install, or PATH. */
export function findCodeServer() {
  const candidates = [process.env.SANDBOXES_CODE_SERVER, join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server')].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v code-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(`code-server not found (looked at ${candidates.join(', ')} and PATH). ` + 'Install it with: sudo bash scripts/install-code-server.sh');
}

/** A free TCP port on 127.0.0.1; `preferred` when it is free. */
export async function freePort(preferred) {
  const tryListen = (port) =>
    new Promise((res) => {
      const srv = createServer();
      srv.once('error', () => res(null));
      srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        const p = srv.address().port;
        srv.close(() => res(p));
      });
    });
  if (preferred) {
    const p = await tryListen(Number(preferred));
    if (p) return p;
  }
  const p = await tryListen(0);
  if (!p) throw new Error('no free port on 127.0.0.1');
  return p;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Merges `settings` into a settings.json file (creating it). */
export function writeSettings(file, settings) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...readJson(file), ...settings }, null, 2) + '\n');
}

/** Installs a .vsix into the given extensions dir with code-server's own CLI. */
export function installExtension(vsixPath, { extensionsDir, userDataDir, codeServer = findCodeServer() }) {
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(userDataDir, { recursive: true });
  const configFile = join(userDataDir, 'code-server-config.yaml');
  if (!existsSync(configFile)) writeFileSync(configFile, 'auth: none\ncert: false\n');
  const r = spawnSync(
    codeServer,
    ['--config', configFile, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', resolve(vsixPath), '--force'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) {
    throw new Error(`installing ${vsixPath} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout.trim();
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts code-server on 127.0.0.1 and waits until it answers HTTP.
 * @param {object} o
 * @param {string} o.extensionsDir
 * @param {string} o.userDataDir
 * @param {string} o.folder          workspace folder to open
 * @param {number} [o.port]          preferred port (a free one is used when it is taken)
 * @param {object} [o.settings]      extra user settings
 * @param {object} [o.env]           extra environment for code-server (the extension host inherits it)
 * @param {string} [o.logFile]       where code-server's output goes (default: userDataDir/code-server.log)
 * @param {number} [o.timeoutMs]     how long to wait for HTTP (default 60 s)
 * @returns {Promise<{url: string, folderUrl: string, port: number, pid: number, logFile: string, done: Promise<{code: number|null, signal: string|null}>, stop: () => Promise<void>}>}
 */
export async function startCodeServer({ extensionsDir, userDataDir, folder, port, settings = {}, env = {}, logFile, timeoutMs = 60_000, codeServer = findCodeServer() }) {
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(userDataDir, { recursive: true });
  // BASE_SETTINGS fill in what the user settings do not say yet (a reused user-data-dir keeps
  // the user's own choices); `settings` always win.
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  writeSettings(settingsFile, { ...BASE_SETTINGS, ...readJson(settingsFile), ...settings });
  const chosen = await freePort(port);
  logFile ??= join(userDataDir, 'code-server.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  // Our own config file, so that the user's ~/.config/code-server/config.yaml plays no part.
  const configFile = join(userDataDir, 'code-server-config.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${chosen}\nauth: none\ncert: false\n`);
  const args = [
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${chosen}`,
    '--extensions-dir',
    extensionsDir,
    '--user-data-dir',
    userDataDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    resolve(folder),
  ];
  // detached: its own process group, so stop() reaches the extension host and pty host too.
  const child = spawn(codeServer, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const pid = child.pid;
  let exited = null;
  const done = new Promise((res) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      res(exited);
    }),
  );
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });

  let stopped = false;
  const onExit = () => {
    if (!stopped && exited === null) killGroup(pid, 'SIGKILL');
  };
  process.on('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    if (exited === null) {
      killGroup(pid, 'SIGTERM');
      for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
    }
    // The group may outlive its leader (extension host, pty host): finish it.
    killGroup(pid, 'SIGKILL');
    for (let i = 0; i < 20 && alive(pid); i++) await sleep(100);
    log.end();
  };

  const url = `http://127.0.0.1:${chosen}/`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
      throw new Error(`code-server exited (${exited.code ?? exited.signal}) before answering:\n${tail}`);
    }
    try {
      const res = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000} s (log: ${logFile})`);
    }
    await sleep(250);
  }
  const folderUrl = `${url}?folder=${encodeURIComponent(resolve(folder))}`;
  return { url, folderUrl, port: chosen, pid, logFile, done, stop };
}

/**
 * Debian's Chromium through playwright-core, with a fresh profile that is removed on close().
 * @returns {Promise<{browser: import('playwright-core').Browser, context: import('playwright-core').BrowserContext, pid: number|undefined, newPage: () => Promise<import('playwright-core').Page>, close: () => Promise<void>}>}
 */
export async function launchBrowser({ headless = true, viewport = { width: 1400, height: 900 }, handleSignals = true } = {}) {
  const { chromium } = await import('playwright-core');
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found. Install it with: sudo apt-get install chromium ` + '(or sudo bash scripts/install-code-server.sh)');
  }
  const profile = mkdtempSync(join(tmpdir(), 'sandboxes-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless,
    args: CHROMIUM_ARGS,
    viewport,
    // false: the caller's own signal handlers close the browser (playwright's would exit the process).
    handleSIGINT: handleSignals,
    handleSIGTERM: handleSignals,
    handleSIGHUP: handleSignals,
  });
  let contextClosed = false;
  context.on('close', () => {
    contextClosed = true;
  });
  // A persistent context has no Browser object; find the process by the profile we gave it.
  const pid = chromiumPid(profile);
  let closed = false;
  const onExit = () => {
    if (!closed && pid)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  };
  process.on('exit', onExit);
  const close = async () => {
    if (closed) return;
    closed = true;
    process.off('exit', onExit);
    let timer;
    if (!contextClosed)
      await Promise.race([
        context.close().catch(() => {}),
        new Promise((r) => {
          timer = setTimeout(r, 10_000);
        }),
      ]);
    clearTimeout(timer);
    if (pid && alive(pid))
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    rmSync(profile, { recursive: true, force: true });
  };
  const newPage = async () => {
    const existing = context.pages().find((p) => p.url() === 'about:blank');
    return existing ?? context.newPage();
  };
  return { browser: context.browser(), context, pid, newPage, close };
}

/** The pid of the Chromium main process we launched with this profile (a child of this process). */
function chromiumPid(profile) {
  const r = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  for (const line of (r.stdout || '').split('\n')) {
    const m = line.trim().match(/^(\d+)\s+(.*)$/);
    if (m && m[2].includes(profile)) return Number(m[1]);
  }
  return undefined;
}

/** Opens the workbench and waits until it is drawn. */
export async function openWorkbench(page, url, { timeoutMs = 60_000 } = {}) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
  // The status bar is filled once the workbench is restored.
  await page.waitForSelector('.statusbar', { timeout: timeoutMs });
}

/**
 * F1, type the command title, wait for it in the list, Enter. Right after the workbench is drawn the
 * extensions' commands may not be registered yet, and an open palette does not pick them up: it
 * retries with a fresh palette until `timeoutMs`.
 */
export async function runCommand(page, title, { timeoutMs = 30_000 } = {}) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    // F1 needs the focus inside the workbench; on a retry, click the (neutral) editor area.
    if (attempt > 0)
      await page
        .locator('.part.editor')
        .first()
        .click({ timeout: 5_000 })
        .catch(() => {});
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${title}`);
      await row.waitFor({ state: 'visible', timeout: Math.min(5_000, Math.max(1_000, deadline - Date.now())) });
      break;
    } catch (e) {
      await page.keyboard.press('Escape').catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`command "${title}" not found in the command palette within ${timeoutMs / 1000} s (${e.message.split('\n')[0]})`, { cause: e });
    }
  }
  // Run exactly the command asked for: a filter also matches longer titles ("Create Sandbox" →
  // "Create Sandbox (Form)…"), and the palette puts the most recently used one first.
  const exact = page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) })
    .first();
  if (await exact.count()) await exact.click();
  else await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
}

/** Texts of the notification toasts currently shown. */
export async function notificationTexts(page) {
  return page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
}

/** Waits for a notification toast whose text matches `pattern` (string or RegExp); returns its text. */
export async function waitForNotification(page, pattern, { timeoutMs = 30_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: pattern }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  return toast.innerText();
}

/**
 * Text of the visible terminal (needs "terminal.integrated.gpuAcceleration": "off", which the
 * test harness sets, so xterm draws DOM rows instead of a canvas).
 */
export async function terminalText(page) {
  // The active terminal when there are several (the others stay in the DOM, hidden).
  const active = page.locator('.terminal-wrapper.active .xterm-rows');
  const rows = (await active.count()) ? active.first() : page.locator('.xterm-rows:visible').first();
  if (!(await rows.count())) return '';
  return rows.evaluate((el) => [...el.children].map((r) => r.textContent.replace(/\u00a0/g, ' ').trimEnd()).join('\n'));
}

/** Visible text of every webview (Markdown preview, custom views): one string per frame that has text. */
export async function webviewTexts(page) {
  const texts = [];
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    try {
      const text = await frame.evaluate(() => (document.body ? document.body.innerText : ''));
      if (text.trim()) texts.push(text);
    } catch {
      /* a frame that is navigating or gone */
    }
  }
  return texts;
}
