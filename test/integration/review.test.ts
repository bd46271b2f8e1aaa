/**
 * Review Sandbox Changes on real gVisor sandboxes: the copy's baseline, the diff by hash,
 * applying into the workspace and discarding in the sandbox, conflicts, and symlink attacks
 * by root inside the sandbox that must not make apply write outside the workspace.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FileChange, Sandbox } from '../../src/core';
import { cleanupAfterFile, client, testSpec } from './helpers';

cleanupAfterFile();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-review-'));
const reviewDir = path.join(tmp, 'review');
const ws = path.join(tmp, 'ws');
const outside = path.join(tmp, 'outside');

const kinds = (changes: FileChange[]) => changes.map((c) => `${c.kind} ${c.rel}`);

describe('review sandbox changes', { timeout: 240_000 }, () => {
  const engine = client({ reviewDir });
  let sandbox: Sandbox;

  before(async () => {
    fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(ws, 'keep.txt'), 'keep\n');
    fs.writeFileSync(path.join(ws, 'change.txt'), 'old\n');
    fs.writeFileSync(path.join(ws, 'delete.txt'), 'bye\n');
    fs.writeFileSync(path.join(ws, 'conflict.txt'), 'base\n');
    fs.writeFileSync(path.join(ws, 'src', 'main.py'), 'print(1)\n');
    fs.writeFileSync(path.join(ws, '.gitignore'), 'build/\n');
    fs.symlinkSync('keep.txt', path.join(ws, 'alias'));
    sandbox = await engine.create(testSpec({ mounts: [{ source: ws, mode: 'copy' }] }));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a fresh copy has no changes; its baseline is kept on this machine, 0600 in a 0700 folder', async () => {
    assert.deepEqual(await sandbox.changes(), []);
    const file = path.join(reviewDir, `${sandbox.id}.json`);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    // A second client (a reloaded window) sees the same baseline.
    const again = (await client({ reviewDir }).list()).find((s) => s.id === sandbox.id)!;
    assert.deepEqual(await again.changes(), []);
  });

  it('lists created, changed and deleted files; ignored and .git paths are not listed', async () => {
    const script = [
      'cd /workspace',
      'printf "new\\n" > change.txt',
      'rm delete.txt',
      'printf "added\\n" > added.txt',
      'mkdir -p build .git && printf x > build/out.o && printf x > .git/HEAD',
      'printf "sandbox\\n" > conflict.txt',
      'chmod 755 src/main.py',
    ].join(' && ');
    assert.equal((await sandbox.run(['sh', '-c', script])).exitCode, 0);
    const changes = await sandbox.changes();
    assert.deepEqual(kinds(changes), ['created added.txt', 'changed change.txt', 'changed conflict.txt', 'deleted delete.txt', 'changed src/main.py']);
    const changed = changes.find((c) => c.rel === 'change.txt')!;
    assert.equal(changed.path, '/workspace/change.txt');
    assert.equal(changed.hostPath, path.join(ws, 'change.txt'));
  });

  it('apply writes the chosen files, a workspace change is a conflict until overwriting is asked for', async () => {
    fs.writeFileSync(path.join(ws, 'conflict.txt'), 'edited on the host\n');
    const changes = await sandbox.changes();
    assert.deepEqual(
      changes.filter((c) => c.conflict).map((c) => c.rel),
      ['conflict.txt'],
    );
    const pick = (...rels: string[]) => changes.filter((c) => rels.includes(c.rel));
    const outcomes = await sandbox.applyChanges(pick('added.txt', 'change.txt', 'delete.txt', 'conflict.txt', 'src/main.py'));
    assert.deepEqual(
      outcomes.map((o) => `${o.result} ${o.rel}`),
      ['applied added.txt', 'applied change.txt', 'conflict conflict.txt', 'applied delete.txt', 'applied src/main.py'],
    );
    assert.equal(fs.readFileSync(path.join(ws, 'added.txt'), 'utf8'), 'added\n');
    assert.equal(fs.readFileSync(path.join(ws, 'change.txt'), 'utf8'), 'new\n');
    assert.equal(fs.existsSync(path.join(ws, 'delete.txt')), false);
    assert.equal(fs.statSync(path.join(ws, 'src', 'main.py')).mode & 0o777, 0o755);
    assert.equal(fs.readFileSync(path.join(ws, 'conflict.txt'), 'utf8'), 'edited on the host\n');
    // Applied changes are the new baseline: only the conflict is left.
    assert.deepEqual(kinds(await sandbox.changes()), ['changed conflict.txt']);
    const [forced] = await sandbox.applyChanges(await sandbox.changes(), { overwriteConflicts: true });
    assert.equal(forced.result, 'applied');
    assert.equal(fs.readFileSync(path.join(ws, 'conflict.txt'), 'utf8'), 'sandbox\n');
  });

  it('a file changed in the sandbox after the review is stale, not applied', async () => {
    await sandbox.files.write('/workspace/late.txt', 'v1');
    const changes = await sandbox.changes();
    await sandbox.files.write('/workspace/late.txt', 'v2');
    const [o] = await sandbox.applyChanges(changes);
    assert.equal(o.result, 'stale');
    assert.equal(fs.existsSync(path.join(ws, 'late.txt')), false);
  });

  it('discard puts the original back in the sandbox, removes a created file', async () => {
    await sandbox.run(['sh', '-c', 'printf changed > /workspace/keep.txt && rm /workspace/alias']);
    const changes = await sandbox.changes();
    assert.deepEqual(kinds(changes), ['deleted alias', 'changed keep.txt', 'created late.txt']);
    const outcomes = await sandbox.discardChanges(changes);
    assert.deepEqual(
      outcomes.map((o) => o.result),
      ['discarded', 'discarded', 'discarded'],
    );
    assert.equal((await sandbox.files.read('/workspace/keep.txt')).toString(), 'keep\n');
    assert.equal((await sandbox.files.stat('/workspace/alias')).linkTarget, 'keep.txt');
    assert.deepEqual(await sandbox.changes(), []);
    // The workspace was not touched by any of it.
    assert.equal(fs.readFileSync(path.join(ws, 'keep.txt'), 'utf8'), 'keep\n');
  });

  it('ATTACK: symlinks made by root in the sandbox never make apply write outside the workspace', async () => {
    const rel = path.relative(ws, outside);
    const script = [
      'cd /workspace',
      // absolute and climbing links straight out
      `ln -s ${outside} abs-out`,
      `ln -s ${rel} rel-out`,
      // a link inside that is harmless alone, then a link through it that climbs out
      'mkdir -p d && ln -s .. d/up',
      'ln -s d/up/d/up/.. chain-out',
      // a folder in the sandbox whose name the host has as a link to outside (planted below)
      'mkdir -p planted && printf pwned > planted/owned.txt',
    ].join(' && ');
    assert.equal((await sandbox.run(['sh', '-c', script])).exitCode, 0);
    // Meanwhile on the host, something swaps in a link where the sandbox has a folder.
    fs.symlinkSync(outside, path.join(ws, 'planted'));
    const changes = await sandbox.changes();
    assert.deepEqual(kinds(changes), ['created abs-out', 'created chain-out', 'created d/up', 'created planted/owned.txt', 'created rel-out']);
    const outcomes = await sandbox.applyChanges(changes, { overwriteConflicts: true });
    const byRel = Object.fromEntries(outcomes.map((o) => [o.rel, o.result]));
    assert.deepEqual(byRel, { 'abs-out': 'refused', 'chain-out': 'refused', 'd/up': 'applied', 'planted/owned.txt': 'refused', 'rel-out': 'refused' });
    // Host side: nothing was written outside, no link out was left in the workspace.
    assert.deepEqual(fs.readdirSync(outside), []);
    for (const name of ['abs-out', 'rel-out', 'chain-out']) assert.equal(fs.existsSync(path.join(ws, name)) || isLink(path.join(ws, name)), false, name);
    assert.equal(fs.readlinkSync(path.join(ws, 'd', 'up')), '..');
  });

  it('ATTACK: a review path that climbs out of the workspace is refused', async () => {
    const forged: FileChange = {
      kind: 'created',
      rel: '../outside/forged.txt',
      path: '/workspace/x',
      hostPath: path.join(outside, 'forged.txt'),
      mount: { source: ws, target: '/workspace' },
      after: { type: 'file', hash: 'x', mode: 0o644, size: 1 },
    };
    await sandbox.files.write('/workspace/x', 'x');
    const [o] = await sandbox.applyChanges([forged], { overwriteConflicts: true });
    assert.notEqual(o.result, 'applied');
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('a .vscode file is applied only when asked for', async () => {
    await sandbox.files.write('/workspace/.vscode/tasks.json', '{}', { mkdirs: true });
    const changes = (await sandbox.changes()).filter((c) => c.rel === '.vscode/tasks.json');
    assert.equal(changes[0].configFolder, true);
    assert.equal((await sandbox.applyChanges(changes))[0].result, 'refused');
    assert.equal(fs.existsSync(path.join(ws, '.vscode')), false);
    assert.equal((await sandbox.applyChanges(changes, { configFolders: true }))[0].result, 'applied');
  });

  it("discard of a file the workspace changed too restores the copied original (from Docker's side, checked by hash)", async () => {
    await sandbox.files.write('/workspace/keep.txt', 'sandbox edit\n');
    fs.writeFileSync(path.join(ws, 'keep.txt'), 'host edit\n');
    let changes = (await sandbox.changes()).filter((c) => c.rel === 'keep.txt');
    assert.equal(changes[0].conflict, true);
    assert.deepEqual(
      (await sandbox.discardChanges(changes)).map((o) => o.result),
      ['discarded'],
    );
    assert.equal((await sandbox.files.read('/workspace/keep.txt')).toString(), 'keep\n');
    assert.equal(fs.readFileSync(path.join(ws, 'keep.txt'), 'utf8'), 'host edit\n');
    // change.txt's baseline is "new" (applied above); Docker still has the first copy, "old", whose
    // hash is not the baseline's, and the workspace has another edit: refused, never restored wrong.
    await sandbox.files.write('/workspace/change.txt', 'sandbox edit\n');
    fs.writeFileSync(path.join(ws, 'change.txt'), 'host edit\n');
    changes = (await sandbox.changes()).filter((c) => c.rel === 'change.txt');
    assert.deepEqual(
      (await sandbox.discardChanges(changes)).map((o) => o.result),
      ['conflict'],
    );
    assert.equal((await sandbox.files.read('/workspace/change.txt')).toString(), 'sandbox edit\n');
  });

  it('a hard link made inside is the same file under a second name; two applies at once both land', async () => {
    await sandbox.run(['sh', '-c', 'ln /workspace/src/main.py /workspace/hard.py']);
    const changes = (await sandbox.changes()).filter((c) => c.rel === 'hard.py' || c.rel === 'src/main.py');
    assert.deepEqual(kinds(changes), ['created hard.py']);
    await sandbox.files.write('/workspace/two.txt', '2');
    const all = (await sandbox.changes()).filter((c) => c.rel === 'hard.py' || c.rel === 'two.txt');
    const results = await Promise.all(all.map((c) => sandbox.applyChanges([c])));
    assert.deepEqual(
      results.map((r) => r[0].result),
      ['applied', 'applied'],
    );
    assert.deepEqual(
      (await sandbox.changes()).filter((c) => c.rel === 'hard.py' || c.rel === 'two.txt'),
      [],
    );
  });

  it('terminate removes the baseline', async () => {
    await sandbox.terminate();
    assert.equal(fs.existsSync(path.join(reviewDir, `${sandbox.id}.json`)), false);
  });
});

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
