/**
 * Engine errors → the `vscode.FileSystemError` kinds the editor understands. Pure (kinds as
 * names, no `vscode`), so the mapping is unit-tested; the provider constructs the errors. The
 * kind decides what VS Code does (a missing file offers "Create File", a missing folder makes
 * "Save" create it, an existing file asks before overwriting); the message is what people read.
 */
import type { SandboxErrorCode } from '../../core/types';
import { isSandboxErrorLike, withFix } from '../errors';
import { excerpt } from '../untrustedText';
import { InvalidSandboxUriError } from './sandboxUri';

/** The static factories of `vscode.FileSystemError`, plus `Unknown` for its plain constructor. */
export type FileSystemErrorKind = 'FileNotFound' | 'FileExists' | 'FileNotADirectory' | 'FileIsADirectory' | 'NoPermissions' | 'Unavailable' | 'Unknown';

const KIND_OF_CODE: Partial<Record<SandboxErrorCode, FileSystemErrorKind>> = {
  FILE_NOT_FOUND: 'FileNotFound',
  FILE_EXISTS: 'FileExists',
  NOT_A_DIRECTORY: 'FileNotADirectory',
  IS_A_DIRECTORY: 'FileIsADirectory',
  PERMISSION_DENIED: 'NoPermissions',
  // A path that escapes what it must stay in: nothing to retry, the operation is not allowed.
  PATH_OUTSIDE: 'NoPermissions',
  // The sandbox (or Docker) is not there to answer: the file may be fine, it is out of reach.
  NOT_FOUND: 'Unavailable',
  NOT_RUNNING: 'Unavailable',
  DOCKER_UNREACHABLE: 'Unavailable',
  EXEC_FAILED: 'Unavailable',
  CANCELLED: 'Unavailable',
  // No factory fits: a plain FileSystemError carries the message ("… is 80 MB; …") to the editor.
  FILE_TOO_LARGE: 'Unknown',
};

/** Kinds whose meaning VS Code already explains: the engine's fix would only add noise. */
const SELF_EXPLAINING: ReadonlySet<FileSystemErrorKind> = new Set(['FileNotFound', 'FileExists', 'FileNotADirectory', 'FileIsADirectory']);

export interface MappedFileError {
  kind: FileSystemErrorKind;
  message: string;
}

/** The longest message handed to VS Code, which shows it in a notification ("Failed to save…: …"). */
const MAX_MESSAGE_LENGTH = 500;

/**
 * The message embeds what the sandbox said (stderr of `sh`, `cat`, `tar`, file names): made plain,
 * one line and bounded (untrustedText.ts), since VS Code shows it in notifications that render links.
 */
export function mapFileError(err: unknown): MappedFileError {
  const mapped = mapKind(err);
  return { kind: mapped.kind, message: excerpt(mapped.message, MAX_MESSAGE_LENGTH) };
}

function mapKind(err: unknown): MappedFileError {
  if (err instanceof InvalidSandboxUriError) {
    return { kind: 'Unavailable', message: err.message };
  }
  if (isSandboxErrorLike(err)) {
    const kind = KIND_OF_CODE[err.code as SandboxErrorCode] ?? 'Unknown';
    return { kind, message: SELF_EXPLAINING.has(kind) ? err.message : withFix(err.message, err.fix) };
  }
  return { kind: 'Unknown', message: err instanceof Error ? err.message : String(err) };
}
