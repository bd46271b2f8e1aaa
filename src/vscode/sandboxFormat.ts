/** How sandboxes are described in pickers and messages. Pure, so it is unit-tested. */
import type { NetworkState, SandboxInfo } from '../core/types';
import { describeNetworkState } from './network/networkFormat';
import { isGvisorRuntime } from '../shared/runtimes';
import { labelText } from './untrustedText';

/** "gVisor (runsc)", or a plain warning that another runtime is not gVisor. */
export function describeRuntime(runtime: string): string {
  return isGvisorRuntime(runtime) ? `gVisor (${runtime})` : `${runtime}, not gVisor`;
}

/** "just now", "1 minute ago", "3 hours ago", "2 days ago". */
export function formatAge(since: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  const units: [name: string, seconds: number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [name, size] of units) {
    const count = Math.floor(seconds / size);
    if (count >= 1) {
      return `${count} ${name}${count === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/** "in 25 minutes" for a deadline, "now" once it has passed. */
export function formatDeadline(deadline: Date, now: Date): string {
  const age = formatAge(now, deadline);
  return age === 'just now' ? 'now' : `in ${age.replace(/ ago$/, '')}`;
}

export interface SandboxDescription {
  label: string;
  description: string;
  detail: string;
}

/**
 * A sandbox as a picker row: name; image; state · runtime · network · age · deadline. The network
 * is the live state when known, else "reading…" until it is (running sandboxes only): the mode
 * recorded at creation may have changed since, so it is not shown as if it were current.
 * Name, image, runtime and mode are Docker labels a script can set: quick pick rows render icons,
 * so each part is label text (untrustedText.ts).
 */
export function describeSandbox(info: SandboxInfo, now: Date, network?: NetworkState): SandboxDescription {
  const facts = [info.state, describeRuntime(info.runtime)];
  if (info.state === 'running') {
    facts.push(network ? describeNetworkState(network) : 'network: reading the current policy…');
  }
  facts.push(`created ${formatAge(info.createdAt, now)}`);
  if (info.expiresAt) {
    facts.push(`expires ${formatDeadline(info.expiresAt, now)}`);
  }
  return { label: labelText(info.name), description: labelText(info.image), detail: labelText(facts.join(' · ')) };
}
