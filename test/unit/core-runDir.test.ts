import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { SandboxError } from '../../src/core';
import { createExclusive, defaultRunDir, ensurePrivateDir, openAppendNoFollow, readNoFollow, replaceFile } from '../../src/core/runDir';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-rundir-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refused = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof SandboxError, String(error));
  assert.equal(error.code, 'UNSAFE_RUN_DIR');
  assert.match(error.message, pattern);
  assert.match(error.fix, /Remove /);
  return true;
};

describe("the reaper's run directory", () => {
  it('is $XDG_RUNTIME_DIR/gvisor-sandboxes, else ~/.cache/gvisor-sandboxes/run; never the shared temporary folder', () => {
    assert.equal(defaultRunDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/me'), '/run/user/1000/gvisor-sandboxes');
    assert.equal(defaultRunDir({}, '/home/me'), '/home/me/.cache/gvisor-sandboxes/run');
    assert.equal(defaultRunDir({ XDG_RUNTIME_DIR: 'relative' }, '/home/me'), '/home/me/.cache/gvisor-sandboxes/run');
    assert.ok(!defaultRunDir({ TMPDIR: '/tmp' }, '/home/me').startsWith(os.tmpdir()));
  });

  it('is created with mode 0700, parents included', () => {
    const dir = path.join(tmp, 'new', 'deeper', 'run');
    assert.equal(ensurePrivateDir(dir), dir);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(ensurePrivateDir(dir), dir, 'and accepted again');
  });

  it('refuses one open to group or others, a symlink, or a file', () => {
    const open = path.join(tmp, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o755);
    assert.throws(() => ensurePrivateDir(open), refused(/open to other users \(mode 0755\)/));
    assert.equal(fs.statSync(open).mode & 0o777, 0o755, 'refused, not repaired');
    const real = path.join(tmp, 'real');
    fs.mkdirSync(real, { mode: 0o700 });
    const link = path.join(tmp, 'link');
    fs.symlinkSync(real, link);
    assert.throws(() => ensurePrivateDir(link), refused(/symbolic link/));
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, '');
    assert.throws(() => ensurePrivateDir(file), refused(/not a directory/));
  });

  it('refuses one owned by another user', { skip: process.getuid?.() !== 0 && 'only root can give a directory away' }, () => {
    const theirs = path.join(tmp, 'theirs');
    fs.mkdirSync(theirs, { mode: 0o700 });
    fs.chownSync(theirs, 65534, 65534);
    assert.throws(() => ensurePrivateDir(theirs), refused(/owned by uid 65534/));
  });
});

describe('files in it are never used through a symlink', () => {
  const dir = path.join(tmp, 'files');
  fs.mkdirSync(dir, { mode: 0o700 });
  const victim = path.join(tmp, 'victim');

  it('reads: a symlink reads as missing', () => {
    fs.writeFileSync(victim, '1');
    fs.symlinkSync(victim, path.join(dir, 'a.pid'));
    assert.equal(readNoFollow(path.join(dir, 'a.pid')), null);
    fs.writeFileSync(path.join(dir, 'b.pid'), '42');
    assert.equal(readNoFollow(path.join(dir, 'b.pid')), '42');
    assert.equal(readNoFollow(path.join(dir, 'missing.pid')), null);
  });

  it('creates exclusively (even a dangling symlink is in the way) and replaces by rename', () => {
    fs.writeFileSync(victim, 'untouched');
    const file = path.join(dir, 'c.pid');
    fs.symlinkSync(path.join(tmp, 'nowhere'), file);
    assert.throws(() => createExclusive(file, '7'), /EEXIST/);
    assert.ok(!fs.existsSync(path.join(tmp, 'nowhere')), "nothing created at the link's target");
    fs.rmSync(file);
    fs.symlinkSync(victim, file);
    replaceFile(file, '8');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'untouched');
    assert.ok(!fs.lstatSync(file).isSymbolicLink());
    assert.equal(fs.readFileSync(file, 'utf8'), '8');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
  });

  it('appends to a log of its own in place of a planted symlink', () => {
    fs.writeFileSync(victim, 'untouched');
    const log = path.join(dir, 'reaper.log');
    fs.symlinkSync(victim, log);
    const fd = openAppendNoFollow(log);
    fs.writeSync(fd, 'line\n');
    fs.closeSync(fd);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'untouched');
    assert.equal(fs.readFileSync(log, 'utf8'), 'line\n');
    const again = openAppendNoFollow(log);
    fs.writeSync(again, 'more\n');
    fs.closeSync(again);
    assert.equal(fs.readFileSync(log, 'utf8'), 'line\nmore\n');
  });
});
