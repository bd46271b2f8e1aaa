import { SandboxError } from './errors';
import { GVISOR_RUNTIME } from '../shared/runtimes';
import { validateMounts } from './files/mountSpec';
import { modeOf } from '../shared/networkModes';
import { parseCidr } from './network/policy';
import { parseDomainEntry } from './network/domains';
import { PORT_FIELDS } from '../shared/tunnelKinds';
import type { NetworkMode, SandboxSpec } from './types';

export const DEFAULT_RUNTIME = GVISOR_RUNTIME;
export const MIN_MEMORY_MIB = 16;
/**
 * Memory of a sandbox that names none: 2 GiB holds a language server, a test run or a `pip install`
 * of a data-science stack, and keeps one runaway sandbox from taking a developer machine's memory
 * (the host's page cache and the editor need the rest). Raise it per sandbox or in the settings.
 */
export const DEFAULT_MEMORY_MIB = 2048;
/**
 * Processes and threads a sandbox may run when it names no limit: 512 is ten times what a shell,
 * an editor's language server and a parallel build (`make -j8`, a test runner's workers) use,
 * and small enough that a fork bomb stays a few hundred host tasks (see hostPidsLimit).
 */
export const DEFAULT_PIDS_LIMIT = 512;
/** Fewer than this and the shell, an exec and its children could not run at once. */
export const MIN_PIDS_LIMIT = 16;
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RUNTIME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TAG_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Checks a spec from any source (API call, settings, webview) and returns a normalised copy.
 * Every problem is collected so one error names them all; a sandbox is never created from a
 * partly valid spec.
 */
export function validateSpec(input: unknown): SandboxSpec {
  const problems: string[] = [];
  const bad: Bad = (field, why) => problems.push(`${field} ${why}`);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(['the spec must be an object']);
  }
  const raw = input as Record<string, unknown>;
  const spec: SandboxSpec = { image: '' };

  if (typeof raw.image !== 'string' || raw.image.trim() === '') bad('image', 'must be a non-empty image reference, e.g. "python:3.12-slim"');
  else spec.image = raw.image.trim();

  checkProcess(raw, spec, bad);
  checkResources(raw, spec, bad);
  checkIdentity(raw, spec, bad);
  checkNetwork(raw, spec, bad);
  checkPorts(raw, spec, bad);
  const mounts = validateMounts(raw.mounts, bad);
  if (mounts?.length) {
    spec.mounts = mounts;
    // The workspace is where terminals and commands start, unless the spec says otherwise.
    spec.workdir ??= mounts[0].target;
  }
  if (problems.length) throw invalid(problems);
  return spec;
}

/** Records a problem with one field; validateSpec reports them all at once. */
type Bad = (field: string, why: string) => void;

/** The main process: command, environment, working folder. */
function checkProcess(raw: Record<string, unknown>, spec: SandboxSpec, bad: Bad): void {
  if (raw.command !== undefined && raw.command !== null) {
    if (!isStringArray(raw.command) || raw.command.length === 0) bad('command', 'must be a non-empty array of strings, e.g. ["python3", "-m", "http.server"]');
    else spec.command = [...raw.command];
  }
  if (raw.env !== undefined && raw.env !== null) {
    if (typeof raw.env !== 'object' || Array.isArray(raw.env)) bad('env', 'must be an object of NAME: "value" pairs');
    else {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(raw.env as Record<string, unknown>)) {
        if (!ENV_KEY_PATTERN.test(key)) bad(`env["${key}"]`, 'is not a valid variable name (letters, digits and _; not starting with a digit)');
        else if (typeof value !== 'string') bad(`env.${key}`, `must be a string (got ${typeof value})`);
        else env[key] = value;
      }
      spec.env = env;
    }
  }
  if (raw.workdir !== undefined && raw.workdir !== null && raw.workdir !== '') {
    if (typeof raw.workdir !== 'string' || !raw.workdir.startsWith('/')) bad('workdir', 'must be an absolute path inside the sandbox, e.g. "/workspace"');
    else spec.workdir = raw.workdir;
  }
}

/** Limits and lifetimes. */
function checkResources(raw: Record<string, unknown>, spec: SandboxSpec, bad: Bad): void {
  if (raw.cpu !== undefined && raw.cpu !== null) {
    if (typeof raw.cpu !== 'number' || !Number.isFinite(raw.cpu) || raw.cpu <= 0) bad('cpu', `must be a number of cores greater than 0 (got ${JSON.stringify(raw.cpu)})`);
    else spec.cpu = raw.cpu;
  }
  if (raw.memoryMiB !== undefined && raw.memoryMiB !== null) {
    if (typeof raw.memoryMiB !== 'number' || !Number.isInteger(raw.memoryMiB) || raw.memoryMiB < MIN_MEMORY_MIB) {
      bad('memoryMiB', `must be a whole number of MiB, at least ${MIN_MEMORY_MIB} (got ${JSON.stringify(raw.memoryMiB)})`);
    } else spec.memoryMiB = raw.memoryMiB;
  }
  if (raw.pidsLimit !== undefined && raw.pidsLimit !== null) {
    if (typeof raw.pidsLimit !== 'number' || !Number.isInteger(raw.pidsLimit) || raw.pidsLimit < MIN_PIDS_LIMIT) {
      bad('pidsLimit', `must be a whole number of processes, at least ${MIN_PIDS_LIMIT} (got ${JSON.stringify(raw.pidsLimit)})`);
    } else spec.pidsLimit = raw.pidsLimit;
  }
  for (const field of ['timeoutSeconds', 'idleTimeoutSeconds'] as const) {
    const value = raw[field];
    if (value === undefined || value === null || value === 0) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) bad(field, `must be a number of seconds, at least 1, or 0 for none (got ${JSON.stringify(value)})`);
    else spec[field] = value;
  }
}

/** Name, tags and runtime. */
function checkIdentity(raw: Record<string, unknown>, spec: SandboxSpec, bad: Bad): void {
  if (raw.name !== undefined && raw.name !== null && raw.name !== '') {
    if (typeof raw.name !== 'string' || !NAME_PATTERN.test(raw.name)) bad('name', 'must be 1-63 characters: letters, digits, "_", "." or "-", starting with a letter or digit');
    else spec.name = raw.name;
  }
  if (raw.tags !== undefined && raw.tags !== null) {
    if (typeof raw.tags !== 'object' || Array.isArray(raw.tags)) bad('tags', 'must be an object of key: "value" pairs');
    else {
      const tags: Record<string, string> = {};
      for (const [key, value] of Object.entries(raw.tags as Record<string, unknown>)) {
        if (!TAG_KEY_PATTERN.test(key)) bad(`tags["${key}"]`, 'is not a valid tag key (letters, digits, "_", "." or "-")');
        else if (typeof value !== 'string') bad(`tags.${key}`, 'must be a string');
        else tags[key] = value;
      }
      spec.tags = tags;
    }
  }
  if (raw.runtime !== undefined && raw.runtime !== null && raw.runtime !== '') {
    if (typeof raw.runtime !== 'string' || !RUNTIME_PATTERN.test(raw.runtime)) bad('runtime', 'must be the name of an OCI runtime registered with Docker, e.g. "runsc"');
    else spec.runtime = raw.runtime;
  }
}

/** The network policy's fields (policy.ts validates the policy as a whole). */
function checkNetwork(raw: Record<string, unknown>, spec: SandboxSpec, bad: Bad): void {
  if (raw.blockNetwork !== undefined && raw.blockNetwork !== null) {
    if (typeof raw.blockNetwork !== 'boolean') bad('blockNetwork', 'must be true or false');
    else spec.blockNetwork = raw.blockNetwork;
  }
  if (raw.cidrAllowlist !== undefined && raw.cidrAllowlist !== null) {
    if (!isStringArray(raw.cidrAllowlist)) bad('cidrAllowlist', 'must be an array of CIDR strings');
    else {
      raw.cidrAllowlist.forEach((entry, i) => {
        const parsed = parseCidr(entry);
        if (typeof parsed === 'string') bad(`cidrAllowlist[${i}] "${entry}"`, parsed);
      });
      spec.cidrAllowlist = [...raw.cidrAllowlist];
    }
  }
  if (raw.domainAllowlist !== undefined && raw.domainAllowlist !== null) {
    if (!isStringArray(raw.domainAllowlist)) bad('domainAllowlist', 'must be an array of host names');
    else {
      raw.domainAllowlist.forEach((entry, i) => {
        const parsed = parseDomainEntry(entry);
        if (typeof parsed === 'string') bad(`domainAllowlist[${i}] "${entry}"`, parsed);
      });
      spec.domainAllowlist = [...raw.domainAllowlist];
    }
  }
  if (raw.followsNetworkDefaults !== undefined && raw.followsNetworkDefaults !== null) {
    if (typeof raw.followsNetworkDefaults !== 'boolean') bad('followsNetworkDefaults', 'must be true or false');
    else spec.followsNetworkDefaults = raw.followsNetworkDefaults;
  }
}

/** Forwarded ports, of every kind (TUNNEL_KINDS); a port may be in one list only. */
function checkPorts(raw: Record<string, unknown>, spec: SandboxSpec, bad: Bad): void {
  const seenPorts = new Map<number, string>();
  // `spec[field] = ports` below does not compile until a new kind's field exists in SandboxSpec.
  for (const field of PORT_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) {
      bad(field, 'must be an array of port numbers');
      continue;
    }
    const ports: number[] = [];
    for (const port of value) {
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
        bad(field, `has ${JSON.stringify(port)}, which is not a port number from 1 to 65535`);
      else if (seenPorts.has(port)) bad(field, `repeats port ${port} (already in ${seenPorts.get(port)})`);
      else {
        seenPorts.set(port, field);
        ports.push(port);
      }
    }
    spec[field] = ports;
  }
}

/**
 * The spec a sandbox is created with: the caller's, with the default memory and process limits
 * where it names none. Applied by the engine's create, so API users get them too; `validateSpec`
 * leaves them out, so settings and forms can still tell "not set" from "set to the default".
 */
export function withResourceDefaults(spec: SandboxSpec): SandboxSpec & Required<Pick<SandboxSpec, 'memoryMiB' | 'pidsLimit'>> {
  return { ...spec, memoryMiB: spec.memoryMiB ?? DEFAULT_MEMORY_MIB, pidsLimit: spec.pidsLimit ?? DEFAULT_PIDS_LIMIT };
}

/**
 * The host-side task limit (the container's pids cgroup) for a sandbox allowed `pidsLimit`
 * processes and threads. runc: the same number, each process is a host task. gVisor: the limit
 * inside is enforced by the Sentry (RLIMIT_NPROC: fork and clone fail with EAGAIN and the sandbox
 * lives on), while on the host each process inside costs about two tasks (its address space's
 * stub process and a thread; threads inside cost none) plus about 30 for the Sentry and the
 * gofer — measured with runsc 20240729: 512 processes, 1,065 host tasks. The cgroup limit is a
 * backstop above that: when the Sentry cannot create a host task it dies, so it must be the
 * limit inside that is reached first.
 */
export function hostPidsLimit(pidsLimit: number, gvisor: boolean): number {
  return gvisor ? 2 * pidsLimit + 256 : pidsLimit;
}

function invalid(problems: string[]): SandboxError {
  return new SandboxError(
    'INVALID_SPEC',
    `Invalid sandbox settings: ${problems.join('; ')}.`,
    'Correct the values named above (in VS Code: Settings → Extensions → gVisor Sandboxes) and try again.',
  );
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function networkModeOf(spec: Pick<SandboxSpec, 'blockNetwork' | 'cidrAllowlist' | 'domainAllowlist'>): NetworkMode {
  return modeOf(spec);
}

/**
 * PID 1 when the spec has no command: waits forever and exits at once on SIGTERM (a shell that
 * is PID 1 ignores signals it has no trap for, which would make `docker stop` wait 10 s).
 */
export const KEEP_ALIVE_COMMAND = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];
