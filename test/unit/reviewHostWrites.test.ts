/**
 * Review Sandbox Changes, host side without Docker: the baseline store (src/core/review/manifest.ts)
 * and the workspace writes (workspaceFiles.ts), which must never follow a symlink out of the
 * workspace nor accept a path that climbs out of it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ManifestStore } from '../../src/core/review/manifest';
import { readWorkspace, removeWorkspaceEntry, writeWorkspaceFile, writeWorkspaceLink } from '../../src/core/review/workspaceFiles';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'review-unit-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fresh(name: string): { ws: string; outside: string } {
  const ws = path.join(tmp, name, 'ws');
  const outside = path.join(tmp, name, 'outside');
  fs.mkdirSync(ws, { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  return { ws, outside };
}

describe('review: baseline store', () => {
  it('writes 0600 in a 0700 folder, reads back, refuses ids that name other files, ignores a corrupt file', () => {
    const dir = path.join(tmp, 'store');
    const store = new ManifestStore(dir);
    store.write({
      version: 1,
      sandboxId: 'sb-abc',
      createdAt: 'now',
      mounts: [{ source: '/w', target: '/workspace', skipped: [], entries: { a: { type: 'file', hash: 'h', mode: 0o644, size: 1 } } }],
    });
    assert.equal(fs.statSync(path.join(dir, 'sb-abc.json')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(store.read('sb-abc')?.mounts[0].entries.a.type, 'file');
    assert.throws(() => store.read('../x'), /not a sandbox id/);
    fs.writeFileSync(path.join(dir, 'sb-bad.json'), '{nope');
    assert.equal(store.read('sb-bad'), null);
    // Another sandbox's baseline under this name is not this one's.
    fs.copyFileSync(path.join(dir, 'sb-abc.json'), path.join(dir, 'sb-other.json'));
    assert.equal(store.read('sb-other'), null);
    store.remove('sb-abc');
    assert.equal(store.read('sb-abc'), null);
  });

  it('does not read a baseline through a symlink', () => {
    const dir = path.join(tmp, 'store2');
    const store = new ManifestStore(dir);
    store.write({ version: 1, sandboxId: 'sb-real', createdAt: 'now', mounts: [] });
    fs.symlinkSync(path.join(dir, 'sb-real.json'), path.join(dir, 'sb-link.json'));
    assert.equal(store.read('sb-link'), null);
  });
});

describe('review: workspace writes', () => {
  it('writes a file with its permission bits, folders made as needed, setuid dropped', async () => {
    const { ws } = fresh('plain');
    await writeWorkspaceFile(ws, 'a/b/c.sh', Buffer.from('echo\n'), 0o4755);
    assert.equal(fs.readFileSync(path.join(ws, 'a/b/c.sh'), 'utf8'), 'echo\n');
    assert.equal(fs.statSync(path.join(ws, 'a/b/c.sh')).mode & 0o7777, 0o755);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'a/b')), ['c.sh'], 'no temporary file left');
  });

  it('ATTACK: a folder on the path that is a symlink out stops the write', async () => {
    const { ws, outside } = fresh('dirlink');
    fs.symlinkSync(outside, path.join(ws, 'sub'));
    await assert.rejects(writeWorkspaceFile(ws, 'sub/pwned', Buffer.from('x'), 0o644), /symlink/);
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.deepEqual(await readWorkspace(ws, 'sub/pwned', 100), { other: 'a folder on its path is a symlink or a file' });
  });

  it('ATTACK: a file that is a symlink out is replaced, not written through', async () => {
    const { ws, outside } = fresh('filelink');
    fs.writeFileSync(path.join(outside, 'target'), 'secret');
    fs.symlinkSync(path.join(outside, 'target'), path.join(ws, 'f'));
    await writeWorkspaceFile(ws, 'f', Buffer.from('mine'), 0o644);
    assert.equal(fs.readFileSync(path.join(outside, 'target'), 'utf8'), 'secret');
    assert.equal(fs.lstatSync(path.join(ws, 'f')).isSymbolicLink(), false);
  });

  it('ATTACK: links leading out are not made; relative ones inside are', async () => {
    const { ws, outside } = fresh('links');
    await assert.rejects(writeWorkspaceLink(ws, 'abs', outside), /leads outside/);
    await assert.rejects(writeWorkspaceLink(ws, 'rel', '../outside'), /leads outside/);
    await writeWorkspaceLink(ws, 'd/up', '..');
    await assert.rejects(writeWorkspaceLink(ws, 'chain', 'd/up/d/up/..'), /leads outside/);
    assert.deepEqual(fs.readdirSync(ws).sort(), ['d']);
    assert.equal(fs.readlinkSync(path.join(ws, 'd/up')), '..');
  });

  it('ATTACK: paths that climb or are absolute are refused before anything is touched', async () => {
    const { ws, outside } = fresh('climb');
    for (const rel of ['../outside/x', '/etc/x', 'a/../../outside/x', '', 'a//b', './x']) {
      await assert.rejects(writeWorkspaceFile(ws, rel, Buffer.from('x'), 0o644), /not a plain path/, rel);
    }
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('removes a link itself, never its target; leaves a folder alone', async () => {
    const { ws, outside } = fresh('remove');
    fs.writeFileSync(path.join(outside, 't'), 't');
    fs.symlinkSync(path.join(outside, 't'), path.join(ws, 'l'));
    await removeWorkspaceEntry(ws, 'l');
    assert.equal(fs.existsSync(path.join(outside, 't')), true);
    fs.mkdirSync(path.join(ws, 'dir'));
    await assert.rejects(removeWorkspaceEntry(ws, 'dir'), /folder/);
  });
});
