/**
 * "Go to Sandbox…" (also the status bar item's click): pick a running sandbox, or create one, and
 * see it in the Sandboxes view, selected and expanded. Called as `(sandboxId)` it asks nothing.
 */
import type { CommandContext } from './commandContext';
import { resolveSandbox } from './pickSandbox';

export async function goToSandbox(context: CommandContext, arg?: unknown): Promise<string | undefined> {
  const sandbox = await resolveSandbox(context, arg, { title: 'Go to Sandbox', offerCreate: true });
  if (!sandbox) {
    return undefined;
  }
  await context.sandboxesView.reveal(sandbox.id);
  return sandbox.id;
}
