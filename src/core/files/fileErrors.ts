/**
 * How the files API's failures read: a script's exit code or a tool's message becomes a
 * SandboxError naming the operation, the path and the fix; also the host-side and argument errors.
 */
import { SandboxError } from '../errors';
import { EXIT } from './fileScripts';

export interface ScriptResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export function fileFailure(op: string, what: string, result: ScriptResult, sandboxName: string): SandboxError {
  const detail = result.stderr.trim().split('\n').pop() ?? '';
  switch (op === 'read' ? catExit(result.code, detail) : result.code) {
    case EXIT.notFound:
      return new SandboxError(
        'FILE_NOT_FOUND',
        `${what} does not exist in sandbox ${sandboxName}${op === 'write' || op === 'mkdir' || op === 'rename' ? ' (or its parent folder does not)' : ''}.`,
        'Check the path; list the parent folder to see what is there.',
      );
    case EXIT.exists:
      return new SandboxError('FILE_EXISTS', `${what} already exists in sandbox ${sandboxName}.`, 'Pass { overwrite: true } to replace it, or choose another name.');
    case EXIT.notDirectory:
      return new SandboxError('NOT_A_DIRECTORY', `${what}: a part of the path is a file, not a folder.`, 'Check the path.');
    case EXIT.isDirectory:
      return new SandboxError(
        'IS_A_DIRECTORY',
        `${what} is a folder, so it cannot be ${op === 'read' ? 'read as a file' : 'replaced by a file'}.`,
        op === 'read' ? 'Use list() for folders.' : 'Remove the folder first, or choose another path.',
      );
    case EXIT.notEmpty:
      return new SandboxError('IS_A_DIRECTORY', `${what} is a folder that is not empty.`, 'Pass { recursive: true } to remove it with everything in it.');
    case EXIT.denied:
      return denied(op, what, detail);
    case EXIT.noTool:
      return new SandboxError(
        'EXEC_FAILED',
        `The sandbox's image lacks a tool the files API needs for ${op} (${detail}).`,
        'Use an image with a POSIX shell and coreutils or busybox (sh, stat, cat, find, tar, mv, rm).',
      );
  }
  if (/Read-only file system|Permission denied|Operation not permitted/i.test(detail)) return denied(op, what, detail);
  if (/No such file/i.test(detail)) return new SandboxError('FILE_NOT_FOUND', `${what}: ${detail}`, 'Check the path.');
  if (/Not a directory/i.test(detail)) return new SandboxError('NOT_A_DIRECTORY', `${what}: ${detail}`, 'Check the path.');
  if (/Is a directory/i.test(detail)) return new SandboxError('IS_A_DIRECTORY', `${what}: ${detail}`, 'Choose a file, not a folder.');
  if (/File exists/i.test(detail)) return new SandboxError('FILE_EXISTS', `${what}: ${detail}`, 'Choose another name, or remove it first.');
  if (/No space left/i.test(detail))
    return new SandboxError('EXEC_FAILED', `${what}: ${detail}`, 'Free space in the sandbox, or give it more memory (its own files are kept in memory under gVisor).');
  return new SandboxError(
    'EXEC_FAILED',
    `${op} of ${what} failed in sandbox ${sandboxName} (exit ${result.code})${detail ? `: ${detail}` : ''}.`,
    'See the message above; check that the sandbox is healthy (Run Command: ls -la).',
  );
}

/** read runs cat without a shell: its messages (GNU and busybox alike) name the condition. */
function catExit(code: number, detail: string): number {
  if (code !== 1) return code;
  if (/No such file/i.test(detail)) return EXIT.notFound;
  if (/Is a directory/i.test(detail)) return EXIT.isDirectory;
  if (/Permission denied/i.test(detail)) return EXIT.denied;
  return code;
}

function denied(op: string, what: string, detail: string): SandboxError {
  return new SandboxError(
    'PERMISSION_DENIED',
    `${op} of ${what} was refused${detail ? `: ${detail}` : ''}.`,
    /Read-only/i.test(detail)
      ? 'It is on a read-only mount: change it on the host, or create the sandbox with a readwrite or copy mount.'
      : "Check the file's permissions and the sandbox's user (operations run as the image's default user).",
  );
}

export function tooLargeError(what: string, max: number): SandboxError {
  return new SandboxError('FILE_TOO_LARGE', `${what} is larger than ${max} bytes.`, 'Pass a larger { maxBytes }, or download() the file to disk.');
}

export function cap(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new SandboxError('INVALID_SPEC', `${name} must be a whole number (got ${value}).`, `Pass e.g. { ${name}: ${fallback} }, or leave it out for that default.`);
  return value;
}

export function cancelled(op: string): SandboxError {
  return new SandboxError('CANCELLED', `The ${op} was cancelled.`, 'Run it again when you are ready.');
}

export function hostError(error: unknown, hostPath: string): SandboxError {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return new SandboxError('FILE_NOT_FOUND', `${hostPath} does not exist on this machine.`, 'Choose an existing file or folder.', { cause: error });
  if (code === 'EACCES' || code === 'EPERM')
    return new SandboxError('PERMISSION_DENIED', `${hostPath} cannot be read on this machine (${code}).`, 'Check its permissions.', { cause: error });
  return error instanceof SandboxError
    ? error
    : new SandboxError('EXEC_FAILED', `Reading ${hostPath}: ${String((error as Error)?.message ?? error)}`, 'Check the path.', { cause: error });
}
