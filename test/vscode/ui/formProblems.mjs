// UI test: the Create Sandbox form's problems as a person meets them (issue #14). Open the form:
// it says the workspace is copied to /workspace and links to the settings that change it; the
// image field lists the local images with their sizes; placeholders read as hints ("e.g. …",
// "default …"). Type a too-small memory, choose Allowlist, type an entry with host bits set and add
// an empty row, press Create: nothing is created; the problems are listed at the top of the form
// (above the first section), the focus is on the first bad field, and the empty row is flagged.
// "Use 10.0.0.0/8" applies the suggestion in one click. Creates nothing; sends no traffic.
// The screenshot `problems` is the README's docs/screenshots/create-form-problems.png.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export const timeout = 90; // seconds

export default async function formProblems(ctx) {
  const { page } = ctx;
  try {
    await ctx.runCommand('Sandboxes: Create Sandbox (Form)…');
    const form = await webviewFrame(page, 'h1', 'Create Sandbox');
    const image = form.locator('#field-image');
    await image.waitFor({ state: 'visible', timeout: 15_000 });

    // What the sandbox gets of the workspace, and where that is changed.
    const note = form.locator('#workspace-note');
    ctx.log(`workspace note: ${await note.innerText()}`);
    assert.match(await note.innerText(), /copied to \/workspace/);
    assert.match(await note.innerText(), /sandboxes\.workspace\.mount/);
    assert.equal(await form.locator('#workspace-settings').count(), 1, 'a link to the settings');

    // Local images with their sizes, for the image field (free text stays possible).
    assert.equal(await image.getAttribute('list'), 'local-images');
    const option = form.locator('#local-images option[value="sandboxes-test/base:bookworm-2"]');
    await option.waitFor({ state: 'attached', timeout: 15_000 });
    const label = await option.getAttribute('label');
    ctx.log(`image list: ${label}; hint: ${await form.locator('#hint-image').innerText()}`);
    assert.match(label ?? '', /^sandboxes-test\/base:bookworm-2 — [\d.]+ [kMG]B$/);
    assert.equal(await form.locator('#local-images option[value^="sandboxes/guard:"]').count(), 0, 'the guard image is not offered');

    // Placeholders are hints, not values.
    assert.match((await form.locator('#field-memoryMiB').getAttribute('placeholder')) ?? '', /^default /);
    assert.match((await image.getAttribute('placeholder')) ?? '', /^e\.g\. /);

    await form.locator('#field-memoryMiB').fill('8');
    await form.locator('label[for="mode-allowlist"]').click();
    const row0 = form.locator('#cidr-0');
    await row0.waitFor({ state: 'visible', timeout: 5_000 });
    assert.match((await row0.getAttribute('placeholder')) ?? '', /^e\.g\. /);
    await row0.fill('10.0.0.1/8');
    await form.locator('button', { hasText: 'Add Network' }).click();
    await form.locator('#cidr-1').waitFor({ state: 'visible', timeout: 5_000 });

    await form.locator('button[type="submit"]').click();
    const status = form.locator('#status');
    await status.filter({ hasText: 'Not created' }).waitFor({ state: 'visible', timeout: 10_000 });
    ctx.log(`status: ${await status.innerText()}`);

    // The problems at the top, above the first section; each links to its field.
    const summary = form.locator('#error-summary');
    await summary.waitFor({ state: 'visible', timeout: 5_000 });
    const items = summary.locator('li');
    ctx.log(`summary: ${(await summary.innerText()).replace(/\s+/g, ' ')}`);
    assert.equal(await items.count(), 3, 'memory, the host-bits row and the empty row');
    const summaryBox = await summary.boundingBox();
    const firstSection = await form.locator('fieldset').first().boundingBox();
    assert.ok(summaryBox && firstSection && summaryBox.y < firstSection.y, 'the summary is above the first section');
    assert.equal(await form.evaluate(() => document.activeElement?.id), 'field-memoryMiB', 'the focus is on the first bad field');

    // The empty row is flagged, not dropped.
    assert.match(await form.locator('#error-cidrAllowlist\\.1').innerText(), /This row is empty/);
    assert.equal(await form.locator('#cidr-1').getAttribute('aria-invalid'), 'true');

    // "did you mean 10.0.0.0/8?" in one click.
    const suggest = form.locator('#suggest-0');
    await suggest.waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await suggest.innerText(), 'Use 10.0.0.0/8');
    // The screenshot shows the top of the form, where the summary is (the focus scrolled to the field).
    await form.evaluate(() => window.scrollTo(0, 0));
    await page.mouse.move(5, 5);
    await sleep(200);
    await ctx.screenshot('problems');
    await suggest.click();
    assert.equal(await row0.inputValue(), '10.0.0.0/8');
    assert.equal(await form.locator('#error-cidrAllowlist\\.0').innerText(), '');
    assert.equal(await row0.getAttribute('aria-invalid'), 'false');
    assert.equal(await items.count(), 2, 'the summary follows the fields as they are fixed');

    // A summary link takes the focus to its field.
    await items.filter({ hasText: 'Allowed network 2' }).locator('a').click();
    assert.equal(await form.evaluate(() => document.activeElement?.id), 'cidr-1');
  } finally {
    await page.keyboard.press('Escape').catch(() => {});
    await ctx.runCommand('View: Close All Editors').catch(() => {});
    await ctx.runCommand('Notifications: Clear All Notifications').catch(() => {});
  }
}

/** The frame of the webview that shows `text` in `selector` (iframe.webview → #active-frame). */
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
