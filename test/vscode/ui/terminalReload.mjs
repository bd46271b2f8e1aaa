// UI test (issue #14, terminals survive a reload): a sandbox terminal opened as a person would
// (Create Sandbox, then Open Terminal on the notification) comes back after Developer: Reload
// Window with its scrollback, including what the shell printed while the window was reloading,
// and still takes input. The screenshot is the README's.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

export const timeout = 240; // seconds

/** Polls the active terminal's text until `test` passes (bounded: `tries` × 200 ms). */
async function terminalUntil(ctx, test, tries = 100) {
  let text = '';
  for (let i = 0; i < tries; i++) {
    text = await ctx.terminalText();
    if (test(text)) return text;
    await sleep(200);
  }
  return text;
}

export default async function terminalReload(ctx) {
  const name = `ui-reattach-${process.pid}`;
  const docker = new Docker();
  try {
    await ctx.runCommand('Sandboxes: Create Sandbox');
    const input = ctx.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(name);
    await ctx.page.keyboard.press('Enter');
    await ctx.waitForNotification(/running under gVisor/, { timeoutMs: 60_000 });
    await ctx.page.locator('.notifications-toasts .notification-list-item', { hasText: 'running under gVisor' }).getByRole('button', { name: 'Open Terminal' }).click();
    let text = await terminalUntil(ctx, (t) => t.includes(`Sandbox ${name}`) && /[$#]$/m.test(t), 75);
    assert.ok(/[$#]$/m.test(text), `the sandbox shell's prompt:\n${text}`);
    // Computed by the shell, so the typed command line alone cannot match.
    await ctx.page.keyboard.type('echo "before reload: $((6*7))"; sleep 3; echo "printed while reloading: $((7*8))"\n');
    text = await terminalUntil(ctx, (t) => t.includes('before reload: 42'), 50);
    assert.ok(text.includes('before reload: 42'), `the first output:\n${text}`);

    await ctx.runCommand('Developer: Reload Window');
    await ctx.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await ctx.page.waitForSelector('.statusbar', { timeout: 60_000 });
    text = await terminalUntil(ctx, (t) => t.includes('reattached') && t.includes('printed while reloading: 56'), 300);
    assert.ok(text.includes('reattached'), `a reattached terminal after the reload:\n${text}`);
    assert.ok(text.includes('before reload: 42'), `the scrollback from before the reload:\n${text}`);
    assert.ok(text.includes('printed while reloading: 56'), `the output printed during the reload:\n${text}`);

    // The same shell still takes input.
    await ctx.page.locator('.terminal-wrapper.active .xterm').first().click();
    await ctx.page.keyboard.type('echo "after reload: $((8*9)) in $(hostname)"\n');
    text = await terminalUntil(ctx, (t) => t.includes('after reload: 72'), 50);
    await ctx.screenshot('reattached');
    assert.ok(text.includes('after reload: 72'), `the reattached shell answers:\n${text}`);
  } finally {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.name=${name}`] } })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}
