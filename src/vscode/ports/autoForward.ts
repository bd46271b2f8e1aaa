/**
 * What to do when a port starts listening in a sandbox, like Dev Containers' `onAutoForward`:
 * `sandboxes.ports.onAutoForward` (the default) and `sandboxes.ports.attributes` (per port or
 * range, as `remote.portsAttributes`: `{ "8000": { "onAutoForward": "openBrowser", "label": "Web" },
 * "9000-9100": { "onAutoForward": "ignore" } }`). Pure: the settings come in through a reader.
 *
 * Forwarding without asking (`openBrowser`, `silent`) is done only while forwards listen on a
 * loopback address: when `sandboxes.ports.bindAddress` exposes them to the network, a port that
 * opened by itself is only offered (`notify`), so no server reaches the network unasked.
 */
import type { SettingsReader } from '../../shared/settingsReader';
import { SettingKeys } from '../../shared/settingKeys';

export type AutoForwardAction = 'notify' | 'openBrowser' | 'silent' | 'ignore';

export const AUTO_FORWARD_ACTIONS: readonly AutoForwardAction[] = ['notify', 'openBrowser', 'silent', 'ignore'];

export const DEFAULT_AUTO_FORWARD: AutoForwardAction = 'notify';

export interface PortAttributes {
  onAutoForward?: AutoForwardAction;
  /** Shown instead of "Application" in the notification. */
  label?: string;
}

interface Rule {
  from: number;
  to: number;
  attributes: PortAttributes;
}

export interface AutoForwardSettings {
  defaultAction: AutoForwardAction;
  rules: readonly Rule[];
  /** Entries that were not understood (ignored), for the log. */
  problems: readonly string[];
}

export interface AutoForwardDecision {
  action: AutoForwardAction;
  label: string | undefined;
  /** Set when the action was lowered to `notify` because forwards are not loopback-only. */
  lowered?: AutoForwardAction;
}

export function autoForwardSettingsFrom(settings: SettingsReader): AutoForwardSettings {
  const problems: string[] = [];
  const rawDefault = settings.get(SettingKeys.onAutoForward);
  let defaultAction = DEFAULT_AUTO_FORWARD;
  if (isAction(rawDefault)) defaultAction = rawDefault;
  else if (rawDefault !== undefined && rawDefault !== null)
    problems.push(`"${SettingKeys.onAutoForward}" is ${JSON.stringify(rawDefault)}; use one of ${AUTO_FORWARD_ACTIONS.join(', ')}.`);

  const rules: Rule[] = [];
  const raw = settings.get(SettingKeys.portsAttributes);
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    problems.push(`"${SettingKeys.portsAttributes}" must be an object such as { "8000": { "onAutoForward": "openBrowser" } }.`);
  } else if (raw) {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const range = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(key);
      const from = range ? Number(range[1]) : NaN;
      const to = range ? Number(range[2] ?? range[1]) : NaN;
      if (!range || from < 1 || to > 65535 || from > to) {
        problems.push(`"${SettingKeys.portsAttributes}" key ${JSON.stringify(key)} is not a port or a range such as "3000-3010".`);
        continue;
      }
      if (typeof value !== 'object' || value === null) {
        problems.push(`"${SettingKeys.portsAttributes}" entry ${JSON.stringify(key)} must be an object such as { "onAutoForward": "notify" }.`);
        continue;
      }
      const { onAutoForward, label } = value as Record<string, unknown>;
      const attributes: PortAttributes = {};
      if (isAction(onAutoForward)) attributes.onAutoForward = onAutoForward;
      else if (onAutoForward !== undefined)
        problems.push(
          `"${SettingKeys.portsAttributes}" entry ${JSON.stringify(key)}: onAutoForward ${JSON.stringify(onAutoForward)} is not one of ${AUTO_FORWARD_ACTIONS.join(', ')}.`,
        );
      if (typeof label === 'string' && label.trim() !== '') attributes.label = label.trim().slice(0, 60);
      rules.push({ from, to, attributes });
    }
  }
  return { defaultAction, rules, problems };
}

/**
 * The decision for one port: a single port's entry wins over a range's, a narrower range over a
 * wider one; attributes an entry leaves out come from the next match, then the default.
 */
export function resolveAutoForward(port: number, settings: AutoForwardSettings, forwardsAreLoopback: boolean): AutoForwardDecision {
  const matches = settings.rules.filter((r) => r.from <= port && port <= r.to).sort((a, b) => a.to - a.from - (b.to - b.from));
  const action = matches.find((r) => r.attributes.onAutoForward)?.attributes.onAutoForward ?? settings.defaultAction;
  const label = matches.find((r) => r.attributes.label)?.attributes.label;
  if (!forwardsAreLoopback && (action === 'openBrowser' || action === 'silent')) {
    return { action: 'notify', label, lowered: action };
  }
  return { action, label };
}

function isAction(value: unknown): value is AutoForwardAction {
  return typeof value === 'string' && (AUTO_FORWARD_ACTIONS as readonly string[]).includes(value);
}

/**
 * How many ports a sandbox may announce: a process inside can open and close ports at will, and
 * each new one would be a notification. `take` allows `perWindow` announcements per sandbox per
 * `windowMs`; the rest are only logged (and still suggested by Forward Port…).
 */
export class AnnouncementBudget {
  private readonly taken = new Map<string, number[]>();

  constructor(
    private readonly perWindow = 3,
    private readonly windowMs = 60_000,
  ) {}

  take(sandboxId: string, now: number): boolean {
    const recent = (this.taken.get(sandboxId) ?? []).filter((t) => now - t < this.windowMs);
    const ok = recent.length < this.perWindow;
    if (ok) recent.push(now);
    this.taken.set(sandboxId, recent);
    return ok;
  }

  forget(sandboxId: string): void {
    this.taken.delete(sandboxId);
  }
}
