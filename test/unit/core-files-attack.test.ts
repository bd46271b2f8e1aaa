/**
 * Host files under attack (issue #10), pure logic and host-only parts: git config scrubbing,
 * what git ignores, a folder changed between the walk and the read, downloads resolved against
 * the disk, caps and .git/.vscode. The same attacks from inside a real sandbox are in
 * test/integration/attack-files.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { packArchive as archive } from '../lib/tarArchive';
import { SandboxError } from '../../src/core';
import { DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_DOWNLOAD_ENTRIES, configFolderOf, formatCap, parseSurvey } from '../../src/core/files/downloadLimits';
import { extractToHost, type ExtractOptions } from '../../src/core/files/extract';
import { isGitConfigPath, scrubGitConfig, withoutUserinfo } from '../../src/core/files/gitConfig';
import { HostDir } from '../../src/core/files/hostDir';
import { walkHost, type HostTree } from '../../src/core/files/hostTree';
import { resolvePhysically, resolvesWithin } from '../../src/core/files/linkCheck';
import { ProgressTracker } from '../../src/core/files/progress';
import { packHostTree } from '../../src/core/files/tar';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'core-files-attack-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tracker = () => new ProgressTracker(0, 0, undefined);

function code(expected: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SandboxError, String(error));
    assert.equal(error.code, expected, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

function extract(archive: Readable, root: string, options: Partial<ExtractOptions> = {}): Promise<void> {
  return extractToHost(archive, root, tracker(), { maxBytes: DEFAULT_MAX_DOWNLOAD_BYTES, maxEntries: DEFAULT_MAX_DOWNLOAD_ENTRIES, configFolder: () => 'refuse', ...options });
}

/** Packs a walked tree and unpacks it under `out`; returns the file contents by path. */
async function roundTrip(tree: HostTree, out: string): Promise<Map<string, string>> {
  await extract(packHostTree(tree, 'top', tracker()), out, { configFolder: () => 'write' });
  const files = new Map<string, string>();
  const visit = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const stat = fs.lstatSync(p);
      if (stat.isDirectory()) visit(p, r);
      else if (stat.isFile()) files.set(r, fs.readFileSync(p, 'utf8'));
    }
  };
  visit(out, '');
  return files;
}

const hasGit = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('git config without credentials', () => {
  it('drops userinfo from URLs, [credential] sections and secret keys, keeps the rest', () => {
    const input = [
      '[core]',
      '\trepositoryformatversion = 0',
      '[remote "origin"]',
      '\turl = https://user:ghp_SECRET1@github.example/x.git',
      '\tpushurl = https://ghp_SECRET2@github.example/x.git',
      '\tfetch = +refs/heads/*:refs/remotes/origin/*',
      '[http]',
      '\textraHeader = AUTHORIZATION: bearer SECRET3',
      '\tsslVerify = true',
      '[http "https://other.example/"]',
      '\textraheader = AUTHORIZATION: basic \\',
      '\t\tSECRET4',
      '[credential]',
      '\thelper = store --file=/home/u/SECRET5',
      '[credential "https://github.example"]',
      '\tusername = SECRET6',
      '[url "https://tok:SECRET7@github.example/"]',
      '\tinsteadOf = https://github.example/',
      '[hub] oauthtoken = SECRET8',
      '[remote "ssh"]',
      '\turl = ssh://git@host.example/x.git',
      '\turl2 = ssh://git:SECRET9@host.example/x.git',
      '[branch "main"]',
      '\tremote = origin',
    ].join('\n');
    const { text, removed } = scrubGitConfig(input);
    assert.doesNotMatch(text, /SECRET/);
    assert.ok(removed >= 9);
    assert.match(text, /url = https:\/\/github\.example\/x\.git/);
    assert.match(text, /pushurl = https:\/\/github\.example\/x\.git/);
    assert.match(text, /\[url "https:\/\/github\.example\/"\]\n\tinsteadOf = https:\/\/github\.example\//);
    assert.match(text, /sslVerify = true/);
    assert.match(text, /url = ssh:\/\/git@host\.example\/x\.git/, 'an ssh user name is not a secret');
    assert.match(text, /url2 = ssh:\/\/git@host\.example/);
    assert.match(text, /\[branch "main"\]\n\tremote = origin/);
    assert.match(text, /\[hub\]/);
    assert.doesNotMatch(text, /credential/);
  });

  it('withoutUserinfo keeps what has none; isGitConfigPath knows the config files', () => {
    assert.equal(withoutUserinfo('git@github.example:x/y.git'), 'git@github.example:x/y.git');
    assert.equal(withoutUserinfo('see https://a.example/p@q'), 'see https://a.example/p@q');
    assert.equal(withoutUserinfo('https://u:p@ss@h.example/x'), 'https://h.example/x');
    for (const yes of [
      '.git/config',
      'sub/.git/config',
      '.git/config.worktree',
      '.git/modules/lib/config',
      '.git/modules/a/modules/b/config',
      '.git/worktrees/w/config.worktree',
    ])
      assert.ok(isGitConfigPath(yes), yes);
    for (const no of ['config', 'src/config', '.git/refs/heads/config', '.git/modules/lib/refs/heads/config', '.git/hooks/config', '.gitconfig'])
      assert.ok(!isGitConfigPath(no), no);
  });
});

describe('download limits', () => {
  it('configFolderOf: the outermost .git or .vscode, "." for the root itself', () => {
    assert.equal(configFolderOf('proj', '.git/hooks/pre-commit'), '.git');
    assert.equal(configFolderOf('proj', 'a/.vscode/tasks.json'), 'a/.vscode');
    assert.equal(configFolderOf('proj', 'a/.git/x/.vscode/y'), 'a/.git');
    assert.equal(configFolderOf('proj', 'src/main.py'), undefined);
    assert.equal(configFolderOf('proj', ''), undefined);
    assert.equal(configFolderOf('.git', 'hooks/x'), '.');
    assert.equal(configFolderOf('proj', '.gitignore'), undefined);
  });

  it('parseSurvey: totals, folders and real hooks (not samples), lines it cannot read skipped', () => {
    const out = [
      '41ed 4096 /w/repo',
      '81a4 10 /w/repo/a.txt',
      '41ed 4096 /w/repo/.git',
      '41ed 4096 /w/repo/.git/hooks',
      '81ed 30 /w/repo/.git/hooks/pre-commit',
      '81ed 30 /w/repo/.git/hooks/pre-push.sample',
      '41ed 4096 /w/repo/sub/.vscode',
      '81a4 2 /w/repo/sub/.vscode/tasks.json',
      'a1ff 3 /w/repo/link',
      'garbage line',
      '81a4 5 /elsewhere/x',
    ].join('\n');
    assert.deepEqual(parseSurvey(out, '/w/repo', 'repo'), { files: 4, bytes: 72, entries: 9, folders: ['.git', 'sub/.vscode'], hooks: ['.git/hooks/pre-commit'] });
    const asGit = parseSurvey('41ed 4096 /w/repo/.git\n41ed 1 /w/repo/.git/hooks\n81ed 3 /w/repo/.git/hooks/post-checkout\n', '/w/repo/.git', '.git');
    assert.deepEqual([asGit.folders, asGit.hooks], [['.'], ['hooks/post-checkout']]);
  });

  it('formatCap', () => {
    assert.equal(formatCap(1024 ** 3), '1 GiB');
    assert.equal(formatCap(16 << 20), '16 MiB');
    assert.equal(formatCap(1.5 * 1024 ** 3), '1.5 GiB');
    assert.equal(formatCap(100), '100 bytes');
  });
});

describe('links resolved on disk', () => {
  it('resolvePhysically follows chained links as the kernel does', async () => {
    const root = path.join(tmp, 'phys', 'a', 'b', 'root');
    fs.mkdirSync(path.join(root, 'd1/d2/d3'), { recursive: true });
    fs.symlinkSync('../../..', path.join(root, 'd1/d2/d3/l'));
    fs.symlinkSync('d1/d2/d3/l/../../../..', path.join(root, 'up'));
    fs.symlinkSync('d1/d2/d3/l/d1', path.join(root, 'fine'));
    fs.symlinkSync('loop', path.join(root, 'loop'));
    fs.symlinkSync('missing/../../..', path.join(root, 'dangling-up'));
    fs.symlinkSync('missing/file', path.join(root, 'dangling'));
    assert.equal(await resolvePhysically(path.join(root, 'd1/d2/d3/l')), root);
    assert.equal(await resolvePhysically(path.join(root, 'up')), tmp, 'four folders above the root');
    assert.equal(path.resolve(root, 'd1/d2/d3/l/../../../..'), root, 'lexically it stays inside: the old check let it through');
    assert.ok(!(await resolvesWithin(path.join(root, 'up'), root)));
    assert.ok(await resolvesWithin(path.join(root, 'fine'), root));
    assert.equal(await resolvePhysically(path.join(root, 'loop')), null);
    assert.equal(await resolvePhysically(path.join(root, 'dangling-up')), null);
    assert.ok(await resolvesWithin(path.join(root, 'dangling'), root), 'a link to a file not there yet stays inside');
  });

  it('extractToHost removes links that lead out once everything is written', async () => {
    const out = path.join(tmp, 'chain', 'x', 'y', 'out');
    const entries = [
      { name: 'dl', type: 'directory' as const },
      { name: 'dl/d1/d2/d3', type: 'directory' as const },
      { name: 'dl/d1/f.txt', body: 'ok' },
      { name: 'dl/d1/d2/d3/l', type: 'symlink' as const, linkname: '../../..' },
      { name: 'dl/up', type: 'symlink' as const, linkname: 'd1/d2/d3/l/../../../..' },
      // Created before the link it runs through: only the check after extraction sees it.
      { name: 'dl/early', type: 'symlink' as const, linkname: 'd1/d2/d3/m/../../../..' },
      { name: 'dl/d1/d2/d3/m', type: 'symlink' as const, linkname: '../../..' },
      { name: 'dl/fine', type: 'symlink' as const, linkname: 'd1/d2/d3/l/d1/f.txt' },
    ];
    await assert.rejects(extract(await archive(entries), out), code('PATH_OUTSIDE', /(?=.*dl\/up -> )(?=.*dl\/early -> )/));
    assert.ok(!fs.lstatSync(path.join(out, 'up'), { throwIfNoEntry: false }));
    assert.ok(!fs.lstatSync(path.join(out, 'early'), { throwIfNoEntry: false }));
    assert.equal(fs.readFileSync(path.join(out, 'fine'), 'utf8'), 'ok');
    assert.equal(fs.realpathSync(path.join(out, 'd1/d2/d3/l')), out);
  });
});

describe('download caps and .git/.vscode, enforced while extracting', () => {
  it('maxBytes: the entry that would pass it is refused before a byte of it is written', async () => {
    const out = path.join(tmp, 'cap-bytes');
    await assert.rejects(
      extract(
        await archive([
          { name: 'dl', type: 'directory' },
          { name: 'dl/a', body: 'x'.repeat(10) },
          { name: 'dl/b', body: 'y'.repeat(20) },
        ]),
        out,
        { maxBytes: 25 },
      ),
      code('FILE_TOO_LARGE', /25 bytes \(maxBytes\).*dl\/b/),
    );
    assert.equal(fs.readFileSync(path.join(out, 'a'), 'utf8'), 'x'.repeat(10));
    assert.ok(!fs.existsSync(path.join(out, 'b')));
  });

  it('maxBytes also holds when the archive only announces a huge file (nothing written, nothing read)', async () => {
    // tar-stream's own header encoder: a header that announces 2 GiB, with no data behind it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of tar-stream, without types
    const { encode } = require('tar-stream/headers') as { encode: (h: object) => Buffer };
    const dir = encode({ name: 'dl/', type: 'directory', mode: 0o755, mtime: new Date(), size: 0, uid: 0, gid: 0 });
    const huge = encode({ name: 'dl/sparse', type: 'file', mode: 0o644, mtime: new Date(), size: 2 * 1024 ** 3, uid: 0, gid: 0 });
    const out = path.join(tmp, 'cap-huge');
    // Data follows as the extraction asks for it (bounded): it stops at the header.
    async function* body() {
      yield dir;
      yield huge;
      for (let i = 0; i < 1024; i++) yield Buffer.alloc(64 * 1024);
    }
    await assert.rejects(extract(Readable.from(body()), out), code('FILE_TOO_LARGE', /1 GiB \(maxBytes\)/));
    assert.ok(!fs.existsSync(path.join(out, 'sparse')));
  });

  it('maxEntries', async () => {
    const entries = [{ name: 'dl', type: 'directory' as const }, ...Array.from({ length: 5 }, (_, i) => ({ name: `dl/${i}`, body: '' }))];
    await assert.rejects(extract(await archive(entries), path.join(tmp, 'cap-entries'), { maxEntries: 3 }), code('FILE_TOO_LARGE', /more than 3 entries.*maxEntries/));
  });

  it('.git and .vscode: refused by default, written only when asked; never reached through a link', async () => {
    const entries = [
      { name: 'dl', type: 'directory' as const },
      { name: 'dl/main.py', body: 'code' },
      { name: 'dl/.git/hooks/pre-commit', body: '#!/bin/sh\necho pwned\n', mode: 0o755 },
      { name: 'dl/sub/.vscode', type: 'directory' as const },
      { name: 'dl/v', type: 'symlink' as const, linkname: 'sub/.vscode' },
      { name: 'dl/v/tasks.json', body: '{}' },
    ];
    const out = path.join(tmp, 'config-refused');
    await assert.rejects(
      extract(await archive(entries), out),
      code('PATH_OUTSIDE', /(?=.*through a symlink.*dl\/v\/tasks\.json)(?=.*\.git, sub\/\.vscode)(?=.*configFolders)/),
    );
    assert.equal(fs.readFileSync(path.join(out, 'main.py'), 'utf8'), 'code');
    assert.ok(!fs.existsSync(path.join(out, '.git')) && !fs.existsSync(path.join(out, 'sub', '.vscode')));

    const noAlias = entries.filter((e) => e.name !== 'dl/v/tasks.json');
    await assert.rejects(extract(await archive(noAlias), path.join(tmp, 'config-refused-2')), code('PERMISSION_DENIED', /(?=.*\.git)(?=.*configFolders)/));

    const asked: string[] = [];
    const out2 = path.join(tmp, 'config-some');
    await extract(await archive([...noAlias, { name: 'dl/sub/.vscode/tasks.json', body: '{}' }]), out2, {
      configFolder: (folder) => {
        asked.push(folder);
        return folder === 'sub/.vscode' ? 'write' : 'skip';
      },
    });
    assert.ok(!fs.existsSync(path.join(out2, '.git')));
    assert.equal(fs.readFileSync(path.join(out2, 'sub', '.vscode', 'tasks.json'), 'utf8'), '{}');
    assert.deepEqual([...new Set(asked)].sort(), ['.git', 'sub/.vscode']);

    const out3 = path.join(tmp, 'config-write');
    await extract(await archive(noAlias), out3, { configFolder: () => 'write' });
    assert.equal(fs.statSync(path.join(out3, '.git/hooks/pre-commit')).mode & 0o777, 0o755, 'as it was: the caller agreed');
  });

  it('a folder of the destination swapped for a link while the download runs: nothing lands outside', async () => {
    const out = path.join(tmp, 'dest-swap', 'out');
    const outside = path.join(tmp, 'dest-swap', 'outside');
    fs.mkdirSync(outside, { recursive: true });
    const first = await archive([
      { name: 'dl', type: 'directory' },
      { name: 'dl/sub', type: 'directory' },
      { name: 'dl/sub/a', body: 'a' },
    ]);
    const rest = await archive([
      { name: 'dl/other', type: 'directory' },
      { name: 'dl/sub/b', body: 'b' },
      { name: 'dl/sub/authorized_keys', body: 'ssh-ed25519 AAAA attacker' },
    ]);
    const bytes = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    // Three headers and a's one block of data, without the end-of-archive blocks.
    const firstBytes = (await bytes(first)).subarray(0, 4 * 512);
    const restBytes = await bytes(rest);
    // As a sandbox with the destination mounted read-write would: once sub/ is there, swap it for a link out.
    async function* body() {
      yield firstBytes;
      for (let i = 0; i < 500 && !fs.existsSync(path.join(out, 'sub', 'a')); i++) await new Promise((r) => setTimeout(r, 10));
      fs.renameSync(path.join(out, 'sub'), path.join(out, 'sub.real'));
      fs.symlinkSync(outside, path.join(out, 'sub'));
      yield restBytes;
    }
    await assert.rejects(extract(Readable.from(body()), out), code('PATH_OUTSIDE', /through a symlink/));
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written through the swapped-in link');
  });

  it('a pre-existing link in the destination is not written through, even one pointing inside', async () => {
    const out = path.join(tmp, 'dest-link', 'out');
    fs.mkdirSync(path.join(out, 'real'), { recursive: true });
    fs.symlinkSync('real', path.join(out, 'sub'));
    await assert.rejects(
      extract(
        await archive([
          { name: 'dl', type: 'directory' },
          { name: 'dl/sub/x', body: 'x' },
        ]),
        out,
      ),
      code('PATH_OUTSIDE', /dl\/sub\/x/),
    );
    assert.deepEqual(fs.readdirSync(path.join(out, 'real')), []);
  });

  it('a download whose root is named .git is all config', async () => {
    const out = path.join(tmp, 'root-git', '.git');
    await assert.rejects(
      extract(
        await archive([
          { name: 'g', type: 'directory' },
          { name: 'g/hooks/x', body: 'x' },
        ]),
        out,
      ),
      code('PERMISSION_DENIED'),
    );
    assert.ok(!fs.existsSync(out));
  });
});

describe('a folder that changes between the walk and the read (packHostTree)', () => {
  const secret = path.join(tmp, 'secret.txt');
  fs.writeFileSync(secret, 'TOP-SECRET content that must never be packed\n', { mode: 0o600 });
  const outsideDir = path.join(tmp, 'outside-dir');
  fs.mkdirSync(outsideDir);
  fs.writeFileSync(path.join(outsideDir, 'inner.txt'), 'TOP-SECRET in a folder outside\n', { mode: 0o600 });

  function folder(name: string): string {
    const root = path.join(tmp, name);
    fs.mkdirSync(path.join(root, 'd'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(root, 'zz.txt'), 'normal content, a bit longer than that\n');
    fs.writeFileSync(path.join(root, 'd', 'inner.txt'), 'inner\n');
    return root;
  }

  it('a file swapped for a symlink to a secret: left out and reported, the secret never read', async () => {
    const root = folder('swap-file');
    const tree = await walkHost(root);
    fs.renameSync(path.join(root, 'zz.txt'), path.join(root, 'zz.old'));
    fs.symlinkSync(secret, path.join(root, 'zz.txt'));
    const files = await roundTrip(tree, path.join(tmp, 'swap-file-out'));
    assert.ok(![...files.values()].some((c) => c.includes('TOP-SECRET')));
    assert.ok(!files.has('zz.txt'));
    assert.equal(files.get('a.txt'), 'a\n');
    assert.deepEqual(tree.changed, ['zz.txt']);
  });

  it('a folder swapped for a symlink to a folder outside: its contents are not read', async () => {
    const root = folder('swap-dir');
    const tree = await walkHost(root);
    fs.renameSync(path.join(root, 'd'), path.join(root, 'd.real'));
    fs.symlinkSync(outsideDir, path.join(root, 'd'));
    const files = await roundTrip(tree, path.join(tmp, 'swap-dir-out'));
    assert.ok(![...files.values()].some((c) => c.includes('TOP-SECRET')));
    assert.deepEqual(tree.changed, ['d']);
  });

  it('a file replaced by another (new inode) or by a FIFO: left out, reported, no hang', async () => {
    const root = folder('swap-other');
    const tree = await walkHost(root);
    fs.writeFileSync(path.join(root, 'zz.new'), 'replacement\n');
    fs.renameSync(path.join(root, 'zz.new'), path.join(root, 'zz.txt'));
    fs.rmSync(path.join(root, 'a.txt'));
    execFileSync('mkfifo', [path.join(root, 'a.txt')]);
    const files = await roundTrip(tree, path.join(tmp, 'swap-other-out'));
    assert.ok(!files.has('zz.txt') && !files.has('a.txt'));
    assert.deepEqual(tree.changed.sort(), ['a.txt', 'zz.txt']);
  });

  it('a file deleted after the walk is simply left out, not reported', async () => {
    const root = folder('shrink');
    const tree = await walkHost(root);
    fs.rmSync(path.join(root, 'a.txt'));
    const files = await roundTrip(tree, path.join(tmp, 'shrink-out'));
    assert.ok(!files.has('a.txt'));
    assert.deepEqual(tree.changed, [], 'a deleted file is not a change to report');
  });

  it('HostDir looks names up in the open folder, not by its path (Linux)', { skip: process.platform !== 'linux' && 'needs /proc/self/fd' }, async () => {
    const root = folder('hostdir');
    const dir = await HostDir.open(path.join(root, 'd'));
    try {
      fs.renameSync(path.join(root, 'd'), path.join(root, 'd.real'));
      fs.symlinkSync(outsideDir, path.join(root, 'd'));
      assert.deepEqual(await dir.readdir(), ['inner.txt']);
      const handle = await dir.openFile('inner.txt');
      assert.equal((await handle.readFile()).toString(), 'inner\n', 'the folder that was opened, not the link now at its path');
      await handle.close();
      await assert.rejects(HostDir.open(path.join(root, 'd')), (e: NodeJS.ErrnoException) => e.code === 'ELOOP' || e.code === 'ENOTDIR');
    } finally {
      await dir.close();
    }
  });
});

describe('what a copy leaves out, as git would', () => {
  it('no git answer (not a repository): .gitignore files and .git/info/exclude', async () => {
    const root = path.join(tmp, 'not-a-repo');
    fs.mkdirSync(path.join(root, '.git', 'info'), { recursive: true });
    fs.writeFileSync(path.join(root, '.git', 'info', 'exclude'), 'excluded.txt\n');
    fs.writeFileSync(path.join(root, '.gitignore'), 'ignored.txt\n');
    for (const name of ['keep.txt', 'excluded.txt', 'ignored.txt']) fs.writeFileSync(path.join(root, name), name);
    const tree = await walkHost(root);
    const rels = tree.entries.map((e) => e.rel);
    assert.ok(rels.includes('keep.txt'));
    assert.ok(!rels.includes('excluded.txt') && !rels.includes('ignored.txt'));
  });

  it(
    'in a git repository: info/exclude, the global excludes file, tracked files kept, nested repositories by their own rules; config scrubbed',
    { skip: !hasGit && 'git is not installed' },
    async () => {
      const root = path.join(tmp, 'repo');
      const home = path.join(tmp, 'git-home');
      fs.mkdirSync(path.join(root, 'nested'), { recursive: true });
      fs.mkdirSync(home);
      fs.writeFileSync(path.join(home, 'ignore'), 'global.txt\n');
      fs.writeFileSync(path.join(home, 'config'), `[core]\n\texcludesFile = ${path.join(home, 'ignore')}\n`);
      const saved = { ...process.env };
      Object.assign(process.env, { GIT_CONFIG_GLOBAL: path.join(home, 'config'), GIT_CONFIG_NOSYSTEM: '1' });
      try {
        const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' });
        git(root, 'init', '-q');
        git(root, 'config', 'remote.origin.url', 'https://u:TOKEN42@example.invalid/r.git');
        fs.appendFileSync(path.join(root, '.git', 'info', 'exclude'), 'info.txt\n');
        fs.writeFileSync(path.join(root, '.gitignore'), '*.log\nbuild/\n');
        for (const name of ['keep.txt', 'info.txt', 'global.txt', 'x.log', 'tracked.log']) fs.writeFileSync(path.join(root, name), name);
        fs.mkdirSync(path.join(root, 'build'));
        fs.writeFileSync(path.join(root, 'build', 'out.bin'), 'bin');
        git(root, 'add', '-f', 'tracked.log');
        git(path.join(root, 'nested'), 'init', '-q');
        fs.writeFileSync(path.join(root, 'nested', '.gitignore'), 'secret.env\n');
        fs.writeFileSync(path.join(root, 'nested', 'secret.env'), 'nested secret');
        fs.writeFileSync(path.join(root, 'nested', 'code.py'), 'print(1)');

        const tree = await walkHost(root);
        const rels = new Set(tree.entries.map((e) => e.rel));
        for (const kept of ['keep.txt', 'tracked.log', '.gitignore', '.git', '.git/HEAD', '.git/config', 'nested/code.py']) assert.ok(rels.has(kept), kept);
        for (const left of ['info.txt', 'global.txt', 'x.log', 'build', 'build/out.bin', 'nested/secret.env']) assert.ok(!rels.has(left), left);
        assert.ok(tree.entries.find((e) => e.rel === '.git/config')?.gitConfig);

        const files = await roundTrip(tree, path.join(tmp, 'repo-out'));
        assert.match(files.get('.git/config') ?? '', /url = https:\/\/example\.invalid\/r\.git/);
        assert.ok(![...files.values()].some((c) => c.includes('TOKEN42')));
        // A folder that a repository around it ignores whole (a home folder under git, `*` ignored): its own .gitignore decides.
        const home2 = path.join(tmp, 'home-repo');
        fs.mkdirSync(path.join(home2, 'proj'), { recursive: true });
        git(home2, 'init', '-q');
        fs.writeFileSync(path.join(home2, '.gitignore'), '*\n');
        fs.writeFileSync(path.join(home2, 'proj', '.gitignore'), 'x.log\n');
        fs.writeFileSync(path.join(home2, 'proj', 'main.py'), '');
        fs.writeFileSync(path.join(home2, 'proj', 'x.log'), '');
        assert.deepEqual(
          (await walkHost(path.join(home2, 'proj'))).entries.map((e) => e.rel),
          ['', '.gitignore', 'main.py'],
        );

        // Without git (not on PATH): .gitignore files and .git/info/exclude, read by the engine itself.
        process.env.PATH = path.join(tmp, 'no-such-bin');
        const fallback = new Set((await walkHost(root)).entries.map((e) => e.rel));
        process.env.PATH = saved.PATH;
        for (const left of ['info.txt', 'x.log', 'build', 'nested/secret.env']) assert.ok(!fallback.has(left), left);
        assert.ok(fallback.has('global.txt') && fallback.has('keep.txt'), "the global excludes file is git's to apply");

        const all = await walkHost(root, { includeIgnored: true });
        assert.ok(
          all.entries.some((e) => e.rel === 'info.txt'),
          'includeIgnored copies them',
        );
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    },
  );
});
