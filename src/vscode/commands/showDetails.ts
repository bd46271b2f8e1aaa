/**
 * "Show Sandbox Details": a panel with a sandbox's live state, network policy, forwarded ports,
 * log tail and a CPU and memory chart; one panel per sandbox, shown again when asked twice.
 * Takes a sandbox (id, tree node, …) or asks for one.
 */
import type { CommandContext } from './commandContext';
import { resolveSandbox } from './pickSandbox';

export async function showDetails(context: CommandContext, arg?: unknown): Promise<string | undefined> {
  const sandbox = await resolveSandbox(context, arg, { title: 'Show Sandbox Details', includeStopped: true });
  if (!sandbox) {
    return undefined;
  }
  await context.webviews.showDetails(sandbox.id, { name: sandbox.name });
  return sandbox.id;
}
