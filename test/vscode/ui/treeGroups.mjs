// UI test (issue #14, "whose sandbox is this"): with another client's sandbox on the engine (made
// with the engine directly, no workspace tag, as a script or a test would), the view lists "This
// workspace" first, expanded, with the window's own sandbox, and "Other sandboxes on this engine"
// collapsed, holding the other one. The status bar counts this workspace's sandboxes only, and
// shows the policy of the sandbox selected in the tree, not the newest one's. The state is the
// first word of each row. The screenshot `tree-groups` is the README's.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE, openEngine, workspaceTagOf } from './lib/engine.mjs';
import { expand, openSandboxesView, row, widenSidebar } from './lib/sandboxesView.mjs';

export const timeout = 180; // seconds

export default async function treeGroups(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('groups');
  const run = `ui-groups-${process.pid}`;
  const mineName = `${run}-mine`;
  const otherName = `${run}-other`;
  try {
    // Ours is open; the other client's, created last (the newest), is blocked.
    await engine.create({ name: mineName, image: IMAGE, tags: { 'test-run': run, workspace: workspaceTagOf(ctx.workspaceFolder) } });
    await engine.create({ name: otherName, image: IMAGE, blockNetwork: true, tags: { 'test-run': run } });
    ctx.log(`created ${mineName} (this workspace) and ${otherName} (another client)`);

    const sidebar = await openSandboxesView(ctx);
    const mineGroup = row(sidebar, 1, 'This workspace');
    const othersGroup = row(sidebar, 1, 'Other sandboxes on this engine');
    await mineGroup.waitFor({ state: 'visible', timeout: 15_000 });
    await othersGroup.waitFor({ state: 'visible', timeout: 15_000 });
    const groups = await sidebar.locator('.monaco-list-row[aria-level="1"]').allInnerTexts();
    ctx.log(`top level: ${groups.map((g) => g.replace(/\s+/g, ' ')).join(' | ')}`);
    assert.match(groups[0] ?? '', /^This workspace/, 'this workspace first');
    assert.equal(await mineGroup.getAttribute('aria-expanded'), 'true', 'this workspace is expanded');
    assert.equal(await othersGroup.getAttribute('aria-expanded'), 'false', 'other sandboxes start collapsed');

    const mineRow = row(sidebar, 2, mineName);
    await mineRow.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await row(sidebar, 2, otherName).count(), 0, "the other client's sandbox is not among this workspace's");
    assert.match(await mineRow.locator('.label-description').innerText(), /^running · /, 'the state is the first word');

    // The status bar: this workspace's count, the policy of this workspace's newest (not the other client's newer one).
    const status = page.locator('.statusbar-item', { has: page.locator('[aria-label*="in this workspace"]') }).first();
    await status.waitFor({ state: 'visible', timeout: 15_000 });
    const label = async () => (await status.locator('[aria-label]').first().getAttribute('aria-label')) ?? '';
    ctx.log(`status bar: ${await label()}`);
    assert.match(await label(), new RegExp(`sandbox ${mineName} has network open`));

    await expand(othersGroup);
    const otherRow = row(sidebar, 2, otherName);
    await otherRow.waitFor({ state: 'visible', timeout: 15_000 });
    // Selecting the other client's sandbox shows its policy.
    await otherRow.click();
    for (let i = 0; i < 20 && !(await label()).includes(`sandbox ${otherName} has network blocked`); i++) await sleep(500);
    ctx.log(`status bar with ${otherName} selected: ${await label()}`);
    assert.match(await label(), new RegExp(`sandbox ${otherName} has network blocked`), "the selected sandbox's policy");
    await widenSidebar(page, 640);
    await ctx.screenshot('tree-groups');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    for (const s of await engine.list({ tags: { 'test-run': run } }).catch(() => [])) {
      await s.terminate().catch((e) => ctx.log(`terminating ${s.name}: ${e.message}`));
    }
    await disposeEngine();
  }
}
