// UI test: a sandbox's files in the Explorer, as a person uses them. A sandbox is created with
// the engine (dist/core.js) with the workspace copied in; "Sandboxes: Open Sandbox Folder in
// Explorer" → the sandbox → /workspace adds `<name>:/workspace` to the Explorer; a file there
// opens in an editor, is edited and saved with Ctrl+S, and the sandbox has the change. The
// screenshot `explorer` is the README's. The window goes back to its single folder afterwards,
// so the UI tests after this one see the workspace they expect.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWithWorkspaceCopy, openEngine } from './lib/engine.mjs';
import { quickPickRow } from './lib/workbench.mjs';

export const timeout = 180; // seconds

export default async function files(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('files');
  const name = `ui-files-${process.pid}`;
  const explorer = page.locator('.explorer-folders-view');
  const row = (text) => explorer.locator('.monaco-list-row', { hasText: text }).first();
  let sandbox;
  try {
    sandbox = await createWithWorkspaceCopy(engine, name, ctx.workspaceFolder);
    await sandbox.files.write('/workspace/hello.py', 'print("hello from the sandbox")\n');
    ctx.log(`created ${name} (${sandbox.id})`);

    const addSandboxFolder = async () => {
      await ctx.runCommand('Sandboxes: Open Sandbox Folder in Explorer');
      await quickPickRow(page, name).waitFor({ state: 'visible', timeout: 20_000 });
      await quickPickRow(page, name).click();
      await quickPickRow(page, '/workspace').waitFor({ state: 'visible', timeout: 20_000 });
      await quickPickRow(page, '/workspace').click();
      // In a single-folder window it first asks (adding a folder reloads the window): add here.
      const add = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Add to This Window (Reloads)' });
      if (
        await add.waitFor({ state: 'visible', timeout: 5_000 }).then(
          () => true,
          () => false,
        )
      )
        await add.click();
    };
    await addSandboxFolder();

    // Adding a second folder turns the window into a multi-root workspace: the browser reloads it,
    // and shows whichever view was open before (another UI test may have left the Sandboxes view).
    await page.waitForURL(/[?&]workspace=/, { timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await ctx.runCommand('View: Show Explorer');
    const root = row(`${name}:/workspace`);
    if (
      !(await root.waitFor({ state: 'visible', timeout: 20_000 }).then(
        () => true,
        () => false,
      ))
    ) {
      // code-server sometimes reloads into the new untitled workspace before its folders were
      // saved ("No folder opened", seen here now and then). Adding the folder to that workspace
      // needs no reload.
      const rows = await explorer
        .locator('.monaco-list-row')
        .allInnerTexts()
        .catch(() => []);
      ctx.log(`after the reload the Explorer lists ${JSON.stringify(rows)}: adding the sandbox folder again`);
      await addSandboxFolder();
      await ctx.runCommand('View: Show Explorer');
      await root.waitFor({ state: 'visible', timeout: 30_000 });
    }
    // The test folder above it may list many files (other tests write there): collapse it, so
    // the sandbox folder's rows are on screen (the list renders only visible rows).
    await ctx.runCommand('Collapse Folders in Explorer');
    for (let i = 0; i < 10 && (await root.getAttribute('aria-expanded')) !== 'true'; i++) {
      await root.locator('.monaco-tl-twistie').click();
      await sleep(300);
    }
    const file = row('hello.py');
    await file.waitFor({ state: 'visible', timeout: 20_000 });
    assert.ok(await row('README.md').count(), 'the copied workspace is listed too');
    await file.click();

    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'hello from the sandbox' }).waitFor({ state: 'visible', timeout: 20_000 });
    const tab = page.locator('.tabs-container .tab', { hasText: 'hello.py' }).first();
    assert.ok(await tab.count(), 'the file has an editor tab');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('print("saved from the editor")\n');
    await page.keyboard.press('Control+S');
    let text = '';
    for (let i = 0; i < 50 && !text.includes('saved from the editor'); i++) {
      await sleep(200);
      text = (await sandbox.files.read('/workspace/hello.py')).toString('utf8');
    }
    assert.match(text, /print\("hello from the sandbox"\)\n.*print\("saved from the editor"\)/s, `the sandbox has the saved file:\n${text}`);
    const run = await sandbox.run(['python3', '/workspace/hello.py']);
    assert.equal(run.stdout, 'hello from the sandbox\nsaved from the editor\n');
    await ctx.screenshot('explorer');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    if (sandbox) await sandbox.terminate().catch((e) => ctx.log(`terminating ${name}: ${e.message}`));
    await disposeEngine();
    // Back to the single folder the other UI tests expect (the untitled workspace is left behind).
    await page.goto(ctx.url).catch((e) => ctx.log(`reopening the folder: ${e.message}`));
    await page
      .locator('.monaco-workbench')
      .waitFor({ state: 'visible', timeout: 60_000 })
      .catch(() => {});
  }
}
