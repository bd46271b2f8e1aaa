// UI test (issue #14, bug 4): a restored Create Sandbox form renders even when its page does not
// load the first time after Developer: Reload Window. The blank form ("an empty frame, endless
// progress", once in three reloads) is a webview whose page never ran its script, so it never said
// `ready`, and the panel waited for it for ever. Here the first load of the webview's page after the
// reload is made to fail (the browser aborts the request for the frame the page is written into,
// VS Code's pre/fake.html): the form must still come back, with what was typed. Before the fix it
// stayed blank (45 s, twice); the extension now loads the page again when no `ready` comes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export const timeout = 180; // seconds

const PAGE = /\/webview\/browser\/pre\/fake\.html/;

export default async function formReloadLostScript(ctx) {
  const { page } = ctx;
  const context = page.context();
  let aborted = 0;
  const dropFirst = async (route) => {
    if (aborted === 0) {
      aborted++;
      ctx.log(`aborting ${route.request().url().slice(0, 160)}`);
      return route.abort('failed');
    }
    return route.continue();
  };
  try {
    await ctx.runCommand('Sandboxes: Create Sandbox (Form)…');
    let form = await formFrame(page, 30_000);
    const name = `ui-lost-${process.pid}`;
    await form.locator('#field-name').fill(name);
    await sleep(500); // the script saves its state on input
    await context.route(PAGE, dropFirst);
    await ctx.runCommand('Developer: Reload Window');
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.statusbar', { timeout: 60_000 });
    form = await formFrame(page, 45_000).catch(async (e) => {
      await ctx.screenshot('blank');
      throw e;
    });
    assert.equal(aborted, 1, 'the first load of the form page after the reload was lost');
    assert.equal(await form.locator('#field-name').inputValue(), name, 'the form kept what was typed');
  } finally {
    await context.unroute(PAGE, dropFirst).catch(() => {});
    await ctx.runCommand('View: Close All Editors').catch(() => {});
  }
}

/** The frame of the form once its fields are drawn (#field-image visible). */
async function formFrame(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      try {
        if (await frame.locator('#field-image').count()) {
          await frame.locator('#field-image').waitFor({ state: 'visible', timeout: 5_000 });
          return frame;
        }
      } catch {
        // a frame that is navigating or gone
      }
    }
    if (Date.now() > deadline) throw new Error(`the Create Sandbox form did not render within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
