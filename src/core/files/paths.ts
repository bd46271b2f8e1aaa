import { SandboxError } from '../errors';

// Pure (no Node modules): the Create Sandbox form's browser script validates specs with it.

/**
 * Normalises a path inside the sandbox: absolute, `.` and `..` resolved lexically, no trailing
 * slash. `..` that would climb above `/` is refused rather than silently clamped: it is a bug or
 * an attempt to escape, and either way the caller should hear about it.
 */
export function sandboxPath(input: string): string {
  if (typeof input !== 'string' || input === '') {
    throw new SandboxError('PATH_OUTSIDE', 'A sandbox path must be a non-empty string.', 'Pass an absolute path inside the sandbox, e.g. "/workspace/main.py".');
  }
  if (input.includes('\0')) {
    throw new SandboxError('PATH_OUTSIDE', `The path ${JSON.stringify(input)} contains a NUL byte.`, 'Remove the NUL byte; no file name can contain one.');
  }
  if (!input.startsWith('/')) {
    throw new SandboxError(
      'PATH_OUTSIDE',
      `"${input}" is not an absolute path inside the sandbox.`,
      'Start the path with "/", e.g. "/workspace/' + input.replace(/^\.\//, '') + '".',
    );
  }
  const parts: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) {
        throw new SandboxError('PATH_OUTSIDE', `"${input}" climbs above the sandbox's root with "..".`, 'Use a path that stays inside the sandbox, without leading "..".');
      }
      parts.pop();
    } else parts.push(part);
  }
  return '/' + parts.join('/');
}

/** True when `candidate` (normalised) is `root` or lies below it. */
export function isWithin(root: string, candidate: string): boolean {
  if (root === '/') return candidate.startsWith('/');
  return candidate === root || candidate.startsWith(root + '/');
}

/** The parent of a normalised sandbox path (`/` for `/`). */
export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
