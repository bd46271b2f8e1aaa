/**
 * Workspace mounts, the files API, copy in/out and snapshots on real gVisor sandboxes.
 * Findings these tests pin down (docs/security.md, README "Workspace and files"):
 * - a gVisor sandbox's own writes live in its in-memory overlay: Docker's archive API and
 *   `docker commit` never see them, so the files API and snapshots go through the sandbox;
 * - host-side changes to a bind mount are seen inside at the next read (no inotify event).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SandboxError, type CopyProgress, type Sandbox } from '../../src/core';
import { FILES_SPARE_NAME } from '../../src/core/labels';
import { cleanupAfterFile, client, docker, runContainers, testSpec, until, isError } from './helpers';

cleanupAfterFile();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'files-it-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A workspace like a real project: sources, an ignored heavy folder, odd names, binary data. */
function makeWorkspace(root: string, files = 200): { binary: Buffer } {
  fs.mkdirSync(path.join(root, 'src', 'dir with spaces'), { recursive: true });
  fs.mkdirSync(path.join(root, 'node_modules', 'dep'), { recursive: true });
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules/\n*.log\n');
  fs.writeFileSync(path.join(root, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  fs.writeFileSync(path.join(root, 'debug.log'), 'noise\n');
  fs.writeFileSync(path.join(root, 'src', 'dir with spaces', 'ünïcødé 名前.txt'), 'héllo wörld\n');
  const binary = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 131 + 7) % 256));
  fs.writeFileSync(path.join(root, 'src', 'data.bin'), binary);
  fs.writeFileSync(path.join(root, 'big.bin'), Buffer.concat(Array.from({ length: 4 }, () => binary)));
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(root, 'src', `f${i}.py`), `print(${i})\n`.repeat(50));
  return { binary };
}

describe('workspace mounts', () => {
  const engine = client();
  let sandbox: Sandbox;
  const copySrc = path.join(tmp, 'copy-src');
  const roSrc = path.join(tmp, 'ro-src');
  const rwSrc = path.join(tmp, 'rw-src');
  const progress: CopyProgress[] = [];
  let binary: Buffer;

  before(async () => {
    ({ binary } = makeWorkspace(copySrc));
    for (const dir of [roSrc, rwSrc]) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'host.txt'), 'from host\n');
    }
    sandbox = await engine.create(
      testSpec({
        mounts: [
          { source: copySrc, mode: 'copy' },
          { source: roSrc, mode: 'readonly', target: '/ro' },
          { source: rwSrc, mode: 'readwrite', target: '/rw' },
          { source: copySrc, mode: 'copy', target: '/all', includeIgnored: true },
        ],
      }),
      { onCopyProgress: (p) => progress.push(p) },
    );
  });

  it("copy mode: the folder is there, .gitignore'd paths are not, the workdir is the first mount", async () => {
    const result = await sandbox.run(['sh', '-c', 'pwd; ls -a /workspace; cat "/workspace/src/dir with spaces/ünïcødé 名前.txt"; ls /workspace/src | wc -l']);
    assert.equal(result.exitCode, 0, result.stderr);
    const [pwd, ...rest] = result.stdout.trim().split('\n');
    assert.equal(pwd, '/workspace');
    assert.ok(rest.includes('src') && rest.includes('.gitignore'));
    assert.ok(!rest.includes('node_modules') && !rest.includes('debug.log'), 'ignored paths stay out');
    assert.ok(result.stdout.includes('héllo wörld'));
    assert.equal(rest.at(-1), '202');
    assert.ok(rest.includes('big.bin'));
    assert.deepEqual(await sandbox.files.read('/workspace/src/data.bin'), binary, 'byte-exact');
    assert.equal((await sandbox.run(['test', '-f', '/all/node_modules/dep/index.js'])).exitCode, 0, 'includeIgnored copies them');
  });

  it('copy mode reports progress up to the totals', () => {
    assert.ok(progress.length >= 1);
    const last = progress.at(-1)!;
    assert.equal(last.files, last.totalFiles);
    assert.equal(last.bytes, last.totalBytes);
    // Two copy mounts: 203 files each without ignored ones, plus node_modules and debug.log in /all.
    assert.equal(last.totalFiles, 204 + 206);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].bytes >= progress[i - 1].bytes, 'monotonic');
  });

  it('copy mode: writes inside never reach the host', async () => {
    const result = await sandbox.run(['sh', '-c', 'echo changed > /workspace/.gitignore && rm -r /workspace/src && touch /workspace/new.txt']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(fs.readFileSync(path.join(copySrc, '.gitignore'), 'utf8'), 'node_modules/\n*.log\n');
    assert.ok(fs.existsSync(path.join(copySrc, 'src', 'f0.py')));
    assert.ok(!fs.existsSync(path.join(copySrc, 'new.txt')));
  });

  it('readonly: even root inside cannot write, truncate or remove; host changes are seen inside', async () => {
    const result = await sandbox.run([
      'sh',
      '-c',
      'id -u; echo x > /ro/host.txt; echo rc=$?; touch /ro/new; echo rc=$?; truncate -s 0 /ro/host.txt; echo rc=$?; python3 -c "import os; os.open(\'/ro/host.txt\', os.O_WRONLY | os.O_TRUNC)" 2>&1 | tail -1',
    ]);
    assert.match(result.stdout, /^0\nrc=[12]\nrc=1\nrc=1\nOSError: \[Errno 30\] Read-only file system/);
    assert.match(result.stderr, /Read-only file system/);
    // With a plain `:ro` bind, runsc 20240729 refuses the open(O_TRUNC) above but empties the host file.
    assert.equal(fs.readFileSync(path.join(roSrc, 'host.txt'), 'utf8'), 'from host\n');
    await assert.rejects(sandbox.files.write('/ro/host.txt', 'x'), isError('PERMISSION_DENIED', /Read-only/));
    await assert.rejects(sandbox.files.remove('/ro/host.txt'), isError('PERMISSION_DENIED'));
    assert.equal(fs.readFileSync(path.join(roSrc, 'host.txt'), 'utf8'), 'from host\n');
    fs.writeFileSync(path.join(roSrc, 'host.txt'), 'changed on host, longer than before\n');
    fs.writeFileSync(path.join(roSrc, 'added.txt'), 'new on host\n');
    assert.equal((await sandbox.files.read('/ro/host.txt')).toString(), 'changed on host, longer than before\n');
    assert.ok((await sandbox.files.list('/ro')).some((e) => e.name === 'added.txt'));
  });

  it('readwrite: writes inside change the host folder at once, and the other way round', async () => {
    await sandbox.files.write('/rw/inside.txt', 'from sandbox\n');
    assert.equal(fs.readFileSync(path.join(rwSrc, 'inside.txt'), 'utf8'), 'from sandbox\n');
    fs.writeFileSync(path.join(rwSrc, 'host.txt'), 'edited on host\n');
    assert.equal((await sandbox.files.read('/rw/host.txt')).toString(), 'edited on host\n');
  });

  it("terminate removes the read-only mount's volume; the host folder stays", async () => {
    const volumes = async () => (await docker.listVolumes({ filters: { label: [`sandboxes.id=${sandbox.id}`] } })).Volumes ?? [];
    // The guard's small state volume (its first-start marker) carries the sandbox's labels too.
    const mountVolumes = async () => (await volumes()).filter((v) => v.Labels?.['sandboxes.role'] !== 'guard-state');
    assert.equal((await mountVolumes()).length, 1);
    await sandbox.terminate();
    assert.deepEqual(await volumes(), [], 'no volume of the sandbox or its guard is left');
    assert.ok(fs.existsSync(path.join(roSrc, 'host.txt')));
  });

  it('a workspace folder that does not exist: INVALID_SPEC, nothing created', async () => {
    const before = (await runContainers()).length;
    await assert.rejects(
      engine.create(testSpec({ mounts: [{ source: path.join(tmp, 'no-such-folder'), mode: 'copy' }] })),
      isError('INVALID_SPEC', /no-such-folder.*does not exist/),
    );
    await assert.rejects(engine.create(testSpec({ mounts: [{ source: path.join(copySrc, '.gitignore'), mode: 'readonly' }] })), isError('INVALID_SPEC', /is a file/));
    assert.equal((await runContainers()).length, before);
  });
});

describe('files API on a running sandbox', () => {
  const engine = client();
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await engine.create(testSpec());
  });

  it('text and binary round-trip byte-exact, names with spaces and unicode', async () => {
    const all = Buffer.from(Array.from({ length: 256 * 64 }, (_, i) => i % 256));
    await sandbox.files.write('/work/dir with space/ü 名前 ✓.bin', all, { mkdirs: true });
    assert.deepEqual(await sandbox.files.read('/work/dir with space/ü 名前 ✓.bin'), all);
    await sandbox.files.write('/work/text.txt', 'line 1\r\nline 2\n\0end');
    assert.equal((await sandbox.files.read('/work/text.txt')).toString(), 'line 1\r\nline 2\n\0end');
    await sandbox.files.write('/work/empty', '');
    assert.equal((await sandbox.files.read('/work/empty')).length, 0);
    const sum = await sandbox.run(['sha256sum', '/work/dir with space/ü 名前 ✓.bin']);
    assert.equal(sum.stdout.split(' ')[0], (await import('node:crypto')).createHash('sha256').update(all).digest('hex'));
  });

  it('stat, list, mkdir, rename, remove', async () => {
    await sandbox.files.mkdir('/work/a/b/c', { parents: true });
    await sandbox.run(['sh', '-c', 'ln -s /etc/shadow /work/a/shadow-link && chmod 600 /work/text.txt']);
    const entries = await sandbox.files.list('/work');
    assert.deepEqual(
      entries.map((e) => e.name),
      ['a', 'dir with space', 'empty', 'text.txt'],
    );
    const text = entries.find((e) => e.name === 'text.txt')!;
    assert.deepEqual({ type: text.type, size: text.size, mode: text.mode, path: text.path }, { type: 'file', size: 19, mode: 0o600, path: '/work/text.txt' });
    assert.ok(Math.abs(text.mtimeMs - Date.now()) < 10 * 60_000, 'mtime in ms');
    const link = await sandbox.files.stat('/work/a/shadow-link');
    assert.equal(link.type, 'symlink');
    assert.equal(link.linkTarget, '/etc/shadow');
    assert.equal((await sandbox.files.stat('/work/a/b')).type, 'directory');

    await sandbox.files.rename('/work/text.txt', '/work/a/b/c/moved.txt');
    await assert.rejects(sandbox.files.stat('/work/text.txt'), isError('FILE_NOT_FOUND'));
    await sandbox.files.write('/work/other.txt', 'other');
    await assert.rejects(sandbox.files.rename('/work/other.txt', '/work/a/b/c/moved.txt'), isError('FILE_EXISTS'));
    await sandbox.files.rename('/work/other.txt', '/work/a/b/c/moved.txt', { overwrite: true });
    assert.equal((await sandbox.files.read('/work/a/b/c/moved.txt')).toString(), 'other');

    await assert.rejects(sandbox.files.remove('/work/a'), isError('IS_A_DIRECTORY', /not empty/));
    await sandbox.files.remove('/work/a', { recursive: true });
    await assert.rejects(sandbox.files.list('/work/a'), isError('FILE_NOT_FOUND'));
  });

  it('bad input: clear codes', async () => {
    await assert.rejects(sandbox.files.read('/nope/x'), isError('FILE_NOT_FOUND'));
    await assert.rejects(sandbox.files.read('/work'), isError('IS_A_DIRECTORY'));
    await assert.rejects(sandbox.files.list('/work/empty'), isError('NOT_A_DIRECTORY'));
    await assert.rejects(sandbox.files.write('/work/empty/x', 'x'), isError('NOT_A_DIRECTORY'));
    await assert.rejects(sandbox.files.write('/nope/x', 'x'), isError('FILE_NOT_FOUND'));
    await assert.rejects(sandbox.files.write('/work/empty', 'x', { overwrite: false }), isError('FILE_EXISTS'));
    await assert.rejects(sandbox.files.write('/work/new', 'x', { create: false }), isError('FILE_NOT_FOUND'));
    await assert.rejects(sandbox.files.write('/work', 'x'), isError('IS_A_DIRECTORY'));
    await assert.rejects(sandbox.files.mkdir('/work'), isError('FILE_EXISTS'));
    await assert.rejects(sandbox.files.read('/../etc/passwd'), isError('PATH_OUTSIDE'));
    await assert.rejects(sandbox.files.read('etc/passwd'), isError('PATH_OUTSIDE'));
    await assert.rejects(sandbox.files.write('/proc/1/comm-nope', 'x'), (e: unknown) => e instanceof SandboxError);
  });

  it('maxBytes: FILE_TOO_LARGE, also for files whose size says nothing (/dev/zero)', async () => {
    await sandbox.run(['sh', '-c', 'head -c 5000 /dev/urandom > /work/5k']);
    assert.equal((await sandbox.files.read('/work/5k', { maxBytes: 5000 })).length, 5000);
    await assert.rejects(sandbox.files.read('/work/5k', { maxBytes: 4999 }), isError('FILE_TOO_LARGE', /larger than 4999 bytes/));
    await assert.rejects(sandbox.files.read('/dev/zero', { maxBytes: 1 << 20 }), isError('FILE_TOO_LARGE'));
  });

  it('upload and download a folder: byte-exact, with progress, ignored paths skipped', async () => {
    const src = path.join(tmp, 'up-src');
    const { binary } = makeWorkspace(src, 20);
    fs.symlinkSync('/etc/hostname', path.join(src, 'host-secret-link'));
    const up: CopyProgress[] = [];
    await sandbox.files.upload(src, '/work/proj', { onProgress: (p) => up.push(p) });
    assert.deepEqual(up.at(-1), { files: 24, totalFiles: 24, bytes: up.at(-1)!.totalBytes, totalBytes: up.at(-1)!.totalBytes });
    const inside = await sandbox.files.stat('/work/proj/host-secret-link');
    assert.equal(inside.type, 'symlink', 'a host symlink arrives as a link, its target is not read');
    assert.equal((await sandbox.run(['test', '-e', '/work/proj/node_modules'])).exitCode, 1);

    const out = path.join(tmp, 'down', 'proj');
    const down: CopyProgress[] = [];
    // The link to /etc/hostname points outside the host folder: refused, the rest downloaded.
    await assert.rejects(sandbox.files.download('/work/proj', out, { onProgress: (p) => down.push(p) }), isError('PATH_OUTSIDE', /host-secret-link -> \/etc\/hostname/));
    assert.deepEqual(fs.readFileSync(path.join(out, 'src', 'data.bin')), binary);
    assert.equal(fs.readFileSync(path.join(out, 'src', 'dir with spaces', 'ünïcødé 名前.txt'), 'utf8'), 'héllo wörld\n');
    assert.ok(!fs.existsSync(path.join(out, 'host-secret-link')));

    await sandbox.run(['rm', '/work/proj/host-secret-link']);
    const single = path.join(tmp, 'down', 'one.bin');
    await sandbox.files.download('/work/proj/src/data.bin', single, { onProgress: (p) => down.push(p) });
    assert.deepEqual(fs.readFileSync(single), binary);
    assert.deepEqual(down.at(-1), { files: 1, totalFiles: 1, bytes: binary.length, totalBytes: binary.length });
  });

  it('download: symlinks inside pointing to /etc/shadow or ../.. are never followed out of the host folder', async () => {
    await sandbox.run([
      'sh',
      '-c',
      'mkdir -p /work/esc/sub && echo ok > /work/esc/sub/fine.txt && ln -s /etc/shadow /work/esc/abs && ln -s ../../.. /work/esc/sub/up && ln -s fine.txt /work/esc/sub/rel',
    ]);
    const parent = path.join(tmp, 'esc-parent');
    const out = path.join(parent, 'out');
    await assert.rejects(sandbox.files.download('/work/esc', out), isError('PATH_OUTSIDE', /(?=.*esc\/abs -> \/etc\/shadow)(?=.*esc\/sub\/up -> \.\.\/\.\.\/\.\.)/));
    assert.deepEqual(fs.readdirSync(parent), ['out'], 'nothing written beside the chosen folder');
    assert.equal(fs.readFileSync(path.join(out, 'sub', 'fine.txt'), 'utf8'), 'ok\n');
    assert.equal(fs.readlinkSync(path.join(out, 'sub', 'rel')), 'fine.txt', 'links that stay inside are kept');
    assert.ok(!fs.existsSync(path.join(out, 'abs')) && !fs.existsSync(path.join(out, 'sub', 'up')));
  });

  it("Docker's archive API does not see writes made inside a gVisor sandbox (why files go through exec)", async () => {
    await sandbox.files.write('/work/only-in-memory.txt', 'x');
    await assert.rejects(
      docker.getContainer(sandbox.containerId).getArchive({ path: '/work/only-in-memory.txt' }),
      (e: unknown) => (e as { statusCode?: number }).statusCode === 404,
    );
  });
});

describe('a sandbox that ends', () => {
  const engine = client();

  it('mid-operation: NOT_RUNNING, clearly', async () => {
    const sandbox = await engine.create(testSpec());
    await sandbox.run(['mkfifo', '/tmp/pipe']);
    // Blocks: nobody writes the FIFO. Settled into a value at once, so its rejection is handled.
    const pending = sandbox.files.read('/tmp/pipe').then(
      () => assert.fail('read a FIFO nobody writes'),
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 1000));
    await docker.getContainer(sandbox.containerId).kill();
    isError('NOT_RUNNING', /not running \(exited\).*read of \/tmp\/pipe/)(await pending);
    await assert.rejects(sandbox.files.list('/'), isError('NOT_RUNNING', /own file changes live in its memory/));
    await assert.rejects(sandbox.snapshotFilesystem(), isError('NOT_RUNNING'));
  });
});

describe('filesystem snapshots', () => {
  const engine = client();
  const refs: string[] = [];
  after(async () => {
    // Sandboxes first (cleanupRun would too, later), then the labelled images.
    for (const c of await runContainers())
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    for (const ref of refs)
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('a new sandbox from the snapshot sees the files, the workdir and env; listed and removable', async () => {
    const src = path.join(tmp, 'snap-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'copied.txt'), 'copied in\n');
    const original = await engine.create(testSpec({ env: { GREETING: 'hi $USER' }, mounts: [{ source: src, mode: 'copy' }] }));
    await original.files.write('/workspace/made-inside.txt', 'made inside\n');
    await original.run(['sh', '-c', 'rm /workspace/copied.txt && mkdir -p /opt/tool && echo v1 > /opt/tool/version']);
    const ref = await original.snapshotFilesystem({ tag: `it-${process.pid}` });
    refs.push(ref);
    assert.match(ref, new RegExp(`^sandboxes-snapshot/${original.id}:it-${process.pid}$`));

    const listed = await engine.listSnapshots({ sandboxId: original.id });
    assert.deepEqual(
      listed.map((s) => [s.ref, s.sandboxId, s.sandboxName]),
      [[ref, original.id, original.name]],
    );
    assert.ok(listed[0].sizeBytes > 1_000_000);

    const copy = await engine.create(testSpec({ image: ref }));
    const result = await copy.run(['sh', '-c', 'pwd; cat /workspace/made-inside.txt /opt/tool/version; test -e /workspace/copied.txt; echo deleted=$?; echo "$GREETING"']);
    assert.equal(result.stdout, '/workspace\nmade inside\nv1\ndeleted=1\nhi $USER\n');
    assert.equal((await copy.info()).runtime, 'runsc', 'same defaults: still gVisor');

    await assert.rejects(engine.removeSnapshot(ref), isError('NAME_IN_USE'));
    await copy.terminate();
    await engine.removeSnapshot(ref);
    assert.deepEqual(await engine.listSnapshots({ sandboxId: original.id }), []);
    await assert.rejects(engine.removeSnapshot(testSpec().image), isError('NOT_FOUND', /not a sandbox snapshot/));
  });
});

describe('the spare exec behind the files API', () => {
  const engine = client();

  /** The sandbox's running execs that are an idle spare (its argv names it). */
  async function spares(sandbox: Sandbox): Promise<number> {
    const info = await docker.getContainer(sandbox.containerId).inspect();
    let n = 0;
    for (const id of info.ExecIDs ?? []) {
      const exec = await docker
        .getExec(id)
        .inspect()
        .catch(() => null);
      if (exec?.Running && exec.ProcessConfig.arguments.includes(FILES_SPARE_NAME)) n++;
    }
    return n;
  }

  it('concurrent operations, binary data and odd names all come back exact; the spare is given up when idle', async () => {
    const sandbox = await engine.create(testSpec());
    const names = ['/w/plain.bin', '/w/it\'s a "name".bin', '/w/new\nline.bin', '/w/ü 名前 ✓ $HOME `id`.bin', '/w/-n', '/w/back\\slash\r.bin'];
    const data = names.map((_, i) => Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, b) => b)), Buffer.alloc(1000 + i * 777, i)]));
    await sandbox.files.mkdir('/w');
    await Promise.all(names.map((name, i) => sandbox.files.write(name, data[i])));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([...names.map((name) => sandbox.files.read(name)), sandbox.files.list('/w'), ...names.map((name) => sandbox.files.stat(name))]);
      names.forEach((name, i) => assert.deepEqual(results[i], data[i], `${JSON.stringify(name)}, round ${round}`));
      assert.deepEqual((results[names.length] as { name: string }[]).map((e) => e.name).sort(), names.map((n) => n.slice(3)).sort());
      names.forEach((name, i) => assert.equal((results[names.length + 1 + i] as { size: number }).size, data[i].length));
    }
    // The current view, not a cached one: changed behind the API's back, read at once.
    await sandbox.run(['sh', '-c', 'printf changed > /w/plain.bin']);
    assert.equal((await sandbox.files.read('/w/plain.bin')).toString(), 'changed');
    await until(async () => (await spares(sandbox)) === 1, 10_000, 'a spare to be up after an operation');
    await until(async () => (await spares(sandbox)) === 0, 15_000, 'the idle spare to be given up');
    assert.equal((await sandbox.files.read('/w/-n')).length, data[4].length, 'works again after the spare was given up');
  });

  it('a spare killed inside the sandbox is replaced, the operation still right', async () => {
    const sandbox = await engine.create(testSpec());
    await sandbox.files.write('/x.txt', 'one');
    await until(async () => (await spares(sandbox)) === 1, 10_000, 'a spare to be up');
    // Its argv ends with its name; the bracket keeps this script's own argv from matching.
    const killed = await sandbox.run([
      'sh',
      '-c',
      'for c in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$c" 2>/dev/null | grep -q "files-spar[e] $" && { p=${c#/proc/}; kill -9 "${p%/cmdline}"; }; done; true',
    ]);
    assert.equal(killed.exitCode, 0, killed.stderr);
    await until(async () => (await spares(sandbox)) === 0, 10_000, 'the spare to be dead');
    assert.equal((await sandbox.files.read('/x.txt')).toString(), 'one');
  });

  it('is let go: a script that never closes its client still exits once the spare is given up', async () => {
    const sandbox = await engine.create(testSpec());
    const script = `
      const { connect } = require(${JSON.stringify(path.resolve('src/core/index.ts'))});
      connect().fromId(${JSON.stringify(sandbox.id)}).then(async (s) => { await s.files.stat('/etc'); await s.files.read('/etc/hostname'); });`;
    // Hangs (and times out) if the spare or its tracking outlived it.
    execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 30_000 });
  });

  it('is not activity: idleTimeoutSeconds ends a sandbox whose files are polled (as an editor does) with the spare always up', async () => {
    const sandbox = await engine.create(testSpec({ idleTimeoutSeconds: 2 }));
    await sandbox.files.write('/y.txt', 'y');
    assert.equal((await sandbox.files.read('/y.txt')).toString(), 'y');
    // A stat a second keeps a spare up all the time (it is given up only after 3 s unused).
    await until(
      async () => {
        if ((await sandbox.poll()) !== null) return true;
        await sandbox.files.stat('/y.txt').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1000));
        return false;
      },
      30_000,
      'the sandbox to be ended although its files were polled',
    );
  });
});
