/**
 * The messages between the extension and its webviews (the Create Sandbox form and the Sandbox
 * Details panel), in the one file both sides import: the panels in src/vscode/webviews and the
 * scripts in src/webview. Pure TypeScript, no `vscode`, no DOM, no Node.
 *
 * - Handshake: a script posts `{ kind: 'ready' }` once its listeners are in place; the panel
 *   posts nothing before that (messages posted to a webview that is still loading are lost) and
 *   answers with its current state, also after the webview was hidden and recreated.
 * - Requests: `{ kind: 'request', id, method, params }` from the script, answered by exactly one
 *   `{ kind: 'response', id, ok, result | error }`. Ids are the script's own counter.
 * - Pushes: `{ kind: 'push', push }` from the panel whenever what it shows changes.
 *
 * What a webview posts is checked with the guards below before anything acts on it.
 */
import type { ImageChoice } from './localImages';
import type { NetworkMode, SandboxState, TunnelKind } from '../core/types';
import { isNetworkMode } from './networkModes';

/** `viewType`s of the panels, also in package.json's `onWebviewPanel:` activation events. */
export const PanelTypes = {
  createForm: 'sandboxes.createForm',
  details: 'sandboxes.details',
} as const;

// ---------------------------------------------------------------------------------------------
// Envelopes

export interface MethodSpec {
  params: unknown;
  result: unknown;
}

export type RequestMessage<M extends Record<keyof M, MethodSpec>> = {
  [K in keyof M & string]: { kind: 'request'; id: number; method: K; params: M[K]['params'] };
}[keyof M & string];

export type ResponseMessage = { kind: 'response'; id: number; ok: true; result: unknown } | { kind: 'response'; id: number; ok: false; error: string };

export type FromWebview<M extends Record<keyof M, MethodSpec>> = { kind: 'ready' } | RequestMessage<M>;

export type ToWebview<P> = ResponseMessage | { kind: 'push'; push: P };

// ---------------------------------------------------------------------------------------------
// Create Sandbox form

/**
 * What the form shows, as typed: numbers and lists stay text until they are checked, so a value
 * being typed is never rewritten under the cursor. `createFormModel.ts` converts from settings
 * and to a spec.
 */
export interface CreateFormModel {
  name: string;
  image: string;
  /** An argument list written as a command line (quotes group words); empty: keep the sandbox alive. */
  command: string;
  cpu: string;
  memoryMiB: string;
  pidsLimit: string;
  timeoutSeconds: string;
  idleTimeoutSeconds: string;
  networkMode: NetworkMode;
  /** One row per entry; kept while another mode is chosen, so switching back loses nothing. */
  cidrAllowlist: string[];
  /** Comma- or space-separated port numbers, one field per kind of forward. */
  unencryptedPorts: string;
  encryptedPorts: string;
  h2Ports: string;
  /** Host names through the egress gateway, separated by commas or spaces (with Allowlist). */
  domainAllowlist: string;
}

export const FORM_TEXT_FIELDS = [
  'name',
  'image',
  'command',
  'cpu',
  'memoryMiB',
  'pidsLimit',
  'timeoutSeconds',
  'idleTimeoutSeconds',
  'unencryptedPorts',
  'encryptedPorts',
  'h2Ports',
  'domainAllowlist',
] as const satisfies readonly (keyof CreateFormModel)[];

export type FormTextField = (typeof FORM_TEXT_FIELDS)[number];

/**
 * Problems by field: a `FormTextField`, `cidrAllowlist` (the list as a whole), `cidrAllowlist.<i>`
 * (one row), or `form` (the spec as a whole, e.g. refused by the engine for a reason no single
 * field explains).
 */
export type FieldErrors = Record<string, string>;

export interface CreateFormMethods {
  create: { params: { model: CreateFormModel; openDetails: boolean }; result: CreateOutcome };
  saveDefaults: { params: { model: CreateFormModel }; result: SaveOutcome };
  /** The form as the settings fill it now (the "Reset to Settings" button). */
  readDefaults: { params: Record<string, never>; result: CreateFormModel };
  /** The images on this machine, for the image field's list (`problem`: why there is none, e.g. Docker unreachable). */
  localImages: { params: Record<string, never>; result: { images: ImageChoice[]; problem?: string } };
  /** Opens the Settings editor at the `sandboxes.workspace` settings (the form's workspace note). */
  openWorkspaceSettings: { params: Record<string, never>; result: void };
}

export type CreateOutcome =
  | { outcome: 'created'; sandboxId: string; name: string }
  /** Field errors: shown next to their fields, not as a notification. */
  | { outcome: 'invalid'; errors: FieldErrors }
  /** Anything else; the extension has shown a notification too. */
  | { outcome: 'failed'; message: string }
  | { outcome: 'cancelled' };

export type SaveOutcome = { outcome: 'saved'; keys: string[] } | { outcome: 'invalid'; errors: FieldErrors };

export type CreateFormPush = {
  type: 'init';
  /** The form as the settings fill it; the script keeps what the user typed (its saved state) instead, if any. */
  defaults: CreateFormModel;
  /** Why Save as workspace defaults is unavailable (no folder open), or `undefined`. */
  saveUnavailable: string | undefined;
  /** What new sandboxes get of the workspace, e.g. "uxform copied to /workspace" (the settings decide). */
  workspaceNote: string;
};

/** What the form script keeps with `setState` (restored after a reload or when the panel is shown again). */
export interface CreateFormState {
  model: CreateFormModel;
  openDetails: boolean;
}

// ---------------------------------------------------------------------------------------------
// Sandbox Details

/** Buttons of the details panel; each runs the extension command of the same purpose. */
export const DETAILS_ACTIONS = ['toggleNetwork', 'openTerminal', 'forwardPort', 'openInBrowser', 'copyTunnelUrl', 'terminate'] as const;
export type DetailsAction = (typeof DETAILS_ACTIONS)[number];

export interface DetailsMethods {
  /** `port`: the forwarded port, for `openInBrowser` and `copyTunnelUrl`. */
  run: { params: { action: DetailsAction; port?: number }; result: null };
  /** Reads the log tail again now. */
  refreshLogs: { params: Record<string, never>; result: null };
}

/** A sandbox as the panel shows it; JSON-safe (times as epoch milliseconds). */
export interface SandboxView {
  id: string;
  name: string;
  image: string;
  runtime: string;
  gvisor: boolean;
  state: SandboxState;
  exitCode: number | null;
  createdAt: number;
  expiresAt: number | null;
  network: NetworkView | { error: string } | null;
  tunnels: TunnelView[];
}

export interface NetworkView {
  mode: NetworkMode;
  cidrAllowlist: string[];
  /** Host names through the egress gateway. */
  domainAllowlist?: string[];
  /** The gateway's latest refusals, newest last: "time protocol name:port — reason". */
  refused?: string[];
  followsDefaults: boolean;
  enforced: boolean;
}

export interface TunnelView {
  containerPort: number;
  kind: TunnelKind;
  /** Where the forward is reached on this machine; `undefined` while this window serves no tunnel for it. */
  url: string | undefined;
}

export interface StatsPoint {
  /** Epoch milliseconds. */
  at: number;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

export type DetailsPush =
  /** First after every handshake: which sandbox the panel is about (the script saves it for the serializer). */
  | { type: 'init'; sandboxId: string }
  | { type: 'sandbox'; sandbox: SandboxView }
  /** The sandbox no longer exists. */
  | { type: 'gone'; sandboxId: string; name: string }
  /** `replace`: the whole series (after the handshake); otherwise samples to append. */
  | { type: 'stats'; points: StatsPoint[]; replace: boolean; error?: string }
  | { type: 'logs'; text: string; error?: string };

/** What the details script keeps with `setState`: which sandbox, so the serializer can restore the panel. */
export interface DetailsState {
  sandboxId: string;
}

// ---------------------------------------------------------------------------------------------
// Guards: what a webview posts is data from another process, checked before use.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `ready` or a well-formed request for one of `methods` (params checked by `paramsOk`). */
export function isFromWebview<M extends Record<keyof M, MethodSpec>>(
  value: unknown,
  paramsOk: { [K in keyof M & string]: (params: unknown) => boolean },
): value is FromWebview<M> {
  if (!isRecord(value)) return false;
  if (value.kind === 'ready') return true;
  if (value.kind !== 'request' || typeof value.id !== 'number' || !Number.isInteger(value.id) || typeof value.method !== 'string') return false;
  const check = Object.prototype.hasOwnProperty.call(paramsOk, value.method) ? paramsOk[value.method as keyof M & string] : undefined;
  return check !== undefined && check(value.params);
}

export function isCreateFormModel(value: unknown): value is CreateFormModel {
  return (
    isRecord(value) &&
    FORM_TEXT_FIELDS.every((field) => typeof value[field] === 'string') &&
    isNetworkMode(value.networkMode) &&
    Array.isArray(value.cidrAllowlist) &&
    value.cidrAllowlist.every((entry) => typeof entry === 'string')
  );
}

export const CREATE_FORM_PARAMS: { [K in keyof CreateFormMethods & string]: (params: unknown) => boolean } = {
  create: (p) => isRecord(p) && isCreateFormModel(p.model) && typeof p.openDetails === 'boolean',
  saveDefaults: (p) => isRecord(p) && isCreateFormModel(p.model),
  readDefaults: (p) => isRecord(p),
  localImages: (p) => isRecord(p),
  openWorkspaceSettings: (p) => isRecord(p),
};

export const DETAILS_PARAMS: { [K in keyof DetailsMethods & string]: (params: unknown) => boolean } = {
  run: (p) =>
    isRecord(p) &&
    (DETAILS_ACTIONS as readonly unknown[]).includes(p.action) &&
    (p.port === undefined || (typeof p.port === 'number' && Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)),
  refreshLogs: (p) => isRecord(p),
};

export function isCreateFormState(value: unknown): value is CreateFormState {
  return isRecord(value) && isCreateFormModel(value.model) && typeof value.openDetails === 'boolean';
}

export function isDetailsState(value: unknown): value is DetailsState {
  return isRecord(value) && typeof value.sandboxId === 'string' && value.sandboxId !== '';
}
