// The Sandboxes view as the issue #14 UI tests drive it: opened from the activity bar, rows found
// by what they show (groups at level 1, sandboxes at level 2).
import { setTimeout as sleep } from 'node:timers/promises';

export async function openSandboxesView(ctx) {
  const { page } = ctx;
  const sidebar = page.locator('.part.sidebar');
  // From another view, so that the click opens the Sandboxes view rather than closing it.
  await ctx.runCommand('View: Show Explorer');
  const icon = page.locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="Sandboxes"]') }).first();
  await icon.click();
  await sidebar
    .locator('.title-label', { hasText: /sandboxes/i })
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 });
  return sidebar;
}

/** A row of the view at `level` whose text contains `text`. */
export function row(sidebar, level, text) {
  return sidebar.locator(`.monaco-list-row[aria-level="${level}"]`, { hasText: text }).first();
}

/** Expands a row until it says it is expanded (rows move when other runs' sandboxes come and go). */
export async function expand(rowLocator) {
  for (let i = 0; i < 10 && (await rowLocator.getAttribute('aria-expanded')) !== 'true'; i++) {
    await rowLocator.locator('.monaco-tl-twistie').click();
    await sleep(300);
  }
}

/** Drags the sash at the sidebar's right edge, so the screenshot shows whole descriptions. */
export async function widenSidebar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
  await page.mouse.move(box.x + 20, box.y + box.height - 20);
  await sleep(500);
}
