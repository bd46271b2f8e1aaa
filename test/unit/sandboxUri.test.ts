import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidSandboxUriError,
  baseName,
  normalizeSandboxPath,
  resolveLinkTarget,
  sandboxLocation,
  sandboxUriParts,
  workspaceFolderName,
} from '../../src/vscode/files/sandboxUri';

const ID = 'sb-abc123def456';
const uri = (path: string, authority = ID, scheme = 'sandbox') => ({ scheme, authority, path });

describe('sandbox: URIs', () => {
  it('name a sandbox by id and an absolute path in it', () => {
    assert.deepEqual(sandboxLocation(uri('/workspace/app.py')), { sandboxId: ID, path: '/workspace/app.py' });
    assert.deepEqual(sandboxLocation(uri('')), { sandboxId: ID, path: '/' }, 'no path is the root');
    assert.deepEqual(sandboxLocation(uri('/')), { sandboxId: ID, path: '/' });
  });

  it('keep spaces and unicode as they are (vscode.Uri does the percent-encoding)', () => {
    assert.equal(sandboxLocation(uri('/workspace/my notes/résumé 📄.md')).path, '/workspace/my notes/résumé 📄.md');
    assert.deepEqual(sandboxUriParts(ID, '/tmp/a b/ü'), { scheme: 'sandbox', authority: ID, path: '/tmp/a b/ü' });
  });

  it('resolve . and .. lexically, never above /', () => {
    assert.equal(sandboxLocation(uri('/workspace/src/../README.md')).path, '/workspace/README.md');
    assert.equal(sandboxLocation(uri('/workspace/./a//b/')).path, '/workspace/a/b');
    assert.equal(sandboxLocation(uri('/../../etc/passwd')).path, '/etc/passwd');
    assert.equal(normalizeSandboxPath('relative/path'), '/relative/path');
    assert.equal(normalizeSandboxPath('/..'), '/');
  });

  it('accept an upper-case authority (URIs are case-insensitive there) and refuse what is no sandbox id', () => {
    assert.equal(sandboxLocation(uri('/x', 'SB-ABC123DEF456')).sandboxId, ID);
    assert.throws(
      () => sandboxLocation(uri('/x', 'my-box')),
      (err: Error) => err instanceof InvalidSandboxUriError && /"my-box" is not a sandbox id/.test(err.message),
    );
    assert.throws(() => sandboxLocation(uri('/x', '')), /names none/);
    assert.throws(() => sandboxLocation(uri('/x', ID, 'file')), TypeError);
  });

  it('round-trip: the parts built for a path parse back to it', () => {
    for (const path of ['/', '/workspace', '/a b/c', '/ü/🙂', '/x/../y']) {
      const parts = sandboxUriParts(ID, path);
      assert.deepEqual(sandboxLocation(parts), { sandboxId: ID, path: normalizeSandboxPath(path) });
    }
  });

  it("resolve symlink targets from the link's folder", () => {
    assert.equal(resolveLinkTarget('/workspace/link', 'target.txt'), '/workspace/target.txt');
    assert.equal(resolveLinkTarget('/workspace/link', '../etc/hosts'), '/etc/hosts');
    assert.equal(resolveLinkTarget('/workspace/link', '/opt/x/'), '/opt/x');
  });

  it('name folders and workspace folders', () => {
    assert.equal(baseName('/'), '/');
    assert.equal(baseName('/workspace/src'), 'src');
    assert.equal(workspaceFolderName('web', '/workspace'), 'web:/workspace');
  });
});
