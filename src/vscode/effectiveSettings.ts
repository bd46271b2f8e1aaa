/**
 * Which value of each setting counts, given what VS Code's `WorkspaceConfiguration.inspect()`
 * reports for every scope. A repository's settings (workspace and folder scope, in
 * `.vscode/settings.json` or a `.code-workspace` file) may tighten the sandbox, never loosen it:
 *
 * - limits (`cpu`, `memoryMiB`, `timeoutSeconds`, `idleTimeoutSeconds`, `pidsLimit`): a workspace
 *   value counts only when it is no higher than what the user scope (or the default) allows;
 *   "no limit" (`null`, `0` for lifetimes) counts only when that has no limit either;
 * - `blockNetwork`: a workspace may turn it on, never off when the user's is on;
 * - `cidrAllowlist`: a workspace's list counts when the user's is empty (open), or when every
 *   entry lies inside one of the user's entries; an empty list (open) only when the user's is;
 * - `domainAllowlist`: a workspace's names count when each lies within one of the user's names
 *   (`a.example.com` within `*.example.com`), or when the user's network is open (both lists
 *   empty); names never add to a user CIDR list; an empty list only when that cannot open the
 *   network (the user has no names, or has a CIDR list);
 * - `workspace.mount`: only a mode at least as strict as the user's (`none` > `copy` >
 *   `readonly` > `readwrite`), and never `readwrite`;
 * - `workspace.includeIgnored`: a workspace may turn it off, never on;
 * - the image, forwarded ports and what a port that starts listening does: VS Code's precedence in a trusted workspace, the user's value
 *   in an untrusted one; an image from the workspace may not be a snapshot (which holds another
 *   sandbox's files);
 * - runtime, Docker endpoint, guard image, gateway resolvers, bind address: user scope only (they are
 *   machine-scoped in package.json too);
 * - everything else (command, env, workdir, workspace path): VS Code's precedence; they only
 *   shape what runs inside the sandbox.
 *
 * Scopes are taken in VS Code's order, default → user → workspace → folder, and each later one may
 * only tighten what the ones before it allow. A value that is not even of the right type is
 * passed on, so the validators that follow name it and nothing is created or applied from it
 * (fail closed). Pure: no `vscode`; settings.ts feeds it `inspect()`.
 */
import type { CidrParser } from '../shared/cidrPattern';
import { accept, judgeAllowlist, judgeDomains, refuse, type Verdict } from './network/networkVerdicts';
import type { SettingsReader } from './network/networkSettings';
import { SettingKeys, type SettingKey } from '../shared/settingKeys';

/** The parts of `vscode.WorkspaceConfiguration.inspect(key)` read here. */
export interface InspectedSetting {
  /** The contributed default, or the value an administrator's policy sets (VS Code reports it here). */
  defaultValue?: unknown;
  /**
   * User settings. In a remote window VS Code reports the local and the remote machine's user
   * settings merged here (also as `globalLocalValue`/`globalRemoteValue`): both are the user's.
   */
  globalValue?: unknown;
  /** `.vscode/settings.json` of a single folder, or the `.code-workspace` file. */
  workspaceValue?: unknown;
  /** `.vscode/settings.json` of the folder the settings are read for, in a multi-root workspace. */
  workspaceFolderValue?: unknown;
}

export type Inspect = (key: string) => InspectedSetting | undefined;

export type WorkspaceScope = 'workspace' | 'workspaceFolder';

/** A workspace-level value that does not count, and why. */
export interface IgnoredSetting {
  key: string;
  scope: WorkspaceScope;
  value: unknown;
  /** Completes "… is ignored: …", e.g. "it is higher than the limit of 256 that your user settings set". */
  reason: string;
}

export interface ResolveOptions {
  /** `vscode.workspace.isTrusted`. */
  trusted: boolean;
  parseCidr: CidrParser;
  /** The user's (or default) `cidrAllowlist`, for judging a workspace's domain list; filled in here. */
  userCidrAllowlist?: unknown;
}

/** Settings as they count: a `SettingsReader` for the pure readers, plus what was ignored on the way. */
export interface EffectiveSettings extends SettingsReader {
  /** The workspace-level values ignored among the settings read so far. */
  readonly ignored: readonly IgnoredSetting[];
}

type Rule =
  | { kind: 'userOnly' }
  | { kind: 'precedence' }
  | { kind: 'trustedPrecedence' }
  | { kind: 'image' }
  | { kind: 'limit'; zeroIsNone: boolean; unsetMeans?: number }
  | { kind: 'flag'; strict: boolean }
  | { kind: 'allowlist' }
  | { kind: 'domains' }
  | { kind: 'mount' };

const LIMIT: Rule = { kind: 'limit', zeroIsNone: false };

/**
 * The engine's own defaults where a setting is unset (src/core/spec.ts DEFAULT_MEMORY_MIB and
 * DEFAULT_PIDS_LIMIT; a unit test keeps them in step, and a value import would load the engine):
 * `null` means these limits, not none, so a workspace may not go above them either.
 */
export const ENGINE_DEFAULT_MEMORY_MIB = 2048;
export const ENGINE_DEFAULT_PIDS_LIMIT = 512;
const LIFETIME: Rule = { kind: 'limit', zeroIsNone: true };

/** The key of the process limit another change adds; a limit like memory once it exists. */
export const PIDS_LIMIT_KEY = 'sandboxes.defaults.pidsLimit';

/**
 * Every setting's rule. Typed so that a new key in SettingKeys fails type checking until it gets
 * one here: a setting nobody thought about must not be left to the repository.
 */
const RULES: { [K in SettingKey]: Rule } & Record<string, Rule | undefined> = {
  [SettingKeys.image]: { kind: 'image' },
  [SettingKeys.command]: { kind: 'precedence' },
  [SettingKeys.env]: { kind: 'precedence' },
  [SettingKeys.workdir]: { kind: 'precedence' },
  [SettingKeys.cpu]: LIMIT,
  [SettingKeys.memoryMiB]: { ...LIMIT, unsetMeans: ENGINE_DEFAULT_MEMORY_MIB },
  [PIDS_LIMIT_KEY]: { ...LIMIT, unsetMeans: ENGINE_DEFAULT_PIDS_LIMIT },
  [SettingKeys.timeoutSeconds]: LIFETIME,
  [SettingKeys.idleTimeoutSeconds]: LIFETIME,
  [SettingKeys.runtime]: { kind: 'userOnly' },
  [SettingKeys.dockerHost]: { kind: 'userOnly' },
  [SettingKeys.blockNetwork]: { kind: 'flag', strict: true },
  [SettingKeys.cidrAllowlist]: { kind: 'allowlist' },
  [SettingKeys.domainAllowlist]: { kind: 'domains' },
  [SettingKeys.guardImage]: { kind: 'userOnly' },
  // Where allowed names are resolved decides what a domain-mode sandbox may reach.
  [SettingKeys.gatewayResolvers]: { kind: 'userOnly' },
  [SettingKeys.encryptedPorts]: { kind: 'trustedPrecedence' },
  [SettingKeys.unencryptedPorts]: { kind: 'trustedPrecedence' },
  [SettingKeys.h2Ports]: { kind: 'trustedPrecedence' },
  [SettingKeys.bindAddress]: { kind: 'userOnly' },
  // As the ports a workspace forwards at creation: it may decide what a port that opens does.
  [SettingKeys.onAutoForward]: { kind: 'trustedPrecedence' },
  [SettingKeys.portsAttributes]: { kind: 'trustedPrecedence' },
  [SettingKeys.workspaceMount]: { kind: 'mount' },
  [SettingKeys.workspacePath]: { kind: 'precedence' },
  [SettingKeys.includeIgnored]: { kind: 'flag', strict: false },
  // Agents (issue #15): a workspace may shorten the agent sandbox's idle time and turn confirmations on, never the reverse.
  [SettingKeys.agentIdleTimeoutSeconds]: LIFETIME,
  [SettingKeys.agentConfirmCalls]: { kind: 'flag', strict: true },
  [SettingKeys.agentNetworkRequestTimeoutSeconds]: { kind: 'precedence' },
  [SettingKeys.poolSize]: { kind: 'userOnly' },
  [SettingKeys.poolMemoryBudget]: { kind: 'userOnly' },
  // Which engines the editor connects to: a repository must not point it at one.
  [SettingKeys.dockerEngines]: { kind: 'userOnly' },
};

/** Every key with a rule, for reporting what is ignored. */
export const RULED_KEYS: readonly string[] = Object.keys(RULES);

/** Unknown keys: only the user's value (fail closed). */
const UNKNOWN: Rule = { kind: 'userOnly' };

/** Mount modes from strictest to loosest. */
const MOUNT_ORDER = ['none', 'copy', 'readonly', 'readwrite'] as const;

/**
 * Images the engine makes from sandboxes (src/core/files/snapshot.ts, SNAPSHOT_REPOSITORY; a unit
 * test keeps the two in step). Not imported: a value import of the engine loads it.
 */
export const SNAPSHOT_IMAGE_PREFIX = 'sandboxes-snapshot/';

/** The value that counts for one setting, and the workspace-level values ignored. */
export function resolveSetting(key: string, inspected: InspectedSetting | undefined, options: ResolveOptions): { value: unknown; ignored: IgnoredSetting[] } {
  const rule = RULES[key] ?? UNKNOWN;
  let value = inspected?.globalValue !== undefined ? inspected.globalValue : inspected?.defaultValue;
  const ignored: IgnoredSetting[] = [];
  for (const scope of ['workspace', 'workspaceFolder'] as const) {
    const candidate = scope === 'workspace' ? inspected?.workspaceValue : inspected?.workspaceFolderValue;
    if (candidate === undefined) continue;
    // A single-folder window reports its .vscode/settings.json in both scopes: judge it once.
    if (scope === 'workspaceFolder' && sameJson(candidate, inspected?.workspaceValue)) continue;
    const verdict = judge(rule, value, candidate, options);
    if (verdict.ok) value = verdict.value;
    else ignored.push({ key, scope, value: candidate, reason: verdict.reason });
  }
  return { value, ignored };
}

/** A `SettingsReader` over `inspect()`: each key resolved once, on first read. */
export function effectiveSettings(inspect: Inspect, options: ResolveOptions): EffectiveSettings {
  const resolved = new Map<string, unknown>();
  const ignored: IgnoredSetting[] = [];
  return {
    ignored,
    get(key: string): unknown {
      if (!resolved.has(key)) {
        const result = resolveSetting(key, inspect(key), withUserCidrs(key, inspect, options));
        resolved.set(key, result.value);
        ignored.push(...result.ignored);
      }
      return resolved.get(key);
    },
  };
}

/** Every ignored workspace-level value among the settings this extension has rules for. */
export function ignoredSettings(inspect: Inspect, options: ResolveOptions, keys: readonly string[] = RULED_KEYS): IgnoredSetting[] {
  return keys.flatMap((key) => resolveSetting(key, inspect(key), withUserCidrs(key, inspect, options)).ignored);
}

/** A domain list is judged against the user's CIDR list too (names and networks add up). */
function withUserCidrs(key: string, inspect: Inspect, options: ResolveOptions): ResolveOptions {
  if (key !== SettingKeys.domainAllowlist || options.userCidrAllowlist !== undefined) return options;
  const cidrs = inspect(SettingKeys.cidrAllowlist);
  return { ...options, userCidrAllowlist: cidrs?.globalValue !== undefined ? cidrs.globalValue : (cidrs?.defaultValue ?? []) };
}

/** One line for the log, naming the setting, where its value is and why it does not count. */
export function describeIgnored(item: IgnoredSetting): string {
  const where = item.scope === 'workspace' ? 'the workspace settings' : "a folder's settings (.vscode/settings.json)";
  return `Ignored "${item.key}": ${describeValue(item.value)} in ${where}: ${item.reason}.`;
}

function judge(rule: Rule, current: unknown, candidate: unknown, options: ResolveOptions): Verdict {
  switch (rule.kind) {
    case 'userOnly':
      return refuse('only user settings can set this (a machine setting), so a repository cannot change it');
    case 'precedence':
      return accept(merge(current, candidate));
    case 'trustedPrecedence':
      return options.trusted ? accept(merge(current, candidate)) : refuse('this workspace is not trusted, so only your user settings count here');
    case 'image':
      if (!options.trusted) return refuse('this workspace is not trusted, so only your user settings choose the image');
      if (typeof candidate === 'string' && candidate.trim().startsWith(SNAPSHOT_IMAGE_PREFIX)) {
        return refuse("it names a snapshot, which holds another sandbox's files; start from a snapshot with Create Sandbox from Snapshot");
      }
      return accept(candidate);
    case 'limit':
      return judgeLimit(rule.zeroIsNone, current, candidate, rule.unsetMeans);
    case 'flag':
      return judgeFlag(rule.strict, current, candidate);
    case 'allowlist':
      return judgeAllowlist(current, candidate, options.parseCidr);
    case 'domains':
      return judgeDomains(current, candidate, options.userCidrAllowlist);
    case 'mount':
      return judgeMount(current, candidate);
  }
}

/** VS Code merges object values across scopes (env) and replaces everything else. */
function merge(current: unknown, candidate: unknown): unknown {
  return isPlainObject(current) && isPlainObject(candidate) ? { ...current, ...candidate } : candidate;
}

function judgeLimit(zeroIsNone: boolean, current: unknown, candidate: unknown, unsetMeans?: number): Verdict {
  const isNone = (v: unknown) => v === undefined || v === null || (zeroIsNone && v === 0);
  if (unsetMeans !== undefined) {
    // Unset is the engine's default limit, not none: compare as that number, keep what was written.
    const verdict = judgeLimit(zeroIsNone, isNone(current) ? unsetMeans : current, isNone(candidate) ? unsetMeans : candidate);
    return verdict.ok ? accept(candidate) : verdict;
  }
  const isLimit = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && !isNone(v);
  if (isNone(candidate)) {
    if (isNone(current)) return accept(candidate);
    return refuse(`it would remove the limit of ${describeValue(current)} that your user settings (or the default) set; workspace settings may only lower it`);
  }
  if (!isLimit(candidate)) return accept(candidate); // not a number: the validator names it
  if (isNone(current)) return accept(candidate);
  if (!isLimit(current)) return refuse('your own user setting is invalid; correct it first');
  return candidate <= current
    ? accept(candidate)
    : refuse(`it is higher than the limit of ${describeValue(current)} that your user settings (or the default) set; workspace settings may only lower it`);
}

function judgeFlag(strict: boolean, current: unknown, candidate: unknown): Verdict {
  // The readers take null for false (`=== true`, `?? false`): so must this comparison.
  const wanted = candidate === null ? false : candidate;
  if (typeof wanted !== 'boolean') return accept(candidate); // the validator names it
  // Loosening is asking for the other value while the one before is the strict one.
  if (wanted === strict || (current === true) !== strict) return accept(candidate);
  return refuse(
    strict ? 'your user settings turn it on, and workspace settings may only turn it on' : 'your user settings leave it off, and workspace settings may only turn it off',
  );
}

function judgeMount(current: unknown, candidate: unknown): Verdict {
  const rank = (v: unknown) => MOUNT_ORDER.indexOf(v as (typeof MOUNT_ORDER)[number]);
  const wanted = rank(candidate ?? 'copy');
  if (wanted === -1) return accept(candidate); // not a mode: the validator names it
  if (candidate === 'readwrite') return refuse('workspace settings can never choose a read-write mount; only your user settings can');
  const allowed = rank(current ?? 'copy');
  if (allowed === -1) return refuse('your own user setting is invalid; correct it first');
  if (wanted <= allowed) return accept(candidate);
  return refuse(
    `it is less strict than "${String(current ?? 'copy')}" from your user settings (or the default); workspace settings may only choose a stricter mode (none, then copy, then readonly)`,
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}
