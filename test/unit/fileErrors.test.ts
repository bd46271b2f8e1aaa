import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core/errors';
import type { SandboxErrorCode } from '../../src/core/types';
import { mapFileError } from '../../src/vscode/files/fileErrors';
import { InvalidSandboxUriError } from '../../src/vscode/files/sandboxUri';

const engine = (code: SandboxErrorCode, message = 'the cause.', fix = 'The fix.') => new SandboxError(code, message, fix);

describe('engine errors → FileSystemError kinds', () => {
  it("maps the file codes to the kinds VS Code acts on, with the engine's message", () => {
    const cases: [SandboxErrorCode, string][] = [
      ['FILE_NOT_FOUND', 'FileNotFound'],
      ['FILE_EXISTS', 'FileExists'],
      ['NOT_A_DIRECTORY', 'FileNotADirectory'],
      ['IS_A_DIRECTORY', 'FileIsADirectory'],
      ['PERMISSION_DENIED', 'NoPermissions'],
      ['PATH_OUTSIDE', 'NoPermissions'],
    ];
    for (const [code, kind] of cases) assert.equal(mapFileError(engine(code)).kind, kind, code);
    assert.equal(
      mapFileError(engine('FILE_NOT_FOUND', '/x does not exist in sandbox web.')).message,
      '/x does not exist in sandbox web.',
      'VS Code explains a missing file itself: no fix appended',
    );
  });

  it('says a read-only mount refused a write, with the fix', () => {
    const err = engine(
      'PERMISSION_DENIED',
      'write of /workspace/a.txt was refused: Read-only file system',
      'It is on a read-only mount: change it on the host, or create the sandbox with a readwrite or copy mount.',
    );
    assert.deepEqual(mapFileError(err), {
      kind: 'NoPermissions',
      message:
        'write of /workspace/a.txt was refused: Read-only file system. It is on a read-only mount: change it on the host, or create the sandbox with a readwrite or copy mount.',
    });
  });

  it('treats a sandbox that is gone, stopped or unreachable as Unavailable, not as a missing file', () => {
    for (const code of ['NOT_FOUND', 'NOT_RUNNING', 'DOCKER_UNREACHABLE', 'EXEC_FAILED'] as const) {
      assert.equal(mapFileError(engine(code)).kind, 'Unavailable', code);
    }
    assert.deepEqual(mapFileError(new InvalidSandboxUriError('"x" is not a sandbox id.')), { kind: 'Unavailable', message: '"x" is not a sandbox id.' });
  });

  it('keeps a too-large file and anything unforeseen as a plain error with its message', () => {
    assert.equal(mapFileError(engine('FILE_TOO_LARGE')).kind, 'Unknown');
    assert.deepEqual(mapFileError(new Error('boom')), { kind: 'Unknown', message: 'boom' });
    assert.deepEqual(mapFileError('weird'), { kind: 'Unknown', message: 'weird' });
  });

  it("recognises engine errors by shape (another extension's copy of the class)", () => {
    const foreign = Object.assign(new Error('/y already exists.'), { code: 'FILE_EXISTS', fix: 'Choose another name.' });
    assert.equal(mapFileError(foreign).kind, 'FileExists');
  });
});
