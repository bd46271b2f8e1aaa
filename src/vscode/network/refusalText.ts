/** The refusal notifications' words and rate limit (refusalWatcher.ts). Pure, so it is unit-tested. */
import type { NetworkEvent } from '../../core/types';

/** At most one notification per sandbox in this time, and one per name and sandbox in NAME_MS. */
export const SANDBOX_QUIET_MS = 30_000;
export const NAME_QUIET_MS = 5 * 60_000;

/** The allowlist entry a refused event asks for: the name, with the port unless it is 80 or 443. */
export function entryFor(event: NetworkEvent): string | undefined {
  if (!event.name || event.reason !== 'name not on the domain allowlist') return undefined;
  return event.port === undefined || event.port === 80 || event.port === 443 ? event.name : `${event.name}:${event.port}`;
}

/** One line for the output channel. */
export function describeRefusal(sandboxName: string, event: NetworkEvent): string {
  const what = `${event.name ?? event.address ?? '(no name)'}${event.port ? `:${event.port}` : ''}`;
  return `Sandbox ${sandboxName}: the egress gateway refused ${event.protocol} ${what}: ${event.reason}${event.repeats ? ` (and ${event.repeats} more like it)` : ''}.`;
}

/** Whether to notify now; records it when so. Pure over `seen` (sandbox → time, sandbox+entry → time). */
export function shouldNotify(seen: Map<string, number>, sandboxId: string, entry: string, now: number): boolean {
  const sandboxAt = seen.get(sandboxId);
  const nameAt = seen.get(`${sandboxId} ${entry}`);
  if ((sandboxAt !== undefined && now - sandboxAt < SANDBOX_QUIET_MS) || (nameAt !== undefined && now - nameAt < NAME_QUIET_MS)) return false;
  seen.set(sandboxId, now);
  seen.set(`${sandboxId} ${entry}`, now);
  return true;
}
