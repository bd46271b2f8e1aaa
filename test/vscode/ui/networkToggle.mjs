// UI test: "Sandboxes: Set Network Policy…" (formerly Toggle Network; the id sandboxes.toggleNetwork
// is kept) as a person uses it. Create a sandbox from the palette, through "Choose Image…" (local
// images with sizes, free text for others): it is revealed and selected in the Sandboxes view. Run Set Network Policy…: the sandbox picker shows its live network ("follows
// settings"), the mode picker marks the current choice; choose Blocked, read the result, and see
// Blocked marked current the next time. With the allowlist setting empty (the test workspace's),
// Allowlist asks for the networks: a host-bits entry is refused as it is typed with the form's
// words ("did you mean 10.0.0.0/8?"), the fixed entry is applied. Only policy state is read: no
// traffic is sent.
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';

export const timeout = 150; // seconds

export default async function networkToggle(ctx) {
  const { page } = ctx;
  const name = `ui-network-${process.pid}`;
  const docker = new Docker();
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // A mode row by its accessible name ("circle-slash  Blocked, loopback only"): list rows are
  // recycled, and a row's hidden parts can keep text of an earlier picker (another client's
  // sandbox "network blocked"), so matching on text alone can find two rows.
  const mode = (label) => page.locator(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label*="${label},"]`);
  try {
    await ctx.runCommand('Sandboxes: Create Sandbox');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    // "Choose Image…" in the name prompt's title bar: the local images with their sizes, plus free text.
    await page.locator('.quick-input-widget .quick-input-titlebar .action-label[aria-label="Choose Image…"]').click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Create Sandbox: Image' }).waitFor({ state: 'visible', timeout: 10_000 });
    const localRow = rows.filter({ hasText: 'sandboxes-test/base:bookworm-2' });
    await localRow.filter({ hasText: /[\d.]+ [kMG]B · current/ }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await rows.filter({ hasText: 'sandboxes/guard:' }).count(), 0, 'guard images are not offered');
    await ctx.screenshot('image-picker');
    await input.fill('python:3.12-slim');
    await rows.filter({ hasText: 'python:3.12-slim' }).filter({ hasText: 'not on this machine' }).waitFor({ state: 'visible', timeout: 5_000 });
    // A partial name: the matching local image comes first, so Enter picks it rather than a pull.
    await input.fill('bookworm');
    await localRow.waitFor({ state: 'visible', timeout: 5_000 });
    // The rows follow the typed text through the extension host: wait (bounded) for the pull row to go.
    const pullRow = page.locator('.quick-input-widget .quick-input-list .monaco-list-row[aria-label*="not on this machine"]');
    for (let i = 0; i < 50 && (await pullRow.count()) > 0; i++) await sleep(100);
    assert.equal(await pullRow.count(), 0, 'a partial local name offers no pull');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: /^Create Sandbox$/ }).waitFor({ state: 'visible', timeout: 10_000 });
    const prompt = await page
      .locator('.quick-input-widget .quick-input-message')
      .innerText()
      .catch(() => '');
    assert.match(prompt, /^From sandboxes-test\/base:bookworm-2, /);
    ctx.log(`create prompt: ${prompt}`);
    await input.fill(name);
    await page.keyboard.press('Enter');
    await ctx.waitForNotification(/running under gVisor/, { timeoutMs: 60_000 });
    await ctx.runCommand('Notifications: Clear All Notifications');
    // Revealed and selected in the tree (TreeView.reveal), without taking the focus: under "This workspace".
    const selected = page.locator('.part.sidebar .monaco-list-row.selected[aria-level="2"]', { hasText: name });
    await selected.waitFor({ state: 'visible', timeout: 15_000 });
    ctx.log('the new sandbox is selected in the Sandboxes view');

    await ctx.runCommand('Sandboxes: Set Network Policy…');
    // The row shows the live state from the guard (read through the shared cache), never "at creation".
    const sandboxRow = rows.filter({ hasText: name }).filter({ hasText: 'network open · follows settings' });
    await sandboxRow.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await rows.filter({ hasText: 'at creation' }).count(), 0, 'no row shows the mode at creation');
    await ctx.screenshot('sandbox-picker');
    await sandboxRow.click();

    const current = rows.filter({ hasText: 'Follow workspace settings' }).filter({ hasText: 'current' });
    await current.waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.quick-input-widget .quick-input-title', { hasText: `Set Network Policy: ${name}` }).waitFor({ state: 'visible', timeout: 5_000 });
    await mode('Allowlist').filter({ hasText: 'type the networks' }).waitFor({ state: 'visible', timeout: 5_000 });
    await ctx.screenshot('mode-picker');
    await mode('Blocked').click();
    const result = await ctx.waitForNotification(/network is now blocked/, { timeoutMs: 15_000 });
    ctx.log(`result: ${result}`);
    assert.match(result, new RegExp(`Sandbox "${name}": network is now blocked \\(loopback only\\)`));
    await ctx.runCommand('Notifications: Clear All Notifications');

    await ctx.runCommand('Sandboxes: Set Network Policy…');
    await rows.filter({ hasText: name }).filter({ hasText: 'network blocked' }).waitFor({ state: 'visible', timeout: 15_000 });
    await rows.filter({ hasText: name }).click();
    await mode('Blocked').filter({ hasText: 'current · loopback only' }).waitFor({ state: 'visible', timeout: 15_000 });

    // Allowlist with an empty setting: typed networks, checked as they are typed.
    await mode('Allowlist').click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Allowlist' }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.pressSequentially('10.0.0.1/8', { delay: 20 });
    const message = page.locator('.quick-input-widget .quick-input-message', { hasText: 'did you mean 10.0.0.0/8?' });
    await message.waitFor({ state: 'visible', timeout: 10_000 });
    ctx.log(`inline check: ${await message.innerText()}`);
    await ctx.screenshot('allowlist-typed');
    await input.fill('10.0.0.0/8, 192.0.2.7');
    await message.waitFor({ state: 'hidden', timeout: 10_000 });
    await page.keyboard.press('Enter');
    const applied = await ctx.waitForNotification(/network is now allowlist/, { timeoutMs: 15_000 });
    ctx.log(`result: ${applied}`);
    assert.match(applied, /10\.0\.0\.0\/8, 192\.0\.2\.7\/32/);
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
    for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.name=${name}`] } })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}
