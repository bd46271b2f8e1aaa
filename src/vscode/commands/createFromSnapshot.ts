/**
 * "Create Sandbox from Snapshot": a new sandbox whose filesystem is a snapshot's, with everything
 * else (network policy, ports, resources, workspace mounts) from the same settings as "Create
 * Sandbox", through its code path. A snapshot holds the workspace copy already, so copy mode
 * copies nothing again (files/workspaceMounts.ts). Called with `(snapshot, spec fields)` it asks
 * nothing. Returns the new sandbox's id.
 */
import { createOverridesFromArg } from './commandArgs';
import type { CommandContext } from './commandContext';
import { createAndOfferTerminal, createSandboxWithoutPrompts } from './createSandbox';
import { resolveSnapshot, snapshotLabel } from '../files/pickSnapshot';

export async function createFromSnapshot(context: CommandContext, snapshotArg?: unknown, overridesArg?: unknown): Promise<string | undefined> {
  const overrides = createOverridesFromArg(overridesArg);
  const snapshot = await resolveSnapshot(context, snapshotArg, 'Create Sandbox from Snapshot');
  if (!snapshot) {
    return undefined;
  }
  const source = { ref: snapshot.ref, label: snapshotLabel(snapshot), engine: snapshot.engine };
  if (overrides) {
    return (await createSandboxWithoutPrompts(context, overrides, source, source.engine)).id;
  }
  return createAndOfferTerminal(context, source);
}
