// UI test: as a person would — the terminal panel's "Launch Profile…" dropdown, "Sandbox shell",
// the sandbox picked by typing its name, then `uname -r` in the new terminal: gVisor's 4.4.0.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE, openEngine } from './lib/engine.mjs';

export const timeout = 150; // seconds

export default async function terminalProfile(ctx) {
  const { engine: client, dispose: disposeEngine } = openEngine('profile');
  const name = `ui-profile-${process.pid}`;
  const { page } = ctx;
  try {
    // Made by a script, through the engine: the picker lists every sandbox on the Docker engine.
    await client.create({ image: IMAGE, name, tags: { 'test-run': `ui-profile-${process.pid}` } });

    const dropdown = page.locator('.part.panel .action-item .codicon-chevron-down, .part.panel [aria-label^="Launch Profile"]').first();
    if (!(await dropdown.isVisible().catch(() => false))) {
      // Opening the panel with no terminal starts the default (host) shell: let it finish
      // starting, or it becomes the active terminal after ours.
      await ctx.runCommand('Terminal: Focus Terminal');
      for (let i = 0; i < 50 && !/[$#] *$/m.test(await ctx.terminalText()); i++) await sleep(200);
    }
    await dropdown.waitFor({ state: 'visible', timeout: 20_000 });
    await dropdown.click();
    const entry = page.locator('.monaco-menu .action-item', { hasText: 'Sandbox shell' }).first();
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    await ctx.screenshot('dropdown');
    await entry.click();

    // The provider's picker: the sandbox, found by typing its name.
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(name);
    await page.keyboard.press('Enter');

    // With several terminals open, the tab list shows ours (named after the sandbox); bring it up
    // should a terminal started earlier (the panel's default shell) have finished after it.
    const tab = page.locator('.terminal-tabs-entry', { hasText: name }).first();
    await tab.waitFor({ state: 'visible', timeout: 30_000 }).catch(() => undefined);
    if (await tab.count()) await tab.click();
    let text = '';
    for (let i = 0; i < 100 && !(text.includes(`Sandbox ${name}`) && /[$#] $/m.test(text)); i++) {
      await sleep(200);
      text = await ctx.terminalText();
    }
    assert.ok(text.includes(`Sandbox ${name}`), `the Sandbox shell terminal is the active one:\n${text}`);
    // Keys go to the terminal only with the focus in it (a click on its tab leaves it on the tab list).
    await page.locator('.terminal-wrapper.active .xterm-screen').first().click();
    await page.keyboard.type('uname -r\n');
    for (let i = 0; i < 50 && !/^4\.4\.0$/m.test(text); i++) {
      await sleep(200);
      text = await ctx.terminalText();
    }
    await ctx.screenshot('terminal-profile');
    assert.match(text, /^4\.4\.0$/m, `gVisor's kernel version in the terminal:\n${text}`);
  } finally {
    for (const sandbox of await client.list({ tags: { 'test-run': `ui-profile-${process.pid}` } })) await sandbox.terminate().catch(() => undefined);
    await disposeEngine();
  }
}
