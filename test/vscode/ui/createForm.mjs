// UI test: the Create Sandbox form and the Sandbox Details panel as a person meets them. From the
// Sandboxes view's title bar, open the form; fill in the command, name and memory; choose the
// allowlist and type a CIDR with host bits set: the row says so at once and is marked invalid;
// fix it and the message goes. Enter creates the sandbox, which appears in the tree; its details
// panel opens and shows it running, its allowlist, and a memory chart from Docker's stats. Both
// panels come back after a window reload, the form with what was typed.
// Webviews are nested iframes in code-server (iframe.webview → #active-frame): the frames are
// found by what they show. The screenshots `form` and `details` are the README's.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { openEngine } from './lib/engine.mjs';

export const timeout = 240; // seconds (two window reloads)

export default async function createForm(ctx) {
  const { page } = ctx;
  const { engine, dispose: disposeEngine } = openEngine('form');
  const name = `ui-form-${process.pid}`;
  const sidebar = page.locator('.part.sidebar');
  try {
    // From another view, so that the click opens the Sandboxes view rather than closing it.
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
    await sidebar.locator('.action-label[aria-label="Create Sandbox (Form)…"]').first().click();

    let form = await webviewFrame(page, 'h1', 'Create Sandbox');
    const image = form.locator('#field-image');
    await image.waitFor({ state: 'visible', timeout: 15_000 });
    ctx.log(`form filled from the settings: image ${await image.inputValue()}`);
    assert.equal(await image.inputValue(), 'sandboxes-test/base:bookworm-2');

    await form.locator('#field-command').fill(`sh -c 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done'`);
    await form.locator('#field-memoryMiB').fill('256');
    await form.locator('label[for="mode-allowlist"]').click();
    const row = form.locator('#cidr-0');
    await row.waitFor({ state: 'visible', timeout: 5_000 });
    await row.pressSequentially('10.0.0.1/8', { delay: 20 });
    const rowError = form.locator('#error-cidrAllowlist\\.0');
    await rowError.filter({ hasText: 'host bits set' }).waitFor({ state: 'visible', timeout: 5_000 });
    ctx.log(`inline error: ${await rowError.innerText()}`);
    assert.match(await rowError.innerText(), /did you mean 10\.0\.0\.0\/8\?/);
    assert.equal(await row.getAttribute('aria-invalid'), 'true');
    assert.equal(await rowError.getAttribute('aria-live'), 'polite', 'the error is announced');
    await ctx.screenshot('invalid-cidr');

    await row.fill('10.0.0.0/8');
    await rowError
      .filter({ hasText: /\S/ })
      .waitFor({ state: 'detached', timeout: 5_000 })
      .catch(() => {});
    assert.equal(await rowError.innerText(), '');
    assert.equal(await row.getAttribute('aria-invalid'), 'false');
    await form.locator('#field-name').fill(name);
    await ctx.screenshot('form');

    // A reload brings the form back as it was typed (the panel serializer and the script's saved state).
    form = await reloadAndFind(ctx, 'h1', 'Create Sandbox');
    await form.locator('#field-name').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await form.locator('#field-name').inputValue(), name);
    assert.equal(await form.locator('#field-memoryMiB').inputValue(), '256');
    assert.equal(await form.locator('#cidr-0').inputValue(), '10.0.0.0/8');
    assert.ok(await form.locator('#mode-allowlist').isChecked());
    ctx.log('the form came back after a reload as it was typed');

    // Enter in a field submits the form.
    await form.locator('#field-name').press('Enter');
    const status = form.locator('#status');
    await status.filter({ hasText: `Created sandbox ${name}` }).waitFor({ state: 'visible', timeout: 60_000 });
    ctx.log(`status: ${await status.innerText()}`);

    // Created by this window: listed under "This workspace".
    await sidebar.locator('.monaco-list-row[aria-level="2"]', { hasText: name }).first().waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await form.evaluate(() => document.activeElement?.id), 'field-name', 'the focus stays in the form');

    // The details panel opened beside the form; with the form closed it has the whole width.
    const details = await webviewFrame(page, 'h1', name);
    await page.locator('.tab', { hasText: 'Create Sandbox' }).locator('.codicon-close').click();
    await details.locator('.badge', { hasText: 'running' }).waitFor({ state: 'visible', timeout: 15_000 });
    await details.locator('.cidrs', { hasText: '10.0.0.0/8' }).waitFor({ state: 'visible', timeout: 15_000 });
    const memoryLine = details.locator('.plot.memory polyline.line');
    // A few seconds of samples, so the screenshot shows a line.
    for (let i = 0; i < 60 && ((await memoryLine.getAttribute('points').catch(() => '')) ?? '').split(' ').length < 12; i++) await sleep(500);
    const points = (await memoryLine.getAttribute('points')) ?? '';
    ctx.log(`memory chart: ${points.split(' ').length} points; ${(await details.locator('.chart-head').nth(1).innerText()).replace(/\s+/g, ' ')}`);
    assert.ok(points.split(' ').length >= 3, 'the memory chart draws samples');
    assert.match(await details.locator('svg.plot.memory').getAttribute('aria-label'), /^Memory over the last \d+ seconds: now [\d.]+ MiB, limit 256 MiB\.$/);
    await details.locator('.log', { hasText: 'tick 2' }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.mouse.move(900, 500); // off the tab, whose tooltip would cover the panel's title
    await sleep(300);
    await ctx.screenshot('details');

    // The details panel comes back after a reload too, for the same sandbox, live.
    const restored = await reloadAndFind(ctx, 'h1', name);
    await restored.locator('.badge', { hasText: 'running' }).waitFor({ state: 'visible', timeout: 20_000 });
    ctx.log('the details panel came back after a reload');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    for (const sandbox of await engine.list().catch(() => [])) {
      if (sandbox.name === name) await sandbox.terminate().catch((e) => ctx.log(`terminating ${name}: ${e.message}`));
    }
    await ctx.runCommand('View: Close All Editors').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
    await disposeEngine();
  }
}

/** Developer: Reload Window, then the frame of the restored webview that shows `text`. */
async function reloadAndFind(ctx, selector, text) {
  await ctx.runCommand('Developer: Reload Window');
  await ctx.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await ctx.page.waitForSelector('.statusbar', { timeout: 60_000 });
  return webviewFrame(ctx.page, selector, text, 60_000);
}

/**
 * The frame of the webview that shows `text` in `selector`. Each webview is an iframe.webview
 * whose document loads the extension's page into a nested #active-frame.
 */
async function webviewFrame(page, selector, text, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      try {
        if (await frame.locator(selector, { hasText: text }).count()) return frame;
      } catch {
        // a frame that is navigating or gone
      }
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector} "${text}" within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
