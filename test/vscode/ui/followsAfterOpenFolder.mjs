// UI test (issue #14, bug 2): a sandbox created in a folder window keeps following that window's
// network settings after Open Sandbox Folder in Explorer turned the window into an untitled
// multi-root workspace (the window reloads). Before the fix the workspace tag changed with the
// transition, so the sandbox still said "follows settings" while no window applied them to it.
// The setting is changed in the Settings editor of the reloaded window (its workspace tab: the
// untitled workspace is left behind afterwards). Only policy state is read: no traffic is sent.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { openEngine } from './lib/engine.mjs';
import { quickPickRow } from './lib/workbench.mjs';

export const timeout = 240; // seconds (a window reload)

export default async function followsAfterOpenFolder(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('follows');
  const name = `ui-follows-${process.pid}`;
  let sandbox;
  try {
    const before = new Set((await engine.list({ all: true })).map((s) => s.id));
    // From the Sandboxes view's title bar (the palette lists "Create Sandbox (Form)…" first once it was used).
    const sidebar = page.locator('.part.sidebar');
    await ctx.runCommand('View: Show Explorer');
    await page
      .locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="Sandboxes"]') })
      .first()
      .click();
    await sidebar
      .locator('.title-label', { hasText: /sandboxes/i })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    await sidebar.hover();
    await sidebar.locator('.action-label[aria-label="Create Sandbox"]').first().click();
    // It asks for a name (optional): a unique one, so this test finds its own sandbox.
    const nameBox = page.locator('.quick-input-widget .quick-input-box input');
    await nameBox.waitFor({ state: 'visible', timeout: 15_000 });
    await nameBox.fill(name);
    await page.keyboard.press('Enter');
    // The new sandbox of this window: tagged with its workspace, following the settings.
    // (src/vscode/network/workspaceTag.ts: the hash of the folder's URI; other clients' sandboxes have other tags.)
    const tag = createHash('sha256').update(`file://${ctx.workspaceFolder}`).digest('hex').slice(0, 12);
    for (let i = 0; i < 120 && !sandbox; i++) {
      for (const s of await engine.list({ all: false })) {
        if (s.name === name && !before.has(s.id) && (await s.info().catch(() => undefined))?.tags?.workspace === tag) sandbox = s;
      }
      if (!sandbox) await sleep(500);
    }
    assert.ok(sandbox, `Create Sandbox made a sandbox tagged with this folder (${tag})`);
    ctx.log(`created ${sandbox.name} (${sandbox.id}), tag ${tag}`);
    let policy = await sandbox.networkPolicy();
    assert.equal(policy.followsDefaults, true, 'it follows the settings');
    assert.notEqual(policy.mode, 'blocked');

    const addFolder = async () => {
      await ctx.runCommand('Sandboxes: Open Sandbox Folder in Explorer');
      await quickPickRow(page, sandbox.name).waitFor({ state: 'visible', timeout: 20_000 });
      await quickPickRow(page, sandbox.name).click();
      await quickPickRow(page, 'the whole filesystem').waitFor({ state: 'visible', timeout: 20_000 });
      await quickPickRow(page, 'the whole filesystem').click();
      const add = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Add to This Window (Reloads)' });
      if (
        await add.waitFor({ state: 'visible', timeout: 5_000 }).then(
          () => true,
          () => false,
        )
      )
        await add.click();
    };
    await addFolder();
    await page.waitForURL(/[?&]workspace=/, { timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForSelector('.statusbar', { timeout: 60_000 });
    ctx.log(`the window is now a workspace: ${page.url()}`);
    // Give the reloaded extension time to activate (its catch-up pass runs then).
    await ctx.runCommand('Sandboxes: Focus on Sandboxes View').catch(() => {});
    await sleep(3_000);

    // As a person would: the Settings editor, workspace tab (the untitled workspace's settings).
    await ctx.runCommand('Preferences: Open Workspace Settings');
    await page.locator('.settings-editor').waitFor({ state: 'visible', timeout: 15_000 });
    await sleep(500); // the search box has the focus when the Settings editor opens
    await page.keyboard.type('sandboxes.network.blockNetwork');
    const item = page.locator('.settings-editor .setting-item', { hasText: 'Block Network' }).first();
    await item.waitFor({ state: 'visible', timeout: 15_000 });
    const checkbox = item.locator('.setting-value-checkbox').first();
    await checkbox.click();
    ctx.log(`Block Network checkbox: ${await checkbox.getAttribute('aria-checked')}`);
    for (let i = 0; i < 60; i++) {
      policy = await sandbox.networkPolicy();
      if (policy.mode === 'blocked') break;
      await sleep(500);
    }
    ctx.log(`after blockNetwork: true in the reloaded window: ${policy.mode}${policy.followsDefaults ? ', follows settings' : ''}`);
    assert.equal(policy.mode, 'blocked', 'the sandbox that says it follows the settings follows them after the window became a workspace');
  } finally {
    if (sandbox) await sandbox.terminate().catch((e) => ctx.log(`terminating: ${e.message}`));
    await disposeEngine();
    await page.goto(ctx.url).catch((e) => ctx.log(`reopening the folder: ${e.message}`));
    await page
      .locator('.monaco-workbench')
      .waitFor({ state: 'visible', timeout: 60_000 })
      .catch(() => {});
  }
}
