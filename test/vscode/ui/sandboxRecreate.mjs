// UI test (issue #14, "sandboxes that die behind your back"): a sandbox of this workspace (made
// with the engine, tagged as the window's own) is killed from outside with `docker kill`. The
// window says so once, with the real reason (not `exited (0)`), and the row says `killed`;
// Recreate asks whether to remove the stopped one and starts a new sandbox with the same name,
// network policy (blocked) and forwarded port. The screenshot `sandbox-killed` is the README's.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE, dockerKill, openEngine, workspaceTagOf } from './lib/engine.mjs';
import { expand, openSandboxesView, row, widenSidebar } from './lib/sandboxesView.mjs';

export const timeout = 180; // seconds

export default async function sandboxRecreate(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('recreate');
  const name = `ui-recreate-${process.pid}`;
  const tags = { workspace: workspaceTagOf(ctx.workspaceFolder), 'test-run': name };
  const dialog = page.locator('.monaco-dialog-box');
  try {
    const sandbox = await engine.create({ name, image: IMAGE, blockNetwork: true, unencryptedPorts: [8000], tags });
    ctx.log(`created ${name} (${sandbox.id}) with the window's workspace tag ${tags.workspace}`);

    const sidebar = await openSandboxesView(ctx);
    const group = row(sidebar, 1, 'This workspace');
    await group.waitFor({ state: 'visible', timeout: 15_000 });
    await expand(group);
    const sandboxRow = row(sidebar, 2, name);
    await sandboxRow.waitFor({ state: 'visible', timeout: 15_000 });
    // The window must have seen it running to know that it stopped behind the user's back.
    await sidebar
      .locator('.monaco-list-row[aria-level="2"]', { hasText: name })
      .filter({ hasText: /running ·/ })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    await ctx.runCommand('Notifications: Clear All Notifications');

    const { containerId } = await sandbox.info();
    dockerKill(containerId);
    ctx.log(`docker kill ${containerId.slice(0, 12)}`);

    const notice = await ctx.waitForNotification(`Sandbox "${name}" was killed from outside`, { timeoutMs: 30_000 });
    ctx.log(`notification: ${notice}`);
    const description = await sandboxRow.locator('.label-description').innerText();
    ctx.log(`row: ${name} ${description}`);
    assert.match(description, /^killed · /, 'the row says killed first, not exited (0)');
    await sleep(500);
    await widenSidebar(page, 640);
    await ctx.screenshot('sandbox-killed');
    // Once: another load of the list does not repeat it.
    await ctx.runCommand('Sandboxes: Refresh');
    await sleep(2500);
    const toasts = (await ctx.notifications()).filter((t) => t.includes(`"${name}" was killed`));
    assert.equal(toasts.length, 1, `one notification, not ${toasts.length}`);

    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: `Sandbox "${name}" was killed` }).first();
    await toast.locator('.monaco-button', { hasText: 'Recreate' }).click();
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    const question = await dialog.innerText();
    ctx.log(`asked: ${question.replace(/\s+/g, ' ')}`);
    assert.match(question, /Recreate sandbox/);
    assert.match(question, /was killed from outside/);
    await ctx.screenshot('recreate-ask');
    await dialog.locator('.monaco-button', { hasText: 'Recreate and Remove the Stopped One' }).click();

    // The new sandbox: same name, running, in this workspace's group.
    await sidebar
      .locator('.monaco-list-row[aria-level="2"]', { hasText: name })
      .filter({ hasText: /running ·/ })
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 });
    const mine = await engine.list({ tags: { 'test-run': name } });
    const infos = await Promise.all(mine.map((s) => s.info()));
    ctx.log(`after Recreate: ${infos.map((i) => `${i.name} ${i.state} ${i.id}`).join(', ')}`);
    assert.equal(infos.length, 1, 'the stopped one was removed, as asked');
    assert.equal(infos[0].state, 'running');
    assert.equal(infos[0].name, name);
    assert.notEqual(infos[0].id, sandbox.id, 'a new sandbox');
    const policy = await mine[0].networkPolicy();
    assert.equal(policy.mode, 'blocked', 'the same network policy');
    assert.deepEqual(
      policy.forwards.map((f) => f.port),
      [8000],
      'the same forwarded port',
    );
    await ctx.screenshot('sandbox-recreated');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
    for (const s of await engine.list({ tags: { 'test-run': name } }).catch(() => [])) {
      await s.terminate().catch((e) => ctx.log(`terminating ${s.name}: ${e.message}`));
    }
    await disposeEngine();
  }
}
