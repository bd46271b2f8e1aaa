// UI test: the network settings as a person meets them. In the Settings editor (workspace tab),
// add a malformed entry to "Cidr Allowlist": the editor flags it with the setting's pattern
// message, and the extension says in a notification that nothing was applied, naming the setting
// and the entry.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const timeout = 90; // seconds

const KEY = 'sandboxes.network.cidrAllowlist';
const BAD_ENTRY = '10.0.0.1/33';

export default async function network(ctx) {
  const settingsFile = join(ctx.workspaceFolder, '.vscode', 'settings.json');
  const original = readFileSync(settingsFile, 'utf8');
  const { page } = ctx;
  try {
    await ctx.runCommand('Preferences: Open Workspace Settings');
    const editor = page.locator('.settings-editor');
    await editor.waitFor({ state: 'visible', timeout: 15_000 });
    // The search box has the focus when the Settings editor opens.
    await sleep(500);
    await page.keyboard.type(KEY);
    const item = page.locator('.settings-editor .setting-item', { hasText: 'Cidr Allowlist' }).first();
    await item.waitFor({ state: 'visible', timeout: 15_000 });
    const input = item.locator('.setting-list-edit-row input').first();
    // The button appears on hover; on a busy machine the first click can land before it is live.
    for (let attempt = 1; ; attempt++) {
      await item.hover();
      await item.getByRole('button', { name: 'Add Item' }).click();
      try {
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    await input.fill(BAD_ENTRY);
    await page.keyboard.press('Enter');

    const validation = item.locator('.setting-item-validation-message');
    await validation.waitFor({ state: 'visible', timeout: 10_000 });
    const flagged = await validation.innerText();
    ctx.log(`Settings editor: ${flagged}`);
    assert.match(flagged, /Use an IPv4 or IPv6 CIDR such as 10\.0\.0\.0\/8/);

    const text = await ctx.waitForNotification(/network settings were not applied/, { timeoutMs: 15_000 });
    ctx.log(`notification: ${text}`);
    assert.match(text, new RegExp(`${KEY.replace(/\./g, '\\.')}.*"${BAD_ENTRY.replace(/\./g, '\\.')}"`));
    await ctx.screenshot('invalid-cidr');
  } finally {
    writeFileSync(settingsFile, original);
    // VS Code picks the file up through a watcher: later tests must not start before it has.
    await page
      .locator('.settings-editor .setting-item', { hasText: 'Cidr Allowlist' })
      .filter({ hasText: BAD_ENTRY })
      .waitFor({ state: 'detached', timeout: 15_000 })
      .catch(() => ctx.log(`the Settings editor still shows ${BAD_ENTRY} after ${settingsFile} was restored`));
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('View: Close Editor').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
  }
}
