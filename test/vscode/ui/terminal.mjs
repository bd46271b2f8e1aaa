// UI test: as a person would — "Sandboxes: Create Sandbox" from the palette, a name, Enter, then
// "Open Terminal" on the notification, type `uname -r` and read gVisor's 4.4.0 in the terminal.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

export const timeout = 120; // seconds

export default async function terminal(ctx) {
  const name = `ui-terminal-${process.pid}`;
  const docker = new Docker();
  try {
    await ctx.runCommand('Sandboxes: Create Sandbox');
    const input = ctx.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(name);
    await ctx.page.keyboard.press('Enter');
    await ctx.waitForNotification(/running under gVisor/, { timeoutMs: 60_000 });
    await ctx.screenshot('create-sandbox-notification');
    await ctx.page.locator('.notifications-toasts .notification-list-item', { hasText: 'running under gVisor' }).getByRole('button', { name: 'Open Terminal' }).click();
    // The sandbox's terminal: its banner names the sandbox, and its prompt is there.
    let text = '';
    for (let i = 0; i < 75 && !(text.includes(`Sandbox ${name}`) && /\$ $|# $/m.test(text)); i++) {
      await sleep(200);
      text = await ctx.terminalText();
    }
    assert.ok(text.includes(`Sandbox ${name}`), `the sandbox terminal is the active one:\n${text}`);
    await ctx.page.keyboard.type('uname -r; echo "sandbox=$(hostname)"\n');
    for (let i = 0; i < 50 && !/^4\.4\.0$/m.test(text); i++) {
      await sleep(200);
      text = await ctx.terminalText();
    }
    await ctx.screenshot('sandbox-terminal');
    assert.match(text, /^4\.4\.0$/m, `gVisor's kernel version in the terminal:\n${text}`);
    // The hostname is the sandbox's name, or its id when a spare guard (made ahead) was used.
    assert.match(text, new RegExp(`sandbox=(${name}|sb-[a-z0-9]{12})`));
  } finally {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.name=${name}`] } })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}
