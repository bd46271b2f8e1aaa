/**
 * "Refresh": loads the Sandboxes view and the status bar again now. Services that change a
 * sandbox where Docker reports no event (its network policy, its ports) call it as
 * `(sandboxId)`, so only that sandbox's details are read again. Any other argument (the view's
 * title button passes the focused node) refreshes everything.
 */
import type { CommandContext } from './commandContext';

export async function refreshSandboxes(context: CommandContext, arg?: unknown): Promise<void> {
  await context.sandboxesView.refresh(typeof arg === 'string' && arg.trim() !== '' ? arg.trim() : undefined);
}
