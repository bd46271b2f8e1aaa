// UI test: the Sandboxes view as a person meets it. A sandbox is created with the engine
// (dist/core.js), as a script would; the view, opened from the activity bar, lists it with its
// network, ports and terminals, and the status bar counts it. Right-click → Set Network Policy… → Open
// changes the network row; the inline Open Terminal action opens a shell that the view lists; the
// status bar item picks a sandbox and selects it in the view. The screenshot `tree` is the README's.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE, openEngine, workspaceTagOf } from './lib/engine.mjs';

export const timeout = 120; // seconds

export default async function tree(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('tree');
  const name = `ui-tree-${process.pid}`;
  const sidebar = page.locator('.part.sidebar');
  // Other runs may have sandboxes on the same engine: only ours is ever expanded, so the rows
  // one level down are its own. Ours carries the window's workspace tag: it is listed under
  // "This workspace" (level 1), so it is at level 2 and its rows at level 3.
  const sandboxRow = sidebar.locator('.monaco-list-row[aria-level="2"]', { hasText: name }).first();
  const childRow = (text) => sidebar.locator('.monaco-list-row[aria-level="3"]', { hasText: text }).first();
  let sandbox;
  try {
    sandbox = await engine.create({ name, image: IMAGE, blockNetwork: true, tags: { 'test-run': name, workspace: workspaceTagOf(ctx.workspaceFolder) } });
    ctx.log(`created ${name} (${sandbox.id})`);

    // From another view, so that the click opens the Sandboxes view rather than closing it.
    await ctx.runCommand('View: Show Explorer');
    const icon = page.locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="Sandboxes"]') }).first();
    await icon.click();
    await sidebar
      .locator('.title-label', { hasText: /sandboxes/i })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });

    const group = sidebar.locator('.monaco-list-row[aria-level="1"]', { hasText: 'This workspace' }).first();
    await group.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await group.getAttribute('aria-expanded')) !== 'true') await group.locator('.monaco-tl-twistie').click();
    await sandboxRow.waitFor({ state: 'visible', timeout: 15_000 });
    const description = await sandboxRow.locator('.label-description').innerText();
    ctx.log(`row: ${name} ${description}`);
    assert.match(description, /· gVisor · (just started|up )/);

    await sidebar
      .locator('.action-label[aria-label="Collapse All"]')
      .click()
      .catch(() => {});
    if ((await group.getAttribute('aria-expanded')) !== 'true') await group.locator('.monaco-tl-twistie').click();
    // Rows move when sandboxes of other runs come and go: expand until ours says it is expanded.
    for (let i = 0; i < 10 && (await sandboxRow.getAttribute('aria-expanded')) !== 'true'; i++) {
      await sandboxRow.locator('.monaco-tl-twistie').click();
      await sleep(300);
    }
    await childRow('Network: blocked').waitFor({ state: 'visible', timeout: 15_000 });
    await childRow('Ports').waitFor({ state: 'visible', timeout: 5_000 });
    await childRow('Terminals').waitFor({ state: 'visible', timeout: 5_000 });

    const status = page.locator('.statusbar-item', { has: page.locator('[aria-label*="running sandbox"]') }).first();
    await status.waitFor({ state: 'visible', timeout: 10_000 });
    ctx.log(`status bar: ${(await status.innerText()).replace(/\s+/g, ' ')}`);

    // Right-click → Set Network Policy… → Open.
    await sandboxRow.click({ button: 'right' });
    const menuItem = page.locator('.monaco-menu .action-item', { hasText: 'Set Network Policy…' }).first();
    await menuItem.waitFor({ state: 'visible', timeout: 10_000 });
    for (const entry of ['Open Terminal', 'Run Command in Sandbox…', 'Forward Port…', 'Terminate Sandbox…']) {
      assert.ok(await page.locator('.monaco-menu .action-item', { hasText: entry }).count(), `the context menu offers ${entry}`);
    }
    await ctx.screenshot('context-menu');
    await menuItem.click();
    const title = page.locator('.quick-input-widget .quick-input-title', { hasText: `Set Network Policy: ${name}` });
    await title.waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'outbound to public addresses only' }).first().click();
    await childRow('Network: open').waitFor({ state: 'visible', timeout: 15_000 });
    await ctx.runCommand('Notifications: Clear All Notifications');

    // The inline action on the row.
    await sandboxRow.hover();
    await sandboxRow.locator('.action-label[aria-label="Open Terminal"]').click();
    const terminals = childRow('1 open');
    await terminals.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await terminals.getAttribute('aria-expanded')) !== 'true') await terminals.locator('.monaco-tl-twistie').click();
    await sidebar.locator('.monaco-list-row[aria-level="4"]', { hasText: name }).first().waitFor({ state: 'visible', timeout: 5_000 });
    await widenSidebar(page, 640);
    await ctx.screenshot('tree');

    // The status bar item: a click picks a sandbox and shows it in the view.
    await status.click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Go to Sandbox' }).waitFor({ state: 'visible', timeout: 10_000 });
    const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first();
    await pick.waitFor({ state: 'visible', timeout: 15_000 });
    await pick.click();
    await sidebar.locator('.monaco-list-row.selected[aria-level="2"]', { hasText: name }).waitFor({ state: 'visible', timeout: 10_000 });
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('Terminal: Kill All Terminals').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
    if (sandbox) await sandbox.terminate().catch((e) => ctx.log(`terminating ${name}: ${e.message}`));
    await disposeEngine();
  }
}

/** Drags the sash at the sidebar's right edge, so the screenshot shows whole descriptions. */
async function widenSidebar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
  // Off the sash, which stays highlighted under the pointer for a moment.
  await page.mouse.move(box.x + 20, box.y + box.height - 20);
  await sleep(500);
}
