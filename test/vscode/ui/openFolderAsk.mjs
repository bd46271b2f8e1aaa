// UI test (issue #14, bug 3): Open Sandbox Folder in Explorer, in a single-folder window, asks
// before doing what reloads the window (adding a second folder makes it a multi-root workspace):
// a modal says so and offers "Open in New Window" and "Add to This Window (Reloads)". Open in New
// Window opens the sandbox folder in another window and leaves this one as it was (not reloaded);
// Cancel changes nothing. (Adding to this window, with its reload, is ui/files.mjs.)
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWithWorkspaceCopy, openEngine } from './lib/engine.mjs';
import { quickPickRow } from './lib/workbench.mjs';

export const timeout = 180; // seconds

export default async function openFolderAsk(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('ask');
  const name = `ui-ask-${process.pid}`;
  const dialog = page.locator('.monaco-dialog-box');
  let sandbox;
  let other;
  try {
    sandbox = await createWithWorkspaceCopy(engine, name, ctx.workspaceFolder);
    ctx.log(`created ${name} (${sandbox.id})`);
    // A reload would lose this (the page's JavaScript state), and change the URL.
    const urlBefore = page.url();
    await page.evaluate(() => {
      window.__sandboxesNotReloaded = true;
    });

    const chooseFolder = async () => {
      await ctx.runCommand('Sandboxes: Open Sandbox Folder in Explorer');
      if (
        !(await quickPickRow(page, name)
          .waitFor({ state: 'visible', timeout: 20_000 })
          .then(
            () => true,
            () => false,
          ))
      ) {
        await ctx.screenshot('open-folder-no-picker');
        ctx.log(
          `no sandbox picker; quick input shows: ${JSON.stringify(
            await page
              .locator('.quick-input-widget')
              .allInnerTexts()
              .catch(() => []),
          )}`,
        );
        await page.keyboard.press('Escape');
        await ctx.runCommand('Sandboxes: Open Sandbox Folder in Explorer');
        await quickPickRow(page, name).waitFor({ state: 'visible', timeout: 20_000 });
      }
      await quickPickRow(page, name).click();
      await quickPickRow(page, '/workspace').waitFor({ state: 'visible', timeout: 20_000 });
      await quickPickRow(page, '/workspace').click();
    };
    const notReloaded = async (when) => {
      assert.equal(page.url(), urlBefore, `${when}: the window still shows its folder`);
      assert.equal(await page.evaluate(() => window.__sandboxesNotReloaded === true).catch(() => false), true, `${when}: the window was not reloaded`);
    };

    await chooseFolder();
    // Bounded: before the fix there is no question, the window reloads at once.
    const asked = await dialog.waitFor({ state: 'visible', timeout: 15_000 }).then(
      () => true,
      () => false,
    );
    if (!asked) {
      await notReloaded('with no question asked').catch((e) => ctx.log(e.message));
      assert.fail(`no question before the window changes (URL now ${page.url()})`);
    }
    const text = await dialog.innerText();
    ctx.log(`asked: ${text.replace(/\s+/g, ' ')}`);
    await ctx.screenshot('open-folder-ask');
    assert.match(text, /reloads the window/);
    assert.match(text, /sandbox terminals \(with their scrollback\) come back/);
    const newWindowButton = dialog.locator('.monaco-button', { hasText: 'Open in New Window' });
    assert.equal(await newWindowButton.count(), 1, 'an "Open in New Window" button');
    assert.equal(await dialog.locator('.monaco-button', { hasText: 'Add to This Window (Reloads)' }).count(), 1, 'an "Add to This Window (Reloads)" button');

    const popup = page.context().waitForEvent('page', { timeout: 30_000 });
    await newWindowButton.click();
    other = await popup;
    await other.waitForLoadState('domcontentloaded', { timeout: 30_000 }).catch(() => {});
    ctx.log(`new window: ${other.url()}`);
    assert.match(decodeURIComponent(other.url()), new RegExp(`sandbox://${sandbox.id}/workspace`), 'the new window opens the sandbox folder');
    await sleep(1000);
    await notReloaded('after Open in New Window');
    await other.close().catch(() => {});
    other = undefined;
    await page.bringToFront();
    await page
      .locator('.part.editor')
      .first()
      .click({ timeout: 5_000 })
      .catch(() => {});

    // Cancel (Escape) changes nothing.
    await chooseFolder();
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await sleep(1000);
    await notReloaded('after Cancel');
  } finally {
    await other?.close().catch(() => {});
    await sandbox?.terminate().catch(() => {});
    await disposeEngine();
    // Back to the single folder the other UI tests expect, if the window did change.
    if (!page.url().startsWith(ctx.url)) {
      await page.goto(ctx.url).catch((e) => ctx.log(`reopening the folder: ${e.message}`));
      await page
        .locator('.monaco-workbench')
        .waitFor({ state: 'visible', timeout: 60_000 })
        .catch(() => {});
    }
  }
}
