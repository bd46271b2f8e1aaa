/**
 * How a failed command is presented. Pure (no `vscode` import) so the decisions are unit-tested;
 * commands/registerCommands.ts turns a presentation into a notification.
 */
import type { SandboxErrorCode } from '../core/types';
import { LOG_REFERENCE, excerpt, plainText } from './untrustedText';
import { asSentence } from '../shared/sentence';

/**
 * An error the user can act on, raised by the adapter itself (the engine raises `SandboxError`).
 * Shown as message plus fix, never with a stack.
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';

  constructor(
    message: string,
    /** What the user should do, as a sentence. */
    readonly fix: string,
    /** Settings to open when the cause is a setting's value. */
    readonly settingKeys: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Causes that live in the machine's Docker/gVisor setup, which "Check Setup" diagnoses. */
const SETUP_CODES: ReadonlySet<string> = new Set<SandboxErrorCode>(['DOCKER_UNREACHABLE', 'RUNTIME_MISSING', 'RUNTIME_BROKEN']);

export type ErrorAction = 'checkSetup' | 'openSettings' | 'showLog';

export type ErrorPresentation =
  /** The user cancelled: say nothing. */
  | { kind: 'cancelled' }
  /** A known cause with a fix: no stack, buttons that help. */
  | { kind: 'actionable'; text: string; actions: ErrorAction[]; settingKeys: readonly string[] }
  /** A bug or an unforeseen failure: the stack goes to the log. */
  | { kind: 'unexpected'; text: string; actions: ErrorAction[] };

/**
 * The engine's `SandboxError`, recognised by shape rather than `instanceof`: the API hands the
 * engine to other extensions, whose copy of the class may not be ours.
 */
export interface SandboxErrorLike extends Error {
  code: string;
  fix: string;
}

export function isSandboxErrorLike(err: unknown): err is SandboxErrorLike {
  return err instanceof Error && typeof (err as Partial<SandboxErrorLike>).code === 'string' && typeof (err as Partial<SandboxErrorLike>).fix === 'string';
}

/**
 * Cancellation from any layer: the engine (`CANCELLED`), an aborted `AbortSignal` (`AbortError`)
 * or VS Code's `CancellationError` (named `Canceled`).
 */
export function isCancellation(err: unknown): boolean {
  if (!(err instanceof Error)) {
    return false;
  }
  return err.name === 'AbortError' || err.name === 'Canceled' || (err as { code?: unknown }).code === 'CANCELLED';
}

/**
 * Engine messages embed what the sandbox said (stderr, file names, symlink targets), so the text is
 * made plain (untrustedText.ts: no link can render) and long messages are cut, pointing to the
 * log, where `errorLogText` puts all of it.
 */
export function presentError(err: unknown, commandTitle: string): ErrorPresentation {
  if (isCancellation(err)) {
    return { kind: 'cancelled' };
  }
  if (err instanceof UserFacingError) {
    const actions: ErrorAction[] = err.settingKeys.length > 0 ? ['openSettings', 'showLog'] : ['showLog'];
    return { kind: 'actionable', text: notificationText(err.message, err.fix), actions, settingKeys: err.settingKeys };
  }
  if (isSandboxErrorLike(err)) {
    const actions: ErrorAction[] = SETUP_CODES.has(err.code) ? ['checkSetup', 'showLog'] : ['showLog'];
    return { kind: 'actionable', text: notificationText(err.message, err.fix), actions, settingKeys: [] };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    kind: 'unexpected',
    text: `${commandTitle} failed: ${asSentence(excerpt(message) || 'unknown error')} The log has the details.`,
    actions: ['showLog'],
  };
}

/** The longest message (before its fix) a notification shows whole. */
export const MAX_MESSAGE_LENGTH = 400;

/** Message and fix, plain, the message cut at MAX_MESSAGE_LENGTH with a pointer to the log. */
function notificationText(message: string, fix: string): string {
  const plain = plainText(message).trim();
  const shown = plain.length > MAX_MESSAGE_LENGTH ? `${excerpt(plain, MAX_MESSAGE_LENGTH)} (shortened: ${LOG_REFERENCE})` : plain;
  return withFix(shown, plainText(fix));
}

/** What the log gets for a failure shown to the user: the whole message and fix, as the engine wrote them. */
export function errorLogText(err: unknown): string {
  if (err instanceof UserFacingError || isSandboxErrorLike(err)) {
    return withFix(err.message, err.fix);
  }
  return err instanceof Error ? err.message : String(err);
}

/** "Docker is not reachable" + "Start dockerd." → "Docker is not reachable. Start dockerd." */
export function withFix(message: string, fix: string): string {
  const trimmedFix = fix.trim();
  return trimmedFix ? `${asSentence(message)} ${asSentence(trimmedFix)}` : asSentence(message);
}

export { asSentence };

/**
 * A Settings editor search that shows the given settings: a full id finds exactly that setting;
 * for several, their shared prefix (e.g. `sandboxes.defaults`) finds the group.
 */
export function settingsSearchQuery(keys: readonly string[]): string {
  const [first] = keys;
  if (first === undefined) {
    return 'sandboxes';
  }
  if (keys.length === 1) {
    return first;
  }
  let prefix = first.split('.').slice(0, -1);
  for (const key of keys) {
    const parts = key.split('.');
    let shared = 0;
    while (shared < prefix.length && prefix[shared] === parts[shared]) {
      shared++;
    }
    prefix = prefix.slice(0, shared);
  }
  return prefix.join('.') || 'sandboxes';
}
