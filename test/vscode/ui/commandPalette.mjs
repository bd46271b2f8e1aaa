// UI test: run "Sandboxes: Check Setup" from the command palette (F1) like a person would, wait for
// its answer in a notification and take a screenshot. Run by scripts/run-vscode-tests.mjs after
// the in-host suite, in the same code-server session. It does not judge whether this machine's
// setup is OK (that depends on the machine), only that the command answers.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export const timeout = 90; // seconds

const isProgress = (text) => /…$|\.\.\.$/.test(text.trim());

export default async function commandPalette(ctx) {
  // runCommand fails when the palette has no such entry (command not contributed).
  await ctx.runCommand('Sandboxes: Check Setup');
  // A progress notification ("Checking …") comes first; wait for the answer after it.
  let texts = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    texts = await ctx.notifications();
    if (texts.some((t) => !isProgress(t))) break;
    await sleep(250);
  }
  ctx.log(`notifications after Check Setup: ${JSON.stringify(texts)}`);
  // The full report opens as a Markdown preview (a webview); give it a moment to draw for the screenshot.
  for (let i = 0; i < 40; i++) {
    if ((await ctx.webviewTexts()).some((t) => /Setup Check/i.test(t))) break;
    await sleep(250);
  }
  await ctx.screenshot('check-setup');
  const broken = texts.find((t) => /command '.*' not found|Error running command|Activating extension .* failed/i.test(t));
  assert.equal(broken, undefined, `running the command failed: ${broken}`);
  assert.ok(
    texts.some((t) => !isProgress(t)),
    `Check Setup showed no answer within 60 s (notifications: ${JSON.stringify(texts)})`,
  );
}
