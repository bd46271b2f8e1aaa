import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { packArchive as archive } from '../lib/tarArchive';
import { SandboxError, validateSpec } from '../../src/core';
import { IgnoreRules, walkHost } from '../../src/core/files/hostTree';
import { bindsOf, readonlyMountsOf } from '../../src/core/files/mounts';
import { hostEntryPath, symlinkStaysWithin } from '../../src/core/files/hostPaths';
import { isWithin, parentOf, sandboxPath } from '../../src/core/files/paths';
import { ProgressTracker } from '../../src/core/files/progress';
import { configChanges, snapshotExcludes, snapshotRef } from '../../src/core/files/snapshot';
import { fileTypeOf, parseStatOutput, toEntries, toFileStat } from '../../src/core/files/statOutput';
import { DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_DOWNLOAD_ENTRIES } from '../../src/core/files/downloadLimits';
import { extractToHost as extractWithOptions, type ExtractOptions } from '../../src/core/files/extract';
import { packHostTree } from '../../src/core/files/tar';
import type { CopyProgress } from '../../src/core/types';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'core-files-')));

/** With the engine's defaults: 1 GiB, 100,000 entries, nothing written into .git or .vscode. */
function extractToHost(archive: Readable, root: string, progress: ProgressTracker, options: Partial<ExtractOptions> = {}): Promise<void> {
  return extractWithOptions(archive, root, progress, {
    maxBytes: DEFAULT_MAX_DOWNLOAD_BYTES,
    maxEntries: DEFAULT_MAX_DOWNLOAD_ENTRIES,
    configFolder: () => 'refuse',
    ...options,
  });
}
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function code(expected: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SandboxError, String(error));
    assert.equal(error.code, expected, error.message);
    return true;
  };
}

describe('sandboxPath', () => {
  it('normalises . and .. and slashes lexically', () => {
    assert.equal(sandboxPath('/workspace/./a//b/../c/'), '/workspace/a/c');
    assert.equal(sandboxPath('/'), '/');
    assert.equal(sandboxPath('/a/..'), '/');
    assert.equal(sandboxPath('/dir with space/ünï €'), '/dir with space/ünï €');
  });

  it('refuses relative paths, NUL bytes and .. above the root', () => {
    for (const bad of ['workspace/a', '', '../etc/shadow', '/../etc/shadow', '/a/../../b', '/a\0b']) {
      assert.throws(() => sandboxPath(bad), code('PATH_OUTSIDE'), bad);
    }
  });

  it('parentOf and isWithin', () => {
    assert.equal(parentOf('/a/b'), '/a');
    assert.equal(parentOf('/a'), '/');
    assert.ok(isWithin('/workspace', '/workspace/x'));
    assert.ok(isWithin('/workspace', '/workspace'));
    assert.ok(!isWithin('/workspace', '/workspace2'));
    assert.ok(isWithin('/', '/etc'));
  });
});

describe('host confinement of archive entries', () => {
  it('maps plain names under the root', () => {
    assert.equal(hostEntryPath('/home/u/out', 'a/b.txt'), '/home/u/out/a/b.txt');
    assert.equal(hostEntryPath('/home/u/out', ''), '/home/u/out');
  });

  it('refuses absolute names and any ..', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a/..', 'a\\..\\..\\x', 'a\0b']) {
      assert.throws(() => hostEntryPath('/home/u/out', bad), code('PATH_OUTSIDE'), bad);
    }
  });

  it('symlinks may only point inside the root, relatively', () => {
    assert.ok(symlinkStaysWithin('/r', '/r/a/link', '../b'));
    assert.ok(symlinkStaysWithin('/r', '/r/a/link', 'c/d'));
    assert.ok(!symlinkStaysWithin('/r', '/r/a/link', '../../etc/shadow'));
    assert.ok(!symlinkStaysWithin('/r', '/r/link', '/etc/shadow'));
    assert.ok(!symlinkStaysWithin('/r', '/r/link', '/r/inside-but-absolute'));
  });
});

describe('IgnoreRules', () => {
  it('applies nested .gitignore files relative to their folder, deeper ones last', () => {
    const rules = new IgnoreRules();
    rules.add('', 'node_modules/\n*.log\nbuild\n');
    rules.add('pkg', '!keep.log\nlocal-only.txt\n');
    assert.ok(rules.ignores('node_modules', true));
    assert.ok(!rules.ignores('node_modules', false), 'a trailing slash rule only matches folders');
    assert.ok(rules.ignores('a/b/debug.log', false));
    assert.ok(rules.ignores('build', true));
    assert.ok(rules.ignores('pkg/build', false));
    assert.ok(!rules.ignores('pkg/keep.log', false), 'negated in the deeper file');
    assert.ok(rules.ignores('pkg/local-only.txt', false));
    assert.ok(!rules.ignores('other/local-only.txt', false), 'pkg rules do not apply elsewhere');
    assert.ok(!rules.ignores('src/main.py', false));
  });

  it('walkHost skips ignored folders without entering them, keeps links as links', async () => {
    const root = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(root, 'node_modules/dep'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\n*.tmp\n');
    fs.writeFileSync(path.join(root, 'node_modules/dep/index.js'), 'x'.repeat(1000));
    fs.writeFileSync(path.join(root, 'src/main.py'), 'print(1)\n');
    fs.writeFileSync(path.join(root, 'src/x.tmp'), 'tmp');
    fs.symlinkSync('/etc/passwd', path.join(root, 'src/passwd-link'));
    const tree = await walkHost(root);
    const rels = tree.entries.map((e) => e.rel);
    assert.deepEqual(rels, ['', '.gitignore', 'src', 'src/main.py', 'src/passwd-link']);
    assert.deepEqual(tree.skipped, ['node_modules', 'src/x.tmp']);
    assert.equal(tree.totalFiles, 2);
    assert.equal(tree.totalBytes, 'node_modules\n*.tmp\n'.length + 'print(1)\n'.length);
    const link = tree.entries.find((e) => e.rel === 'src/passwd-link');
    assert.equal(link?.type, 'symlink');
    assert.equal(link?.linkTarget, '/etc/passwd', 'never followed: the target is not read');
    const all = await walkHost(root, { includeIgnored: true });
    assert.ok(all.entries.some((e) => e.rel === 'node_modules/dep/index.js'));
  });
});

describe('ProgressTracker', () => {
  it('throttles reports and always reports the end', () => {
    let clock = 0;
    const reports: CopyProgress[] = [];
    const tracker = new ProgressTracker(
      3,
      300,
      (p) => reports.push(p),
      100,
      () => clock,
    );
    clock = 100;
    tracker.addBytes(100);
    tracker.fileDone(); // same instant: throttled
    clock = 150;
    tracker.addBytes(100); // within 100 ms: throttled
    clock = 250;
    tracker.fileDone();
    tracker.addBytes(100);
    tracker.fileDone();
    tracker.finish();
    assert.deepEqual(reports, [
      { files: 0, totalFiles: 3, bytes: 100, totalBytes: 300 },
      { files: 2, totalFiles: 3, bytes: 200, totalBytes: 300 },
      { files: 3, totalFiles: 3, bytes: 300, totalBytes: 300 },
    ]);
  });

  it('never reports more than 100% when files grew', () => {
    const tracker = new ProgressTracker(1, 10, undefined);
    tracker.addBytes(25);
    tracker.fileDone();
    tracker.fileDone();
    assert.deepEqual(tracker.snapshot(), { files: 2, totalFiles: 2, bytes: 25, totalBytes: 25 });
  });
});

describe('stat output', () => {
  it('parses GNU records, names with | and spaces, symlink targets', () => {
    const out = 'gnu\n81a4|3|1795780794.098|./a|b\0./a|b\0a1ff|6|1795780794.115|./l n\0./l n -> ../x y\0' + '41ed|4096|1795780794.5|./dir\0./dir\0';
    const entries = toEntries(parseStatOutput(Buffer.from(out)), '/w');
    assert.deepEqual(entries, [
      { path: '/w/a|b', name: 'a|b', type: 'file', size: 3, mtimeMs: 1795780794098, mode: 0o644 },
      { path: '/w/dir', name: 'dir', type: 'directory', size: 4096, mtimeMs: 1795780794500, mode: 0o755 },
      { path: '/w/l n', name: 'l n', type: 'symlink', size: 6, mtimeMs: 1795780794115, mode: 0o777, linkTarget: '../x y' },
    ]);
  });

  it('parses busybox records', () => {
    const out = "busybox\n81a4|3|1795780794|./a|b|./a|b\na1ff|6|1795780794|./l n|'./l n' -> '../x y'\n11a4|0|1795780794|./ff|./ff\n";
    const [file, link, fifo] = parseStatOutput(out);
    assert.equal(file.name, './a|b');
    assert.equal(link.linkTarget, '../x y');
    assert.equal(link.name, './l n');
    assert.equal(fileTypeOf(fifo.rawMode), 'other');
    assert.equal(file.mtimeMs, 1795780794000);
  });

  it('a single stat keeps the path it was asked for; names in the root list get one slash', () => {
    const [record] = parseStatOutput('gnu\n81ed|10|1.5|/bin/x\0/bin/x\0');
    assert.deepEqual(toFileStat(record, '/bin/x'), { path: '/bin/x', type: 'file', size: 10, mtimeMs: 1500, mode: 0o755 });
    assert.equal(toEntries(parseStatOutput('gnu\n41ed|0|1|./etc\0./etc\0'), '/')[0].path, '/etc');
  });

  it('rejects output it does not understand', () => {
    assert.throws(() => parseStatOutput('zsh: command not found\n'));
    assert.throws(() => parseStatOutput('gnu\ngarbage\0garbage\0'));
  });
});

describe('mounts in the spec', () => {
  it('defaults the target to /workspace and the workdir to the first mount', () => {
    const spec = validateSpec({
      image: 'x',
      mounts: [
        { source: '/home/u/proj', mode: 'copy' },
        { source: '/home/u/lib', mode: 'readonly', target: '/workspace2/lib/' },
      ],
    });
    assert.deepEqual(spec.mounts, [
      { source: '/home/u/proj', mode: 'copy', target: '/workspace' },
      { source: '/home/u/lib', mode: 'readonly', target: '/workspace2/lib' },
    ]);
    assert.equal(spec.workdir, '/workspace');
    assert.equal(bindsOf(spec.mounts), undefined, 'readonly is not a plain :ro bind (runsc truncates through those)');
    assert.deepEqual(readonlyMountsOf(spec.mounts, { l: '1' }), [
      {
        Type: 'volume',
        Source: '',
        Target: '/workspace2/lib',
        VolumeOptions: { NoCopy: true, Labels: { l: '1' }, DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind,ro', device: '/home/u/lib' } } },
      },
    ]);
    assert.deepEqual(bindsOf([{ source: '/p', mode: 'readwrite', target: '/rw' }]), ['/p:/rw:rw']);
    assert.equal(validateSpec({ image: 'x', workdir: '/src', mounts: [{ source: '/p', mode: 'readwrite' }] }).workdir, '/src');
    assert.equal(validateSpec({ image: 'x', mounts: [{ source: '/p', mode: 'none' }] }).mounts, undefined);
  });

  it('names every bad mount', () => {
    assert.throws(
      () =>
        validateSpec({
          image: 'x',
          mounts: [
            { source: 'relative', mode: 'copy' },
            { source: '/a', mode: 'bind' },
            { source: '/b', mode: 'copy', target: 'workspace' },
            { source: '/c', mode: 'copy', target: '/proc/x' },
            { source: '/d', mode: 'copy', target: '/w' },
            { source: '/e', mode: 'readonly', target: '/w/inner' },
            { source: '/f', mode: 'copy', target: '/x', includeIgnored: 'yes' },
          ],
        }),
      (error: unknown) => {
        assert.ok(error instanceof SandboxError && error.code === 'INVALID_SPEC');
        for (const part of ['mounts[0].source', 'mounts[1].mode', 'mounts[2].target', 'mounts[3].target', 'mounts[5].target', 'mounts[6].includeIgnored']) {
          assert.ok(error.message.includes(part), `mentions ${part}: ${error.message}`);
        }
        assert.ok(!error.message.includes('mounts[4].'), 'mounts[4] itself is fine');
        return true;
      },
    );
  });
});

describe('snapshots', () => {
  it('refs are per sandbox, tags validated', () => {
    assert.equal(snapshotRef('sb-abc', 'v1'), 'sandboxes-snapshot/sb-abc:v1');
    assert.equal(snapshotRef('sb-abc', undefined, new Date('2026-11-27T12:04:55.662Z')), 'sandboxes-snapshot/sb-abc:20261127t120455z');
    assert.throws(() => snapshotRef('sb-abc', 'no spaces'), code('INVALID_SPEC'));
    assert.throws(() => snapshotRef('sb-abc', '-x'), code('INVALID_SPEC'));
  });

  it('keeps the sandbox env/workdir/user and the image command, escaping $', () => {
    const changes = configChanges(
      { Entrypoint: ['/entry'], Cmd: ['python3'], Labels: { maintainer: 'me' } } as never,
      { Env: ['PATH=/usr/bin:/bin', 'PRICE=$5 "each"'], WorkingDir: '/workspace', User: '1000' } as never,
      { 'sandboxes.snapshot': 'true' },
    );
    assert.deepEqual(changes, [
      'ENV PATH="/usr/bin:/bin"',
      'ENV PRICE="\\$5 \\"each\\""',
      'ENTRYPOINT ["/entry"]',
      'CMD ["python3"]',
      'WORKDIR /workspace',
      'USER 1000',
      'LABEL "maintainer"="me"',
      'LABEL "sandboxes.snapshot"="true"',
    ]);
  });

  it('leaves out kernel views, Docker-managed files and bind mounts, keeps copies', () => {
    const excludes = snapshotExcludes([
      { source: '/a', mode: 'copy', target: '/workspace' },
      { source: '/b', mode: 'readwrite', target: '/data' },
    ]);
    assert.ok(excludes.includes('proc') && excludes.includes('etc/resolv.conf') && excludes.includes('data'));
    assert.ok(!excludes.includes('workspace'));
  });
});

describe('tar round trip on the host', () => {
  it('packs a tree and extracts it byte-exact, with progress reaching the totals', async () => {
    const src = path.join(tmp, 'rt-src');
    fs.mkdirSync(path.join(src, 'sub dir/ünï'), { recursive: true });
    const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    fs.writeFileSync(path.join(src, 'sub dir/ünï/bin.dat'), binary);
    fs.writeFileSync(path.join(src, 'empty'), '');
    fs.symlinkSync('sub dir/ünï/bin.dat', path.join(src, 'link'));
    const tree = await walkHost(src);
    const sent = new ProgressTracker(tree.totalFiles, tree.totalBytes, undefined);
    const received = new ProgressTracker(tree.totalFiles, tree.totalBytes, undefined);
    const out = path.join(tmp, 'rt-out');
    await extractToHost(packHostTree(tree, 'top', sent), out, received);
    assert.deepEqual(fs.readFileSync(path.join(out, 'sub dir/ünï/bin.dat')), binary);
    assert.equal(fs.readFileSync(path.join(out, 'empty')).length, 0);
    assert.equal(fs.readlinkSync(path.join(out, 'link')), 'sub dir/ünï/bin.dat');
    const totals = { files: 2, totalFiles: 2, bytes: binary.length, totalBytes: binary.length };
    assert.deepEqual(sent.snapshot(), totals);
    assert.deepEqual(received.snapshot(), totals);
  });
});

describe('extractToHost with a hostile archive', () => {
  const tracker = () => new ProgressTracker(0, 0, undefined);

  it('refuses entries that climb out, and writes nothing outside', async () => {
    const out = path.join(tmp, 'hostile-1', 'out');
    const bait = path.join(tmp, 'hostile-1', 'escaped.txt');
    await assert.rejects(
      extractToHost(
        await archive([
          { name: 'dl', type: 'directory' },
          { name: 'dl/../escaped.txt', body: 'pwned' },
        ]),
        out,
        tracker(),
      ),
      code('PATH_OUTSIDE'),
    );
    assert.ok(!fs.existsSync(bait));
  });

  it('refuses absolute names', async () => {
    const out = path.join(tmp, 'hostile-2');
    await assert.rejects(
      extractToHost(
        await archive([
          { name: 'dl', type: 'directory' },
          { name: '/tmp/abs-pwned', body: 'x' },
        ]),
        out,
        tracker(),
      ),
      code('PATH_OUTSIDE'),
    );
  });

  it('never writes through a symlink planted by an earlier entry', async () => {
    const base = path.join(tmp, 'hostile-3');
    const victim = path.join(base, 'victim');
    fs.mkdirSync(victim, { recursive: true });
    const out = path.join(base, 'out');
    const entries = [
      { name: 'dl', type: 'directory' as const },
      { name: 'dl/evil', type: 'symlink' as const, linkname: '../victim' },
      { name: 'dl/evil/owned.txt', body: 'pwned' },
      { name: 'dl/abs', type: 'symlink' as const, linkname: '/etc/shadow' },
      { name: 'dl/fine.txt', body: 'ok' },
    ];
    await assert.rejects(extractToHost(await archive(entries), out, tracker()), code('PATH_OUTSIDE'));
    assert.deepEqual(fs.readdirSync(victim), []);
    assert.ok(!fs.lstatSync(path.join(out, 'evil'), { throwIfNoEntry: false })?.isSymbolicLink(), 'the escaping link was not created');
    assert.ok(fs.existsSync(path.join(out, 'fine.txt')), 'the rest was written');
    assert.ok(!fs.existsSync(path.join(out, 'abs')));
  });

  it('refuses hard links and devices', async () => {
    const out = path.join(tmp, 'hostile-4');
    await assert.rejects(
      extractToHost(
        await archive([
          { name: 'dl', type: 'directory' },
          { name: 'dl/h', type: 'link', linkname: '/etc/passwd' },
        ]),
        out,
        tracker(),
      ),
      code('PATH_OUTSIDE'),
    );
    await assert.rejects(
      extractToHost(
        await archive([
          { name: 'dl', type: 'directory' },
          { name: 'dl/d', type: 'character-device', devmajor: 1, devminor: 3 },
        ]),
        path.join(tmp, 'hostile-5'),
        tracker(),
      ),
      code('PATH_OUTSIDE'),
    );
  });

  it('replaces a pre-existing symlink at a file path instead of writing through it', async () => {
    const base = path.join(tmp, 'hostile-6');
    fs.mkdirSync(path.join(base, 'out'), { recursive: true });
    const target = path.join(base, 'outside.txt');
    fs.writeFileSync(target, 'original');
    fs.symlinkSync(target, path.join(base, 'out', 'f.txt'));
    await extractToHost(
      await archive([
        { name: 'dl', type: 'directory' },
        { name: 'dl/f.txt', body: 'new' },
      ]),
      path.join(base, 'out'),
      tracker(),
    );
    assert.equal(fs.readFileSync(target, 'utf8'), 'original');
    assert.equal(fs.readFileSync(path.join(base, 'out', 'f.txt'), 'utf8'), 'new');
    assert.ok(!fs.lstatSync(path.join(base, 'out', 'f.txt')).isSymbolicLink());
  });
});
