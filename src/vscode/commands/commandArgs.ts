/**
 * Arguments callers may pass to commands (tests, other extensions, tree menus). Pure, so the
 * parsing is unit-tested. Bad arguments are programming errors and throw `TypeError`s, which the
 * registry logs with their stack.
 */
import type { SandboxSpec } from '../../core/types';
import { validateSandboxName } from '../../shared/sandboxName';
import { NETWORK_CHOICES, type NetworkChoice } from '../network/networkChoices';

/**
 * The sandbox a caller named: an id or name string, an object with a string `id` (a `Sandbox`,
 * a `SandboxInfo`), or one with a string `sandboxId` (a node of the Sandboxes tree, a
 * forwarded port). `undefined` means "ask the user".
 */
export function sandboxIdFromArg(arg: unknown): string | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  const id = typeof arg === 'object' ? ((arg as { id?: unknown }).id ?? (arg as { sandboxId?: unknown }).sandboxId) : arg;
  if (typeof id === 'string' && id.trim() !== '') {
    return id.trim();
  }
  throw new TypeError(`Expected a sandbox id or an object with a string "id" or "sandboxId", got ${describeArg(arg)}.`);
}

/**
 * `sandboxes.createSandbox` with no argument asks for a name; with an object (possibly empty),
 * it creates non-interactively, the object's spec fields (e.g. `name`, `image`) overriding the
 * settings.
 */
export function createOverridesFromArg(arg: unknown): Partial<SandboxSpec> | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  if (typeof arg === 'object' && !Array.isArray(arg)) {
    return arg as Partial<SandboxSpec>;
  }
  throw new TypeError(`Expected an object of sandbox spec fields such as { name, image }, got ${describeArg(arg)}.`);
}

export function commandLineFromArg(arg: unknown): string | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  if (typeof arg === 'string' && arg.trim() !== '') {
    return arg;
  }
  throw new TypeError(`Expected a non-empty command line string, got ${describeArg(arg)}.`);
}

export interface TerminateOptions {
  /** Ask before terminating. Default: only when the user picked the sandbox in the UI. */
  confirm?: boolean;
}

export function terminateOptionsFromArg(arg: unknown): TerminateOptions {
  if (arg === undefined || arg === null) {
    return {};
  }
  if (typeof arg === 'object' && !Array.isArray(arg)) {
    const { confirm } = arg as { confirm?: unknown };
    if (confirm === undefined || typeof confirm === 'boolean') {
      return { confirm };
    }
  }
  throw new TypeError(`Expected options such as { confirm: false }, got ${describeArg(arg)}.`);
}

/** `sandboxes.toggleNetwork`'s second argument: the mode to apply without asking. */
export function networkChoiceFromArg(arg: unknown): NetworkChoice | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  if (typeof arg === 'string' && (NETWORK_CHOICES as readonly string[]).includes(arg)) {
    return arg as NetworkChoice;
  }
  throw new TypeError(`Expected one of ${NETWORK_CHOICES.map((c) => `'${c}'`).join(', ')}, got ${describeArg(arg)}.`);
}

/** `sandboxes.allowRefusedName`'s argument (the refusal notification's actions). */
export type AllowScope = 'sandbox' | 'workspace';

export interface AllowRefusedNameArgs {
  sandboxId: string;
  entry: string;
  scope: AllowScope;
}

/** Pure: the command's argument, or a TypeError naming what is wrong with it. */
export function allowArgsFrom(arg: unknown): AllowRefusedNameArgs {
  const { sandboxId, entry, scope } = (typeof arg === 'object' && arg !== null && !Array.isArray(arg) ? arg : {}) as Record<string, unknown>;
  if (typeof sandboxId !== 'string' || sandboxId.trim() === '' || typeof entry !== 'string' || entry.trim() === '' || (scope !== 'sandbox' && scope !== 'workspace')) {
    throw new TypeError(`Expected { sandboxId, entry, scope: 'sandbox' | 'workspace' }, got ${JSON.stringify(arg) ?? typeof arg}.`);
  }
  return { sandboxId: sandboxId.trim(), entry: entry.trim(), scope };
}

/** For the name input box (shared/sandboxName.ts, which the create form uses too). */
export { validateSandboxName };

function describeArg(arg: unknown): string {
  if (typeof arg === 'object' && arg !== null) {
    return Array.isArray(arg) ? 'an array' : `an object with keys [${Object.keys(arg).join(', ')}]`;
  }
  return JSON.stringify(arg) ?? typeof arg;
}
