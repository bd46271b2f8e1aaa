// UI test (issue #14, terminals survive Open Sandbox Folder's reload): adding a sandbox folder to a
// folder window turns it into an untitled workspace and reloads it. The sandbox terminal opened
// before must come back in the reloaded window with its scrollback (the window reattaches the
// sessions of its workspace tag, which that transition keeps: network/workspaceTag.ts).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

export const timeout = 240; // seconds

async function terminalUntil(ctx, test, tries = 100) {
  let text = '';
  for (let i = 0; i < tries; i++) {
    text = await ctx.terminalText();
    if (test(text)) return text;
    await sleep(200);
  }
  return text;
}

export default async function terminalAfterOpenFolder(ctx) {
  const { page } = ctx;
  const name = `ui-handover-${process.pid}`;
  const docker = new Docker();
  const quickPickRow = (text) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  try {
    await ctx.runCommand('Sandboxes: Create Sandbox');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(name);
    await page.keyboard.press('Enter');
    await ctx.waitForNotification(/running under gVisor/, { timeoutMs: 60_000 });
    await page.locator('.notifications-toasts .notification-list-item', { hasText: 'running under gVisor' }).getByRole('button', { name: 'Open Terminal' }).click();
    let text = await terminalUntil(ctx, (t) => t.includes(`Sandbox ${name}`) && /[$#]$/m.test(t), 75);
    assert.ok(/[$#]$/m.test(text), `the sandbox shell's prompt:\n${text}`);
    await page.keyboard.type('echo "before open folder: $((6*7))"\n');
    text = await terminalUntil(ctx, (t) => t.includes('before open folder: 42'), 50);
    assert.ok(text.includes('before open folder: 42'), `the first output:\n${text}`);

    await ctx.runCommand('Sandboxes: Open Sandbox Folder in Explorer');
    await quickPickRow(name).waitFor({ state: 'visible', timeout: 20_000 });
    await quickPickRow(name).click();
    await quickPickRow('the whole filesystem').waitFor({ state: 'visible', timeout: 20_000 });
    await quickPickRow('the whole filesystem').click();
    const add = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Add to This Window (Reloads)' });
    await add.waitFor({ state: 'visible', timeout: 10_000 });
    await add.click();
    await page.waitForURL(/[?&]workspace=/, { timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForSelector('.statusbar', { timeout: 60_000 });
    ctx.log(`the window is now a workspace: ${page.url()}`);

    text = await terminalUntil(ctx, (t) => t.includes('reattached') && t.includes('before open folder: 42'), 300);
    await ctx.screenshot('reattached');
    if (!(text.includes('reattached') && text.includes('before open folder: 42'))) {
      // What the window shows names the cause: "NO FOLDER OPENED" is the window without its folders.
      const explorer = await page.locator('.explorer-folders-view .monaco-list-row, .pane-header').allInnerTexts();
      assert.fail(`the terminal came back with its scrollback:\n${text}\nThe Explorer shows: ${JSON.stringify(explorer)}`);
    }
  } finally {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.name=${name}`] } })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    // Back to the test's folder window for the next test.
    await page.goto(ctx.url).catch(() => {});
    await page.waitForSelector('.statusbar', { timeout: 60_000 }).catch(() => {});
  }
}
