/**
 * Sandbox defaults from settings → a validated `SandboxSpec`. Pure: the configuration and the
 * engine's validator are passed in, so tests use a plain object and a fake validator.
 */
import type { SandboxSpec } from '../core/types';
import { UserFacingError, asSentence } from './errors';
import { networkSettingsFrom, type CidrParser, type DomainParser, type SettingsReader } from './network/networkSettings';
import { WORKSPACE_TAG } from './network/workspaceTag';
import { PORT_FIELDS, portSettingsFrom } from './ports/portSettings';
import { SettingKeys } from '../shared/settingKeys';

export type { SettingsReader } from './network/networkSettings';

/** The engine's `validateSpec`: returns the spec or throws a `SandboxError('INVALID_SPEC')`. */
export type SpecValidator = (spec: unknown) => SandboxSpec;

const FIELDS = [
  'image',
  'command',
  'env',
  'workdir',
  'cpu',
  'memoryMiB',
  'pidsLimit',
  'timeoutSeconds',
  'idleTimeoutSeconds',
  'runtime',
] as const satisfies readonly (keyof SandboxSpec & keyof typeof SettingKeys)[];

type DefaultsField = (typeof FIELDS)[number];

/** What each setting accepts, phrased to complete "… but it must be …". */
const EXPECTED: Record<DefaultsField, string> = {
  image: 'an image reference such as "python:3.12-slim"',
  command: 'a list of strings such as ["sleep", "infinity"], or [] for the default',
  env: 'an object of NAME: "value" pairs such as {"DEBUG": "1"} (names: letters, digits and _)',
  workdir: 'an absolute path such as "/workspace", or "" for the image\'s default',
  cpu: 'a number of CPU cores greater than 0 such as 1.5, or null for no limit',
  memoryMiB: 'a whole number of MiB, at least 16, such as 4096, or null for the default (2048)',
  pidsLimit: 'a whole number of processes and threads, at least 16, such as 1024, or null for the default (512)',
  timeoutSeconds: 'a number of seconds such as 3600, or 0 or null for no limit',
  idleTimeoutSeconds: 'a number of seconds such as 1800, or 0 or null for never',
  runtime: 'the name of a runtime registered with Docker: "runsc" for gVisor',
};

/** Stands in for the image while one other setting is checked on its own; never pulled. */
const PROBE_IMAGE = 'busybox';

/**
 * The spec as the settings describe it, before validation. Unset and empty values (`null`, `""`,
 * `[]`, `{}`) are left out so the engine's defaults apply; strings are trimmed because a stray
 * space pasted into the Settings editor is not worth an error.
 */
export function specFromSettings(settings: SettingsReader): Partial<Record<DefaultsField, unknown>> {
  const spec: Partial<Record<DefaultsField, unknown>> = {};
  for (const field of FIELDS) {
    const value = withoutEmpty(settings.get(SettingKeys[field]));
    if (value !== undefined) {
      spec[field] = value;
    }
  }
  return spec;
}

/**
 * The validated defaults for new sandboxes. When the engine refuses them, throws one
 * `UserFacingError` that names every offending setting, its value and what it must be.
 */
export function sandboxDefaultsFromSettings(settings: SettingsReader, validate: SpecValidator): SandboxSpec {
  const spec = specFromSettings(settings);
  try {
    return validate(spec);
  } catch (err) {
    if (!isInvalidSpec(err)) {
      throw err;
    }
    throw invalidSettingsError(spec, validate, err as Error);
  }
}

/** What `newSandboxSpecFromSettings` needs from the engine. */
export interface SpecEngine {
  validateSpec: SpecValidator;
  parseCidr: CidrParser;
  /** The engine's domain entry parser; without it a non-empty domain list is refused. */
  parseDomainEntry?: DomainParser;
}

/**
 * The spec of a new sandbox created in this window: the `sandboxes.defaults.*` settings, the
 * ports of `sandboxes.ports.*`, the workspace's network policy, marked as followed (so later changes of the network settings are
 * applied to the sandbox), and the tag of the workspace it belongs to. Throws one
 * `UserFacingError` naming every invalid setting of either group.
 */
export function newSandboxSpecFromSettings(settings: SettingsReader, engine: SpecEngine, workspaceTag: string): SandboxSpec {
  const errors: UserFacingError[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof UserFacingError)) {
        throw err;
      }
      errors.push(err);
      return undefined;
    }
  };
  const defaults = attempt(() => sandboxDefaultsFromSettings(settings, engine.validateSpec));
  const network = attempt(() => networkSettingsFrom(settings, engine.parseCidr, engine.parseDomainEntry));
  const ports = attempt(() => portSettingsFrom(settings));
  if (!defaults || !network || !ports) {
    throw combineErrors(errors);
  }
  return engine.validateSpec({
    ...defaults,
    ...ports,
    blockNetwork: network.blockNetwork,
    cidrAllowlist: network.cidrAllowlist,
    ...(network.domainAllowlist?.length ? { domainAllowlist: network.domainAllowlist } : {}),
    followsNetworkDefaults: true,
    tags: { [WORKSPACE_TAG]: workspaceTag },
  });
}

function combineErrors(errors: UserFacingError[]): UserFacingError {
  const [first, ...rest] = errors;
  if (!first) {
    return new UserFacingError('The sandbox settings are invalid.', 'Check them in Settings.');
  }
  if (rest.length === 0) {
    return first;
  }
  return new UserFacingError(
    errors.map((err) => asSentence(err.message)).join(' '),
    errors.map((err) => asSentence(err.fix)).join(' '),
    [...new Set(errors.flatMap((err) => err.settingKeys))],
    { cause: first },
  );
}

/**
 * A spec from settings with a caller's overrides (`sandboxes.createSandbox` with an object).
 * Tags are merged, so the workspace tag stays unless the caller names another. A caller that
 * sets either network field chose the whole policy of this sandbox: the other field is not taken
 * from the settings, and the sandbox does not follow them. Likewise a caller that names any
 * forwarded ports chose all of them (a port in two lists would be refused).
 */
export function withOverrides(defaults: SandboxSpec, overrides: Partial<SandboxSpec>): Record<string, unknown> {
  const explicitNetwork = overrides.blockNetwork !== undefined || overrides.cidrAllowlist !== undefined || overrides.domainAllowlist !== undefined;
  const explicitPorts = PORT_FIELDS.some((field) => overrides[field] !== undefined);
  const tags: unknown = overrides.tags;
  const merged: Record<string, unknown> = {
    ...defaults,
    ...overrides,
    // Not an object: left for the engine's validator to name.
    tags: typeof tags === 'object' && tags !== null && !Array.isArray(tags) ? { ...defaults.tags, ...tags } : (tags ?? defaults.tags),
  };
  if (explicitNetwork) {
    merged.blockNetwork = overrides.blockNetwork ?? false;
    merged.cidrAllowlist = overrides.cidrAllowlist ?? [];
    merged.domainAllowlist = overrides.domainAllowlist ?? [];
    merged.followsNetworkDefaults = overrides.followsNetworkDefaults ?? false;
  }
  if (explicitPorts) {
    for (const field of PORT_FIELDS) merged[field] = overrides[field];
  }
  return merged;
}

/**
 * Which settings are at fault is found by validating each one alone with the engine's own
 * validator, rather than by parsing its message: the wording stays the engine's business.
 */
function invalidSettingsError(spec: Partial<Record<DefaultsField, unknown>>, validate: SpecValidator, cause: Error): UserFacingError {
  const imageOk = accepts(validate, { image: spec.image });
  const offending = FIELDS.filter((field) =>
    field === 'image' ? !imageOk : field in spec && !accepts(validate, { image: imageOk ? spec.image : PROBE_IMAGE, [field]: spec[field] }),
  );

  if (offending.length === 0) {
    // Each value passes alone, so the engine refuses their combination: its message says why.
    return new UserFacingError(
      cause.message,
      'Correct the "sandboxes.defaults" settings it names (Settings › Extensions › gVisor Sandboxes).',
      FIELDS.map((field) => SettingKeys[field]),
      { cause },
    );
  }

  const problems = offending.map((field) => `"${SettingKeys[field]}" is ${describeValue(spec[field])}, but it must be ${EXPECTED[field]}`);
  const message = offending.length === 1 ? `Setting ${problems[0]}.` : `${offending.length} sandbox settings are invalid: ${problems.join('; ')}.`;
  const fix = `Change ${offending.length === 1 ? 'it' : 'them'} in Settings or settings.json; removing a setting restores its default.`;
  return new UserFacingError(
    message,
    fix,
    offending.map((field) => SettingKeys[field]),
    { cause },
  );
}

function accepts(validate: SpecValidator, spec: Record<string, unknown>): boolean {
  try {
    validate(spec);
    return true;
  } catch (err) {
    if (isInvalidSpec(err)) {
      return false;
    }
    throw err;
  }
}

function isInvalidSpec(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'INVALID_SPEC';
}

function withoutEmpty(value: unknown): unknown {
  if (value === null || value === undefined) {
    return undefined;
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'object') {
    const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
    // VS Code hands out read-only views of settings; the engine gets a plain copy it may keep.
    return empty ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'empty';
  }
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}
