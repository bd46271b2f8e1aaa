/**
 * Workspace files in a real extension host with real gVisor sandboxes: Create Sandbox copies the
 * workspace in (without what .gitignore excludes); a file in the sandbox opens in an editor
 * through the `sandbox:` file system, is edited and saved, and the engine reads the change while
 * the host's copy stays as it was; the Explorer's operations (readDirectory, rename, delete)
 * work through `vscode.workspace.fs`; a file too large for the editor is refused with a way out;
 * a read-only mount refuses writes as NoPermissions and shows host edits live; Upload, Download
 * and Sync move files; Snapshot Sandbox, Create Sandbox from Snapshot and Remove Snapshot work.
 * Open Sandbox Folder changes the workspace (which reloads a browser window): ui/files.mjs
 * tests it.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { SandboxesApi } from '../../../src/vscode/extension';
import type { NodeSnapshot } from '../../../src/vscode/tree/treeSnapshot';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-files-${process.pid}` };
const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
/** Files this suite adds to the test workspace (and removes again). */
const OWN = ['files-suite'];
const hostTmp = mkdtempSync(join(tmpdir(), 'sandboxes-files-test-'));
const SLOW = { timeout: 180_000 };

let api: SandboxesApi;
let sandbox: Sandbox;
const snapshots: string[] = [];

const uri = (path: string, id = sandbox.id) => vscode.Uri.from({ scheme: 'sandbox', authority: id, path });
const read = async (path: string, s = sandbox) => (await s.files.read(path)).toString('utf8');

/** The FileSystemError code VS Code reports for a rejected operation. */
async function fsErrorCode(operation: Thenable<unknown>): Promise<{ code: string; message: string }> {
  try {
    await operation;
  } catch (err) {
    assert.ok(err instanceof vscode.FileSystemError, `expected a FileSystemError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  assert.fail('the operation succeeded');
}

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  const root = join(folder, 'files-suite');
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'my notes'), { recursive: true });
  writeFileSync(join(root, 'src', 'app.py'), 'print("hello from the host")\n');
  writeFileSync(join(root, 'my notes', 'résumé ü.txt'), 'unicode and spaces\n');
  writeFileSync(join(root, '.gitignore'), 'secret.env\n');
  writeFileSync(join(root, 'secret.env'), 'TOKEN=do-not-copy\n');
});

after(async () => {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.workspace.getConfiguration('sandboxes').update('workspace.mount', undefined, vscode.ConfigurationTarget.Global);
  for (const s of await api.client().list({ tags: TAGS })) await s.terminate();
  for (const ref of snapshots)
    await api
      .client()
      .removeSnapshot(ref)
      .catch(() => undefined);
  for (const name of OWN) rmSync(join(folder, name), { recursive: true, force: true });
  rmSync(hostTmp, { recursive: true, force: true });
});

test(
  'Create Sandbox copies the workspace to /workspace, leaving out what .gitignore excludes',
  async () => {
    const id = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', { tags: TAGS });
    assert.match(id ?? '', /^sb-[a-z0-9]{12}$/);
    sandbox = await api.client().fromId(id);
    assert.equal(await read('/workspace/files-suite/src/app.py'), 'print("hello from the host")\n');
    assert.equal(await read('/workspace/files-suite/my notes/résumé ü.txt'), 'unicode and spaces\n');
    assert.equal(await read('/workspace/README.md'), readFileSync(join(folder, 'README.md'), 'utf8'));
    await assert.rejects(sandbox.files.stat('/workspace/files-suite/secret.env'), { code: 'FILE_NOT_FOUND' }, 'ignored secrets stay on the host');
    const pwd = await sandbox.run(['pwd']);
    assert.equal(pwd.stdout.trim(), '/workspace', 'the sandbox starts in the workspace');
  },
  SLOW,
);

test('a sandbox file opens in an editor, is edited and saved, and the engine reads the change; the host copy is untouched', async () => {
  const file = uri('/workspace/files-suite/src/app.py');
  const document = await vscode.workspace.openTextDocument(file);
  assert.equal(document.getText(), 'print("hello from the host")\n');
  const editor = await vscode.window.showTextDocument(document);
  const edited = await editor.edit((edit) => edit.replace(new vscode.Range(0, 0, document.lineCount, 0), 'print("edited in the editor")\n'));
  assert.ok(edited, 'the edit applied');
  assert.ok(document.isDirty);
  assert.ok(await document.save(), 'saved');
  assert.ok(!document.isDirty);
  assert.equal(await read('/workspace/files-suite/src/app.py'), 'print("edited in the editor")\n');
  assert.equal(readFileSync(join(folder, 'files-suite', 'src', 'app.py'), 'utf8'), 'print("hello from the host")\n', 'copy mode: the host file is not touched');
  const run = await sandbox.run(['python3', '/workspace/files-suite/src/app.py']);
  assert.equal(run.stdout, 'edited in the editor\n');

  // A path with spaces and unicode round-trips through the URI.
  const notes = uri('/workspace/files-suite/my notes/résumé ü.txt');
  assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(notes.toString()))), 'unicode and spaces\n');
});

test('an open editor picks up a change a program in the sandbox makes to its file', async () => {
  const file = uri('/workspace/files-suite/my notes/résumé ü.txt');
  const document = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(document);
  assert.equal(document.getText(), 'unicode and spaces\n');
  await sandbox.run(['sh', '-c', 'echo "changed by a program" > "/workspace/files-suite/my notes/résumé ü.txt"']);
  const deadline = Date.now() + 30_000;
  while (document.getText() !== 'changed by a program\n' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  assert.equal(document.getText(), 'changed by a program\n', `window focused: ${vscode.window.state.focused}`);
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  await sandbox.files.write('/workspace/files-suite/my notes/résumé ü.txt', 'unicode and spaces\n');
});

test('readDirectory, stat, createDirectory, writeFile, rename and delete work through vscode.workspace.fs', async () => {
  const fs = vscode.workspace.fs;
  await sandbox.run(['ln', '-s', 'src/app.py', '/workspace/files-suite/link.py']);
  await sandbox.run(['ln', '-s', 'src', '/workspace/files-suite/srclink']);
  const entries = new Map(await fs.readDirectory(uri('/workspace/files-suite')));
  assert.equal(entries.get('src'), vscode.FileType.Directory);
  assert.equal(entries.get('my notes'), vscode.FileType.Directory);
  assert.equal(entries.get('.gitignore'), vscode.FileType.File);
  assert.equal(entries.get('link.py'), vscode.FileType.File | vscode.FileType.SymbolicLink, 'a link to a file opens as a file');
  assert.equal(entries.get('srclink'), vscode.FileType.Directory | vscode.FileType.SymbolicLink, 'a link to a folder expands');
  assert.ok(!entries.has('secret.env'));

  const stat = await fs.stat(uri('/workspace/files-suite/src/app.py'));
  assert.equal(stat.type, vscode.FileType.File);
  assert.equal(stat.size, Buffer.byteLength('print("edited in the editor")\n'));
  assert.ok(stat.mtime > 0);
  assert.equal((await fsErrorCode(fs.stat(uri('/workspace/nope')))).code, 'FileNotFound');

  await fs.createDirectory(uri('/workspace/files-suite/new/deeper'));
  await fs.writeFile(uri('/workspace/files-suite/new/deeper/a.txt'), new TextEncoder().encode('A'));
  await fs.writeFile(uri('/workspace/files-suite/new/b.txt'), new TextEncoder().encode('B'));
  assert.equal(await read('/workspace/files-suite/new/deeper/a.txt'), 'A');

  assert.equal(
    (await fsErrorCode(fs.rename(uri('/workspace/files-suite/new/b.txt'), uri('/workspace/files-suite/new/deeper/a.txt'), { overwrite: false }))).code,
    'FileExists',
  );
  await fs.rename(uri('/workspace/files-suite/new/b.txt'), uri('/workspace/files-suite/new/c.txt'));
  assert.equal(await read('/workspace/files-suite/new/c.txt'), 'B');
  assert.equal((await fsErrorCode(fs.stat(uri('/workspace/files-suite/new/b.txt')))).code, 'FileNotFound');

  await fs.delete(uri('/workspace/files-suite/new/c.txt'));
  await fs.delete(uri('/workspace/files-suite/new'), { recursive: true });
  await assert.rejects(sandbox.files.stat('/workspace/files-suite/new'), { code: 'FILE_NOT_FOUND' });
});

test('a file too large for the editor is refused with a way out, not read', async () => {
  await sandbox.run(['python3', '-c', "open('/tmp/big.bin', 'wb').truncate(60 * 1024 * 1024)"]);
  const { message } = await fsErrorCode(vscode.workspace.fs.readFile(uri('/tmp/big.bin')));
  assert.match(message, /\/tmp\/big\.bin \(60 MB\) is larger than 50 MB, the most the editor opens from a sandbox/);
  assert.match(message, /Download from Sandbox/);
});

test('an unknown sandbox is Unavailable, with a message naming the id', async () => {
  const { code, message } = await fsErrorCode(vscode.workspace.fs.stat(uri('/workspace', 'sb-000000000000')));
  assert.equal(code, 'Unavailable');
  assert.match(message, /sb-000000000000/);
});

test(
  'Upload, Download and Sync move files between this machine and the sandbox',
  async () => {
    const upload = join(hostTmp, 'upload');
    mkdirSync(join(upload, 'sub'), { recursive: true });
    writeFileSync(join(upload, 'sub', 'data.txt'), 'uploaded\n');
    const written = await vscode.commands.executeCommand<string[]>('sandboxes.uploadToSandbox', uri('/tmp'), [upload]);
    assert.deepEqual(written, ['/tmp/upload']);
    assert.equal(await read('/tmp/upload/sub/data.txt'), 'uploaded\n');

    const downloaded = await vscode.commands.executeCommand<string>('sandboxes.downloadFromSandbox', uri('/workspace/files-suite/src'), join(hostTmp, 'src-copy'));
    assert.equal(downloaded, join(hostTmp, 'src-copy'));
    assert.equal(readFileSync(join(hostTmp, 'src-copy', 'app.py'), 'utf8'), 'print("edited in the editor")\n');

    // Sync copies host edits in and keeps what only the sandbox has.
    writeFileSync(join(folder, 'files-suite', 'my notes', 'résumé ü.txt'), 'edited on the host\n');
    await sandbox.files.write('/workspace/files-suite/built.out', 'made in the sandbox\n');
    const copied = await vscode.commands.executeCommand<number>('sandboxes.syncWorkspace', sandbox.id);
    assert.ok((copied ?? 0) >= 3, `copied ${copied} files`);
    assert.equal(await read('/workspace/files-suite/my notes/résumé ü.txt'), 'edited on the host\n');
    assert.equal(await read('/workspace/files-suite/src/app.py'), 'print("hello from the host")\n', "the host's version replaces the sandbox's");
    assert.equal(await read('/workspace/files-suite/built.out'), 'made in the sandbox\n', 'sync merges: sandbox-only files stay');
    await assert.rejects(sandbox.files.stat('/workspace/files-suite/secret.env'), { code: 'FILE_NOT_FOUND' }, 'sync leaves ignored files out too');
  },
  SLOW,
);

test(
  'Snapshot Sandbox lists the snapshot under the sandbox; a sandbox created from it has its files; Remove Snapshot deletes it',
  async () => {
    await vscode.workspace.fs.writeFile(uri('/workspace/files-suite/src/app.py'), new TextEncoder().encode('print("changed before the snapshot")\n'));
    const ref = await vscode.commands.executeCommand<string>('sandboxes.snapshotSandbox', sandbox.id);
    assert.ok(ref, 'snapshotSandbox returned the image reference');
    snapshots.push(ref);
    assert.ok((await api.client().listSnapshots({ sandboxId: sandbox.id })).some((s) => s.ref === ref));

    await vscode.commands.executeCommand('sandboxes.refresh');
    const tree = await vscode.commands.executeCommand<NodeSnapshot[]>('sandboxes.tree.snapshot', { depth: 3 });
    const ours = tree.find((node) => node.tooltip.includes(sandbox.id));
    const group = ours?.children?.find((c) => c.contextValue === 'snapshots');
    assert.ok(group, 'a Snapshots row under the sandbox');
    assert.ok(group.children?.some((c) => c.contextValue === 'snapshot' && c.description.includes(ref)));

    const id = await vscode.commands.executeCommand<string>('sandboxes.createFromSnapshot', ref, { tags: TAGS });
    assert.match(id ?? '', /^sb-/);
    const restored = await api.client().fromId(id);
    assert.equal(await read('/workspace/files-suite/src/app.py', restored), 'print("changed before the snapshot")\n', "the snapshot's files, not a fresh copy of the host's");
    assert.equal(await read('/workspace/files-suite/built.out', restored), 'made in the sandbox\n');
    await restored.terminate();

    assert.equal(await vscode.commands.executeCommand('sandboxes.removeSnapshot', ref), true);
    assert.ok(!(await api.client().listSnapshots()).some((s) => s.ref === ref));
  },
  SLOW,
);

test(
  'a read-only mount (from the settings) shows host edits live and refuses writes as NoPermissions',
  async () => {
    // The user's choice: a workspace may only choose a mode stricter than the user's (copy, by default).
    await vscode.workspace.getConfiguration('sandboxes').update('workspace.mount', 'readonly', vscode.ConfigurationTarget.Global);
    const id = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', { tags: TAGS });
    const readonly = await api.client().fromId(id);
    writeFileSync(join(folder, 'files-suite', 'live.txt'), 'written on the host after creation\n');
    const live = await vscode.workspace.fs.readFile(uri('/workspace/files-suite/live.txt', id));
    assert.equal(new TextDecoder().decode(live), 'written on the host after creation\n');
    const { code, message } = await fsErrorCode(vscode.workspace.fs.writeFile(uri('/workspace/files-suite/live.txt', id), new TextEncoder().encode('changed')));
    assert.equal(code, 'NoPermissions');
    assert.match(message, /read-only/i);
    assert.equal(
      readFileSync(join(folder, 'files-suite', 'live.txt'), 'utf8'),
      'written on the host after creation\n',
      'the refused write did not truncate the host file either',
    );
    await readonly.terminate();
    assert.ok(existsSync(join(folder, 'files-suite', 'src', 'app.py')), 'terminating a sandbox leaves the mounted folder alone');
  },
  SLOW,
);
