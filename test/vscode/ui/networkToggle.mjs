// UI test: "Sandboxes: Toggle Network" as a person uses it. Create a sandbox from the palette, run
// Toggle Network: the sandbox picker shows its live network ("follows settings"), the mode picker
// marks the current choice; choose Blocked, read the result, and see Blocked marked current the
// next time. Only policy state is read: no traffic is sent.
import assert from 'node:assert/strict';
import Docker from 'dockerode';

export const timeout = 120; // seconds

export default async function networkToggle(ctx) {
  const { page } = ctx;
  const name = `ui-network-${process.pid}`;
  const docker = new Docker();
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  try {
    await ctx.runCommand('Sandboxes: Create Sandbox');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    const prompt = await page.locator('.quick-input-widget .quick-input-message').innerText().catch(() => '');
    ctx.log(`create prompt: ${prompt}`);
    await input.fill(name);
    await page.keyboard.press('Enter');
    await ctx.waitForNotification(/running under gVisor/, { timeoutMs: 60_000 });
    await ctx.runCommand('Notifications: Clear All Notifications');

    await ctx.runCommand('Sandboxes: Toggle Network');
    // The row first shows the mode recorded at creation, then the live state from the guard.
    const sandboxRow = rows.filter({ hasText: name }).filter({ hasText: 'network open · follows settings' });
    await sandboxRow.waitFor({ state: 'visible', timeout: 15_000 });
    await ctx.screenshot('sandbox-picker');
    await sandboxRow.click();

    const current = rows.filter({ hasText: 'Follow workspace settings' }).filter({ hasText: 'current' });
    await current.waitFor({ state: 'visible', timeout: 15_000 });
    await ctx.screenshot('mode-picker');
    await rows.filter({ hasText: 'Blocked' }).click();
    const result = await ctx.waitForNotification(/network is now blocked/, { timeoutMs: 15_000 });
    ctx.log(`result: ${result}`);
    assert.match(result, new RegExp(`Sandbox "${name}": network is now blocked \\(loopback only\\)`));

    await ctx.runCommand('Sandboxes: Toggle Network');
    await rows.filter({ hasText: name }).filter({ hasText: 'network blocked' }).waitFor({ state: 'visible', timeout: 15_000 });
    await rows.filter({ hasText: name }).click();
    await rows.filter({ hasText: 'Blocked' }).filter({ hasText: 'current · loopback only' }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Escape');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
    for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.name=${name}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
}
