// UI test: Review Sandbox Changes, as a person reviews an agent's work. A sandbox is created with
// the engine (dist/core.js) with the workspace copied in, and a scripted session in it changes
// three files of review-demo/: fixes app.py, adds test_app.py, deletes notes.md. "Sandboxes:
// Review Sandbox Changes" lists the three in the Source Control view; a click opens the diff
// (workspace ↔ sandbox) — the screenshot `review` is the README's; the inline actions apply
// app.py and test_app.py and discard the deletion (asked in a dialog). The workspace ends exactly
// as chosen, the sandbox has notes.md back, and nothing is left to review.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE, openEngine } from './lib/engine.mjs';

export const timeout = 180; // seconds

const APP = 'def add(a, b):\n    return a - b\n';
const FIXED = 'def add(a, b):\n    return a + b\n';
const TEST = 'from app import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n';
const NOTES = '# Notes\n\nadd() is broken.\n';

export default async function review(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('review');
  const name = `ui-review-${process.pid}`;
  const demo = join(ctx.workspaceFolder, 'review-demo');
  const scm = page.locator('.part.sidebar');
  // By the file's exact name: "app.py" must not find "test_app.py".
  const row = (file) =>
    scm
      .locator('.monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${file.replace(/\./g, '\\.')}$`) }) })
      .first();
  const groupRow = (text) => scm.locator('.monaco-list-row', { hasText: text }).first();
  const quickPickRow = (text) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  let sandbox;
  try {
    mkdirSync(demo, { recursive: true });
    writeFileSync(join(demo, 'app.py'), APP);
    writeFileSync(join(demo, 'notes.md'), NOTES);
    sandbox = await engine.create({
      name,
      image: IMAGE,
      blockNetwork: true,
      mounts: [{ source: ctx.workspaceFolder, mode: 'copy', target: '/workspace' }],
      tags: { 'test-run': name },
    });
    ctx.log(`created ${name} (${sandbox.id})`);
    // The scripted session: what an agent would do with the files tools and a shell.
    await sandbox.files.write('/workspace/review-demo/app.py', FIXED);
    await sandbox.files.write('/workspace/review-demo/test_app.py', TEST);
    assert.equal((await sandbox.run(['rm', '/workspace/review-demo/notes.md'])).exitCode, 0);
    assert.deepEqual(
      (await sandbox.changes()).map((c) => `${c.kind} ${c.rel}`),
      ['changed review-demo/app.py', 'deleted review-demo/notes.md', 'created review-demo/test_app.py'],
    );

    // No diff editor of an earlier attempt in the way.
    await ctx.runCommand('View: Close All Editors');
    await ctx.runCommand('Sandboxes: Review Sandbox Changes');
    await quickPickRow(name).waitFor({ state: 'visible', timeout: 20_000 });
    await quickPickRow(name).click();
    await groupRow('Changed in Sandbox').waitFor({ state: 'visible', timeout: 30_000 });
    for (const file of ['app.py', 'notes.md', 'test_app.py']) await row(file).waitFor({ state: 'visible', timeout: 15_000 });

    // The diff of app.py: workspace on the left, the sandbox on the right.
    await row('app.py').click();
    const diff = page.locator('.monaco-diff-editor:visible').first();
    await diff.waitFor({ state: 'visible', timeout: 20_000 });
    await diff.locator('.view-lines', { hasText: 'return a + b' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await diff.locator('.view-lines', { hasText: 'return a - b' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await sleep(500);
    await ctx.screenshot('review');

    const inline = async (file, action) => {
      const r = row(file);
      await r.hover();
      await r.locator(`.action-label[aria-label^="${action}"]`).first().click({ timeout: 10_000 });
    };
    const gone = async (file) => {
      for (let i = 0; i < 100 && (await row(file).count()); i++) await sleep(200);
      assert.equal(await row(file).count(), 0, `${file} is no longer listed`);
    };
    await inline('app.py', 'Apply to Workspace');
    await gone('app.py');
    await inline('test_app.py', 'Apply to Workspace');
    await gone('test_app.py');
    await inline('notes.md', 'Discard in Sandbox');
    const discard = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Discard$/ });
    await discard.waitFor({ state: 'visible', timeout: 10_000 });
    await discard.click();
    await gone('notes.md');

    // The workspace: exactly what was chosen.
    assert.equal(readFileSync(join(demo, 'app.py'), 'utf8'), FIXED);
    assert.equal(readFileSync(join(demo, 'test_app.py'), 'utf8'), TEST);
    assert.equal(readFileSync(join(demo, 'notes.md'), 'utf8'), NOTES);
    // The sandbox: the deletion undone, nothing left to review.
    assert.equal((await sandbox.files.read('/workspace/review-demo/notes.md')).toString('utf8'), NOTES);
    assert.deepEqual(await sandbox.changes(), []);
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    if (sandbox) await sandbox.terminate().catch((e) => ctx.log(`terminating ${name}: ${e.message}`));
    await disposeEngine();
    if (existsSync(demo)) rmSync(demo, { recursive: true, force: true });
    await ctx.runCommand('View: Close All Editors').catch(() => {});
    await ctx.runCommand('View: Show Explorer').catch(() => {});
  }
}
