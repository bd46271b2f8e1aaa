/**
 * The Create Sandbox form's logic: settings → form, form → spec fields and problems by field,
 * form → the settings "Save as workspace defaults" writes. Pure (no `vscode`, no DOM): the panel
 * uses it with the engine from dist/core.js, and the form's script with the same engine modules
 * bundled (they are pure too), so a field is flagged as it is typed by the very rules that
 * creation applies.
 */
import type { NetworkMode, SandboxSpec } from '../core/types';
import { validateSandboxName } from './sandboxName';
import { checkAllowlistEntry, type CidrParser } from './cidrPattern';
import type { SettingsReader } from './settingsReader';
import { modeOf } from './networkModes';
import { PORT_FIELDS, TUNNEL_KINDS, TUNNEL_KIND_NAMES, type PortField } from './tunnelKinds';
import { SettingKeys, type SettingKey } from './settingKeys';
import type { CreateFormModel, FieldErrors, FormTextField } from './webviewProtocol';

/** The engine functions the form needs (`validateSpec` and `parseCidr` of src/core). */
export interface FormEngine {
  validateSpec: (spec: unknown) => SandboxSpec;
  parseCidr: CidrParser;
  /** The engine's `parseDomainEntry` (src/core/network/domains.ts): the same messages as the API. */
  parseDomainEntry?: (entry: string) => { entry: string } | string;
}

/** The spec fields the form sets. */
export type FormSpec = Pick<
  SandboxSpec,
  'name' | 'image' | 'command' | 'cpu' | 'memoryMiB' | 'pidsLimit' | 'timeoutSeconds' | 'idleTimeoutSeconds' | 'blockNetwork' | 'cidrAllowlist' | 'domainAllowlist' | PortField
>;

/** Labels of the port fields, for messages about a port in two of them. */
export const PORT_LABELS = Object.fromEntries(TUNNEL_KIND_NAMES.map((kind) => [TUNNEL_KINDS[kind].specField, TUNNEL_KINDS[kind].label])) as Record<PortField, string>;

export const EMPTY_FORM: CreateFormModel = {
  name: '',
  image: '',
  command: '',
  cpu: '',
  memoryMiB: '',
  pidsLimit: '',
  timeoutSeconds: '',
  idleTimeoutSeconds: '',
  networkMode: 'open',
  cidrAllowlist: [],
  unencryptedPorts: '',
  encryptedPorts: '',
  h2Ports: '',
  domainAllowlist: '',
};

/**
 * The form as the settings fill it. Values are shown as they are, even invalid ones, so the form
 * is where they get fixed; only what cannot be shown as text (a command that is not a list of
 * strings, say) is left empty.
 */
export function formModelFromSettings(settings: SettingsReader): CreateFormModel {
  const text = (key: string): string => {
    const value = settings.get(key);
    return typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
  };
  const list = (key: string): unknown[] => {
    const value = settings.get(key);
    return Array.isArray(value) ? value : [];
  };
  const command = list(SettingKeys.command);
  const allowlist = list(SettingKeys.cidrAllowlist).filter((entry): entry is string => typeof entry === 'string');
  const domains = list(SettingKeys.domainAllowlist).filter((entry): entry is string => typeof entry === 'string');
  const networkMode: NetworkMode = modeOf({ blockNetwork: settings.get(SettingKeys.blockNetwork) === true, cidrAllowlist: allowlist, domainAllowlist: domains });
  const ports = (key: string) => list(key).map(String).join(', ');
  return {
    ...EMPTY_FORM,
    image: text(SettingKeys.image),
    command: command.every((arg) => typeof arg === 'string') ? joinCommandLine(command as string[]) : '',
    cpu: text(SettingKeys.cpu),
    memoryMiB: text(SettingKeys.memoryMiB),
    pidsLimit: text(SettingKeys.pidsLimit),
    // 0 means "none" in the settings; the form says so with an empty field.
    timeoutSeconds: text(SettingKeys.timeoutSeconds) === '0' ? '' : text(SettingKeys.timeoutSeconds),
    idleTimeoutSeconds: text(SettingKeys.idleTimeoutSeconds) === '0' ? '' : text(SettingKeys.idleTimeoutSeconds),
    networkMode,
    cidrAllowlist: allowlist,
    domainAllowlist: domains.join(', '),
    ...(Object.fromEntries(PORT_FIELDS.map((field) => [field, ports(SettingKeys[field])])) as Record<PortField, string>),
  };
}

/** What each field accepts, as the sentence shown under it. */
const EXPECTED: Record<Exclude<FormTextField, PortField | 'name' | 'command' | 'domainAllowlist'>, string> = {
  image: 'Enter an image reference without spaces, e.g. python:3.12-slim.',
  cpu: 'Enter a number of CPU cores greater than 0, e.g. 1.5, or leave empty for no limit.',
  memoryMiB: 'Enter a whole number of MiB, at least 16, e.g. 4096, or leave empty for the default (2048).',
  pidsLimit: 'Enter a whole number of processes, at least 16, e.g. 1024, or leave empty for the default (512).',
  timeoutSeconds: 'Enter a whole number of seconds, at least 1, e.g. 3600, or leave empty for no limit.',
  idleTimeoutSeconds: 'Enter a whole number of seconds, at least 1, e.g. 1800, or leave empty for never.',
};

/** Stands in for the image while another field is checked alone; never pulled. */
const PROBE_IMAGE = 'busybox';

export interface CheckedForm {
  /** The spec fields, complete when `errors` is empty. */
  spec: FormSpec;
  errors: FieldErrors;
}

/**
 * Checks every field and converts the form to spec fields. Each field is checked alone with the
 * engine's own validator (as settingsToSpec.ts does for settings), so the form accepts exactly
 * what creation accepts and can say which field is wrong; the whole spec is validated last.
 */
export function checkForm(model: CreateFormModel, engine: FormEngine): CheckedForm {
  const errors: FieldErrors = {};
  const spec: FormSpec = { image: model.image.trim() };
  const accepts = (fields: Record<string, unknown>): boolean => {
    try {
      engine.validateSpec({ image: PROBE_IMAGE, ...fields });
      return true;
    } catch {
      return false;
    }
  };

  const nameProblem = validateSandboxName(model.name);
  if (nameProblem) errors.name = nameProblem;
  else if (model.name.trim()) spec.name = model.name.trim();

  if (!spec.image || /\s/.test(spec.image) || !accepts({ image: spec.image })) errors.image = EXPECTED.image;

  const command = splitCommandLine(model.command);
  if (typeof command === 'string') errors.command = command;
  else if (command.length > 0) spec.command = command;

  checkNumbers(model, spec, errors, accepts);
  checkNetwork(model, spec, errors, engine.parseCidr, engine.parseDomainEntry);
  checkPorts(model, spec, errors);

  if (Object.keys(errors).length === 0) {
    try {
      engine.validateSpec(spec);
    } catch (err) {
      errors.form = err instanceof Error ? err.message : String(err);
    }
  }
  return { spec, errors };
}

/** Limits and lifetimes: numbers the engine accepts, each checked alone (`accepts`). */
function checkNumbers(model: CreateFormModel, spec: FormSpec, errors: FieldErrors, accepts: (fields: Record<string, unknown>) => boolean): void {
  const numbers: [field: 'cpu' | 'memoryMiB' | 'pidsLimit' | 'timeoutSeconds' | 'idleTimeoutSeconds', whole: boolean][] = [
    ['cpu', false],
    ['memoryMiB', true],
    ['pidsLimit', true],
    ['timeoutSeconds', true],
    ['idleTimeoutSeconds', true],
  ];
  for (const [field, whole] of numbers) {
    const text = model[field].trim();
    if (text === '') continue;
    const value = Number(text);
    if (!/^\d*\.?\d+$/.test(text) || (whole && !Number.isInteger(value)) || !accepts({ [field]: value }) || (field.endsWith('Seconds') && value === 0)) {
      errors[field] = EXPECTED[field];
    } else {
      spec[field] = value;
    }
  }
}

/** Said under an allowlist row left empty. */
export const EMPTY_ROW_ERROR = 'This row is empty: type a network (e.g. 10.0.0.0/8) or remove the row.';

/**
 * The network mode, and for an allowlist each row (at least one is needed). An empty row is
 * flagged, not dropped: a row the user added and forgot would otherwise vanish silently on Create.
 */
function checkNetwork(model: CreateFormModel, spec: FormSpec, errors: FieldErrors, parseCidr: FormEngine['parseCidr'], parseDomain: FormEngine['parseDomainEntry']): void {
  spec.blockNetwork = model.networkMode === 'blocked';
  spec.cidrAllowlist = [];
  // Host names: checked in every mode (a typo is flagged as it is typed), used with Allowlist.
  const names = parseDomainList(model.domainAllowlist ?? '', parseDomain);
  if (typeof names === 'string') errors.domainAllowlist = names;
  else if (model.networkMode === 'allowlist' && names.length > 0) spec.domainAllowlist = names;
  if (model.networkMode === 'allowlist') {
    model.cidrAllowlist.forEach((entry, index) => {
      if (entry.trim() === '') {
        errors[`cidrAllowlist.${index}`] = EMPTY_ROW_ERROR;
        return;
      }
      const checked = checkAllowlistEntry(entry, parseCidr);
      if (typeof checked === 'string') errors[`cidrAllowlist.${index}`] = checked;
      else if (!spec.cidrAllowlist?.includes(checked.cidr)) spec.cidrAllowlist?.push(checked.cidr);
    });
    const bad = Object.keys(errors).some((key) => key.startsWith('cidrAllowlist.'));
    if (!bad && spec.cidrAllowlist.length === 0 && !errors.domainAllowlist && (spec.domainAllowlist ?? []).length === 0) {
      errors.cidrAllowlist = 'Add at least one network (e.g. 10.0.0.0/8) or host name, or choose Open or Blocked: an empty allowlist would mean an open network.';
    }
  }
}

/**
 * "example.org, *.example.com git.example.net:8443" → normalised entries; the engine's message for
 * the first bad one otherwise ("… is a URL; did you mean example.org?").
 */
export function parseDomainList(text: string, parseDomain: FormEngine['parseDomainEntry']): string[] | string {
  const out: string[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    if (!parseDomain) return 'Host names cannot be checked here.';
    const parsed = parseDomain(entry);
    if (typeof parsed === 'string') return `"${entry}" ${parsed}.`;
    if (!out.includes(parsed.entry)) out.push(parsed.entry);
  }
  return out;
}

/** Each port kind's list; a port may be forwarded one way only. */
function checkPorts(model: CreateFormModel, spec: FormSpec, errors: FieldErrors): void {
  const seen = new Map<number, PortField>();
  for (const field of PORT_FIELDS) {
    const ports = parsePortList(model[field]);
    if (typeof ports === 'string') {
      errors[field] = ports;
      continue;
    }
    const problems: string[] = [];
    for (const port of ports) {
      const other = seen.get(port);
      if (other === field) problems.push(`${port} is listed twice.`);
      else if (other) problems.push(`${port} is also an ${PORT_LABELS[other]} port; a port is forwarded one way only.`);
      else seen.set(port, field);
    }
    if (problems.length > 0) errors[field] = problems.join(' ');
    else if (ports.length > 0) spec[field] = ports;
  }
}

/**
 * What "Save as workspace defaults" writes, or the problems that stop it: every setting the form
 * shows, each with the value that means what the form shows (`null` for no limit, `[]` for none),
 * so an empty field overrides a user setting instead of falling back to it. The name is a
 * sandbox's own, not a default: it is neither saved nor checked. While blocked, the valid
 * allowlist rows are kept (blocking wins over the list in the settings, and unblocking there gives
 * it back); open means an empty list.
 */
export function settingsFromForm(model: CreateFormModel, engine: FormEngine): { settings: [SettingKey, unknown][] } | { errors: FieldErrors } {
  const { spec, errors } = checkForm({ ...model, name: '' }, engine);
  if (Object.keys(errors).length > 0) return { errors };
  const allowlist: string[] = model.networkMode === 'allowlist' ? (spec.cidrAllowlist ?? []) : [];
  for (const entry of model.networkMode === 'blocked' ? model.cidrAllowlist : []) {
    const checked = entry.trim() === '' ? undefined : checkAllowlistEntry(entry, engine.parseCidr);
    if (checked && typeof checked !== 'string' && !allowlist.includes(checked.cidr)) allowlist.push(checked.cidr);
  }
  return {
    settings: [
      [SettingKeys.image, spec.image],
      [SettingKeys.command, spec.command ?? []],
      [SettingKeys.cpu, spec.cpu ?? null],
      [SettingKeys.memoryMiB, spec.memoryMiB ?? null],
      [SettingKeys.pidsLimit, spec.pidsLimit ?? null],
      [SettingKeys.timeoutSeconds, spec.timeoutSeconds ?? null],
      [SettingKeys.idleTimeoutSeconds, spec.idleTimeoutSeconds ?? null],
      [SettingKeys.blockNetwork, spec.blockNetwork === true],
      [SettingKeys.cidrAllowlist, allowlist],
      [
        SettingKeys.domainAllowlist,
        model.networkMode === 'open'
          ? []
          : (spec.domainAllowlist ??
            (model.networkMode === 'blocked'
              ? (() => {
                  const kept = parseDomainList(model.domainAllowlist ?? '', engine.parseDomainEntry);
                  return typeof kept === 'string' ? [] : kept;
                })()
              : [])),
      ],
      ...PORT_FIELDS.map((field): [SettingKey, unknown] => [SettingKeys[field], spec[field] ?? []]),
    ],
  };
}

/**
 * The entry a problem suggests instead ("… has host bits set; did you mean 10.0.0.0/8?" →
 * "10.0.0.0/8"), so the form can apply it in one click; `undefined` when it suggests nothing.
 */
export function suggestionOf(message: string | undefined): string | undefined {
  const match = /did you mean ([^\s?]+)\?/.exec(message ?? '');
  return match?.[1];
}

/** "8000, 8443 9000" → [8000, 8443, 9000]; a sentence naming the first bad entry otherwise. */
export function parsePortList(text: string): number[] | string {
  const ports: number[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const port = /^\d+$/.test(part) ? Number(part) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return `"${part}" is not a port number from 1 to 65535.`;
    ports.push(port);
  }
  return ports;
}

/**
 * A command line → an argument list, as a shell splits words: spaces separate, single quotes keep
 * everything literal, double quotes keep spaces, a backslash escapes the next character. No
 * expansion of any kind: the argument list is run as it is, not by a shell. A sentence when a
 * quote is left open.
 */
export function splitCommandLine(line: string): string[] | string {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
    } else if (char === '\\' && i + 1 < line.length && (quote === undefined || /["\\$`]/.test(line[i + 1] as string))) {
      current += line[++i];
      inWord = true;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) return `A ${quote === '"' ? 'double' : 'single'} quote is not closed.`;
  if (inWord) args.push(current);
  return args;
}

/** The inverse of `splitCommandLine`: arguments quoted only where they need it. */
export function joinCommandLine(args: readonly string[]): string {
  return args.map((arg) => (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
