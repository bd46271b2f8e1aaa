// UI test: "Run Command in Sandbox…" typed into its QuickPick, offered again from the history the
// next time (Enter runs it again), and gone after "Clear History".
import assert from 'node:assert/strict';
import { IMAGE, openEngine } from './lib/engine.mjs';

export const timeout = 150; // seconds

export default async function runCommandHistory(ctx) {
  const { engine: client, dispose: disposeEngine } = openEngine('history');
  const tags = { 'test-run': `ui-history-${process.pid}` };
  const name = `ui-history-${process.pid}`;
  const line = `echo history-${process.pid}`;
  const { page } = ctx;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');

  async function startRun() {
    await ctx.runCommand('Sandboxes: Run Command in Sandbox');
    await rows.filter({ hasText: name }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(name);
    await page.keyboard.press('Enter');
    // The command line picker replaces the sandbox picker.
    await page.locator('.quick-input-widget .quick-input-title', { hasText: `Run Command in Sandbox "${name}"` }).waitFor({ state: 'visible', timeout: 15_000 });
  }

  try {
    await client.create({ image: IMAGE, name, tags });

    await startRun();
    await input.fill(line);
    await page.keyboard.press('Enter');
    await ctx.waitForNotification(`"${line}" exited with code 0`, { timeoutMs: 30_000 });

    await startRun();
    const recent = rows.filter({ hasText: line }).first();
    await recent.waitFor({ state: 'visible', timeout: 10_000 });
    await ctx.screenshot('history');
    const texts = await rows.allInnerTexts();
    assert.ok(
      texts.some((t) => /Clear History/.test(t)),
      `a Clear History item: ${JSON.stringify(texts)}`,
    );
    // With nothing typed, the most recent command is the first item: Enter runs it again. The
    // "Sandbox Commands" output shows each run (notifications of the same text may be merged).
    await page.keyboard.press('Enter');
    const output = page.locator('.part.panel .monaco-editor .view-lines').first();
    let runs = 0;
    for (let i = 0; i < 150 && runs < 2; i++) {
      runs = ((await output.innerText().catch(() => '')).replace(/\u00a0/g, ' ').match(new RegExp(`\\$ ${line}\\s`, 'g')) ?? []).length;
      if (runs < 2) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(runs, 2, 'the command ran again, picked from the history');

    await startRun();
    await rows.filter({ hasText: 'Clear History' }).first().click();
    await rows.filter({ hasText: line }).first().waitFor({ state: 'detached', timeout: 10_000 });
    assert.ok(!(await rows.allInnerTexts()).some((t) => t.includes(line)), 'the history is empty after Clear History');
    await page.keyboard.press('Escape');
  } finally {
    for (const sandbox of await client.list({ tags })) await sandbox.terminate().catch(() => undefined);
    await disposeEngine();
  }
}
