import type { SandboxErrorCode } from './types';

/**
 * Every failure the engine reports to users is a SandboxError: `message` says what went wrong
 * and why, `fix` says what to do about it. Adapters show both; scripts can switch on `code`.
 */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  readonly fix: string;

  constructor(code: SandboxErrorCode, message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
    this.code = code;
    this.fix = fix;
  }

  /** Message and fix in one line, for logs and plain-text surfaces. */
  toString(): string {
    return `${this.message} Fix: ${this.fix}`;
  }
}

export function isSandboxError(error: unknown, code?: SandboxErrorCode): error is SandboxError {
  return error instanceof SandboxError && (code === undefined || error.code === code);
}

/** HTTP status of a Docker Engine API error, as dockerode (docker-modem) reports it. */
export function dockerStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The daemon's own words from a Docker API error, without docker-modem's prefix. */
export function dockerMessage(error: unknown): string {
  const e = error as { json?: { message?: string }; reason?: string; message?: string } | null;
  return (e?.json?.message ?? e?.message ?? String(error)).trim();
}

export const SETUP_FIX =
  'Run `sudo bash scripts/setup-host.sh` from the extension repository (installs Docker and gVisor and registers runsc), ' +
  'or install gVisor (https://gvisor.dev/docs/user_guide/install/) and register `runsc` under "runtimes" in /etc/docker/daemon.json, then reload Docker.';

/** Message printed by runsc releases before 20240807 on kernels where every netns has rmem_default. */
export const OLD_RUNSC_SIGNATURE = 'cannot run with network enabled in root network namespace';

export const OLD_RUNSC_FIX =
  'This runsc is older than gVisor release-20240807 and misdetects the root network namespace on this kernel. ' +
  'Register it with "runtimeArgs": ["--network=host"] in /etc/docker/daemon.json (`sudo bash scripts/setup-host.sh` does this), ' +
  'or install a current runsc from https://gvisor.dev/docs/user_guide/install/.';
