// UI test (issue #16, Fork Sandbox from the view): a person right-clicks a running sandbox in the
// Sandboxes view, picks "Fork Sandbox", types a name and presses Enter; the fork appears in the
// view (revealed), running, with the parent's file. The in-host `fork` suite covers what a fork
// carries (policy, independence, a failed fork); this one covers the menu, the prompt and the view.
import assert from 'node:assert/strict';
import { openEngine, workspaceTagOf } from './lib/engine.mjs';
import { expand, openSandboxesView, row, widenSidebar } from './lib/sandboxesView.mjs';

export const timeout = 180; // seconds

/** Small, so the snapshot under the fork is quick (the fork suite's image). */
const SMALL_IMAGE = 'sandboxes/trial:busybox';

export default async function forkMenu(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('fork-menu');
  const run = `ui-fork-${process.pid}`;
  const parentName = `${run}-parent`;
  const forkName = `${run}-child`;
  const tags = { 'test-run': run, workspace: workspaceTagOf(ctx.workspaceFolder) };
  let parent;
  try {
    parent = await engine.create({ name: parentName, image: SMALL_IMAGE, tags });
    const wrote = await parent.run(['sh', '-c', 'mkdir -p /data && echo from-parent > /data/note.txt']);
    assert.equal(wrote.exitCode, 0, wrote.stderr);
    ctx.log(`created ${parentName} (${parent.id})`);
    const sidebar = await openSandboxesView(ctx);
    const group = row(sidebar, 1, 'This workspace');
    await group.waitFor({ state: 'visible', timeout: 15_000 });
    await expand(group);
    const parentRow = row(sidebar, 2, parentName);
    await parentRow.waitFor({ state: 'visible', timeout: 15_000 });
    await widenSidebar(page, 640);

    // The context menu's entry (a click can land while the menu is still opening under load: once more then).
    const item = page.locator('.monaco-menu .action-item', { hasText: 'Fork Sandbox' }).first();
    const input = page.locator('.quick-input-widget .quick-input-box input');
    for (let attempt = 1; attempt <= 2; attempt++) {
      await parentRow.click({ button: 'right' });
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      await item.hover();
      await item.click();
      const asked = await input.waitFor({ state: 'visible', timeout: 10_000 }).then(
        () => true,
        () => false,
      );
      if (asked) break;
      ctx.log(`no name prompt after the menu click (attempt ${attempt})`);
      if (attempt === 2) throw new Error('Fork Sandbox from the context menu asked no name');
      await page.keyboard.press('Escape').catch(() => {});
    }
    const title = await page.locator('.quick-input-widget .quick-input-title').innerText();
    ctx.log(`asked: ${title}`);
    assert.match(title, new RegExp(`Fork Sandbox ${parentName}`), 'the prompt names the sandbox forked');
    await input.fill(forkName);
    await page.keyboard.press('Enter');

    const forkRow = row(sidebar, 2, forkName);
    await forkRow.waitFor({ state: 'visible', timeout: 120_000 });
    ctx.log(`row: ${(await forkRow.innerText()).replace(/\s+/g, ' ')}`);
    await ctx.screenshot('fork-menu');
    const forks = (await Promise.all((await engine.list({ tags: { 'test-run': run } })).map((s) => s.info()))).filter((i) => i.name === forkName);
    assert.equal(forks.length, 1, 'one fork, on the engine');
    assert.equal(forks[0].state, 'running');
    const fork = await engine.fromId(forks[0].id);
    assert.equal((await fork.run(['cat', '/data/note.txt'])).stdout, 'from-parent\n', "the parent's file is in the fork");
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    for (const s of await engine.list({ tags: { 'test-run': run } }).catch(() => [])) {
      await s.terminate().catch((e) => ctx.log(`terminating ${s.name}: ${e.message}`));
    }
    if (parent) {
      for (const snapshot of await engine.listSnapshots({ sandboxId: parent.id }).catch(() => [])) {
        await engine.removeSnapshot(snapshot.ref).catch((e) => ctx.log(`removing ${snapshot.ref}: ${e.message}`));
      }
    }
    await disposeEngine();
  }
}
