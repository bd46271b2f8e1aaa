/**
 * Adversarial tests of host files (issue #10): code inside a sandbox, as root, tries to get a
 * host file out through a copy, to leave a way out in a download, or to ride in on what git
 * would never copy. Each case attacks from inside and checks the host side.
 * - Finding 2: a readwrite sandbox swaps a file (and a folder) for a symlink to a 0600 host
 *   file outside the folder while the folder is uploaded or copied in: the secret must never
 *   arrive, and the swapped path is reported or left out, never silently corrupted.
 * - Finding 7: chained relative links that pass a lexical check, a sparse file bigger than the
 *   cap, and executable `.git/hooks` in a download.
 * - Finding 8: copy mode honours .git/info/exclude and the global core.excludesFile, and no
 *   token from .git/config reaches the sandbox.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExecProcess, Sandbox } from '../../src/core';
import { cleanupAfterFile, client, testSpec, isError } from './helpers';

cleanupAfterFile();

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'attack-files-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every path under `root` on the host (lstat, never following links). */
function hostTree(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      out.push(p);
      if (fs.lstatSync(p).isDirectory()) visit(p);
    }
  };
  visit(root);
  return out;
}

/** Blocks on the host's disk that a folder uses (sparse files count what is really written). */
function diskBytes(root: string): number {
  return Number(execFileSync('du', ['-s', '-B1', root], { encoding: 'utf8' }).split('\t')[0]);
}

describe('finding 2: a symlink swapped in after the walk (upload, sync, copy mode)', () => {
  const engine = client();
  const rwSrc = path.join(tmp, 'rw-src');
  const outside = path.join(tmp, 'outside');
  const marker = `SECRET-${randomBytes(8).toString('hex')}`;
  const secretFile = path.join(tmp, 'secret.txt');
  const secretDirFile = path.join(outside, 'inner.txt');
  const normal = 'normal content, nothing to see here at all\n';
  let attacker: Sandbox;
  let swapper: ExecProcess | undefined;

  before(async () => {
    fs.mkdirSync(path.join(rwSrc, 'd'), { recursive: true });
    fs.mkdirSync(outside);
    // Longer than the file it replaces, starting with the marker: a read of the walked size leaks it.
    fs.writeFileSync(secretFile, `${marker} first secret, longer than the normal content\n`, { mode: 0o600 });
    fs.writeFileSync(secretDirFile, `${marker} second secret, in a folder outside\n`, { mode: 0o600 });
    // Many files before zz.txt widen the window between the walk and its read.
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(rwSrc, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    fs.writeFileSync(path.join(rwSrc, 'zz.txt'), normal);
    fs.writeFileSync(path.join(rwSrc, 'd', 'inner.txt'), normal);
    attacker = await engine.create(testSpec({ mounts: [{ source: rwSrc, mode: 'readwrite', target: '/rw' }] }));
    // As root inside: swap zz.txt between the file and a link to the secret, and d between the
    // folder and a link to a folder outside, with atomic renames, bounded in time and count.
    const script = `
import os, time
os.chdir('/rw')
deadline = time.time() + 240
n = 0
while time.time() < deadline and n < 3000000:
    n += 1
    os.symlink(${JSON.stringify(secretFile)}, 'zz.lnk'); os.rename('zz.lnk', 'zz.txt')
    os.symlink(${JSON.stringify(outside)}, 'd.lnk'); os.rename('d', 'd.real'); os.rename('d.lnk', 'd')
    with open('zz.new', 'w') as f: f.write(${JSON.stringify(normal)})
    os.rename('zz.new', 'zz.txt')
    os.rename('d', 'd.lnk'); os.unlink('d.lnk'); os.rename('d.real', 'd')
`;
    swapper = await attacker.exec(['python3', '-c', script]);
    swapper.stdout.resume();
    swapper.stderr.resume();
    // The swap is running when the link shows up on the host.
    const deadline = Date.now() + 20_000;
    while (!fs.lstatSync(path.join(rwSrc, 'zz.txt')).isSymbolicLink() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  });

  after(async () => {
    await swapper?.kill('KILL').catch(() => undefined);
  });

  /** The sandbox holds no byte of either secret under `dir`; zz.txt and d/inner.txt are whole or absent. */
  async function assertClean(sandbox: Sandbox, dir: string): Promise<void> {
    const grep = await sandbox.run(['sh', '-c', 'mkdir -p "$2" && grep -rl "$1" "$2"', 'sh', marker, dir]);
    assert.equal(grep.exitCode, 1, `the secret reached the sandbox: ${grep.stdout}${grep.stderr}`);
    for (const rel of ['zz.txt', 'd/inner.txt']) {
      const file = `${dir}/${rel}`;
      const stat = await sandbox.files.stat(file).catch(() => null);
      if (stat?.type === 'file') assert.equal((await sandbox.files.read(file)).toString(), normal, `${rel} is whole, not a mix or padding`);
    }
  }

  it('upload (and Sync, the same path) never carries the secret in; a swapped path is reported', async () => {
    const victim = await engine.create(testSpec());
    const reported: unknown[] = [];
    for (let round = 0; round < 25; round++) {
      await victim.files.remove('/up', { recursive: true }).catch(() => undefined);
      await victim.files.upload(rwSrc, '/up/rw').catch((error: unknown) => reported.push(error));
      await assertClean(victim, '/up');
    }
    // A path that changed under the copy is left out and named, never an unrelated failure. The
    // swapper's own temporary names (zz.new, zz.lnk, d.lnk, d.real) come and go too, so the walk
    // may meet one of them as well.
    for (const error of reported) {
      isError('PATH_OUTSIDE', /changed while/)(error);
      assert.match((error as Error).message, /zz\.(txt|new|lnk)|\bd\b/);
    }
    const swapping = await Promise.race([swapper!.wait().then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10))]);
    assert.ok(swapping, 'the swap ran all along');
    // Host side: the secrets are as they were.
    assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(secretFile, 'utf8'), new RegExp(`^${marker}`));
    console.log(`  ${reported.length} of 25 uploads reported a swapped path`);
  });

  it('copy mode never carries the secret in', async () => {
    const reported: unknown[] = [];
    for (let round = 0; round < 4; round++) {
      let sandbox: Sandbox;
      try {
        sandbox = await engine.create(testSpec({ mounts: [{ source: rwSrc, mode: 'copy', target: '/copy' }] }));
      } catch (error) {
        // Refused and reported, nothing created: fine.
        reported.push(error);
        continue;
      }
      await assertClean(sandbox, '/copy');
      await sandbox.terminate();
    }
    for (const error of reported) isError('PATH_OUTSIDE', /changed while/)(error);
  });
});

describe('finding 7: what a download can deliver', () => {
  const engine = client();
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await engine.create(testSpec());
  });

  it('chained relative links (d1/d2/d3/l -> ../../.., up -> d1/d2/d3/l/../../../..) are not left pointing out', async () => {
    const setup = await sandbox.run([
      'sh',
      '-c',
      'mkdir -p /work/chain/d1/d2/d3 && echo ok > /work/chain/d1/f.txt && ln -s ../../.. /work/chain/d1/d2/d3/l && ln -s d1/d2/d3/l/../../../.. /work/chain/up && ln -s d1/d2/d3/l/d1/f.txt /work/chain/fine',
    ]);
    assert.equal(setup.exitCode, 0, setup.stderr);
    const dest = path.join(tmp, 'chain-parent', 'a', 'b', 'chain');
    await assert.rejects(sandbox.files.download('/work/chain', dest), isError('PATH_OUTSIDE', /\bup\b/));
    for (const p of hostTree(dest)) {
      const real = fs.realpathSync(p);
      assert.ok(real === dest || real.startsWith(dest + path.sep), `${p} resolves to ${real}, outside ${dest}`);
    }
    assert.ok(!fs.existsSync(path.join(dest, 'up')) && !fs.lstatSync(path.join(dest, 'up'), { throwIfNoEntry: false }), 'the way out was removed');
    assert.equal(fs.readFileSync(path.join(dest, 'fine'), 'utf8'), 'ok\n', 'links that resolve inside are kept');
  });

  it('caps: a sparse file bigger than the cap is refused, nothing big on disk; too many entries too', async () => {
    const setup = await sandbox.run([
      'sh',
      '-c',
      'mkdir -p /work/sparse /work/many && echo small > /work/sparse/a.txt && truncate -s 1200M /work/sparse/big && truncate -s 64M /work/sparse/mid && for i in $(seq 1 40); do : > /work/many/$i; done',
    ]);
    assert.equal(setup.exitCode, 0, setup.stderr);
    const dest = path.join(tmp, 'sparse');
    // Default cap: 1 GiB.
    await assert.rejects(sandbox.files.download('/work/sparse', dest), isError('FILE_TOO_LARGE', /1 GiB.*maxBytes|maxBytes.*1 GiB/));
    assert.ok(!fs.existsSync(dest) || diskBytes(dest) < 1 << 20, 'nothing big left on disk');
    // A lower cap, passed by the caller.
    await assert.rejects(sandbox.files.download('/work/sparse', dest, { maxBytes: 16 << 20 }), isError('FILE_TOO_LARGE', /maxBytes/));
    assert.ok(!fs.existsSync(dest) || diskBytes(dest) < 1 << 20, 'nothing big left on disk');
    await sandbox.run(['rm', '/work/sparse/big']);
    await sandbox.files.download('/work/sparse', dest, { maxBytes: 65 << 20 });
    assert.equal(fs.statSync(path.join(dest, 'mid')).size, 64 << 20, 'under the cap: downloaded');
    await assert.rejects(sandbox.files.download('/work/many', path.join(tmp, 'many'), { maxEntries: 20 }), isError('FILE_TOO_LARGE', /maxEntries/));
    assert.ok(!fs.existsSync(path.join(tmp, 'many')) || hostTree(path.join(tmp, 'many')).length <= 20);
  });

  it('.git/hooks and .vscode: refused by default, left out on request, written (executable) only when agreed', async () => {
    const setup = await sandbox.run([
      'sh',
      '-c',
      "mkdir -p /work/repo/.git/hooks /work/repo/.vscode && printf '#!/bin/sh\\necho pwned\\n' > /work/repo/.git/hooks/pre-commit && chmod 755 /work/repo/.git/hooks/pre-commit && : > /work/repo/.git/hooks/pre-push.sample && echo '{}' > /work/repo/.vscode/tasks.json && echo code > /work/repo/main.py",
    ]);
    assert.equal(setup.exitCode, 0, setup.stderr);
    const refused = path.join(tmp, 'hooks-refused');
    await assert.rejects(sandbox.files.download('/work/repo', refused), isError('PERMISSION_DENIED', /\.git.*configFolders|configFolders.*\.git/));
    assert.equal(fs.readFileSync(path.join(refused, 'main.py'), 'utf8'), 'code\n', 'the rest is downloaded');
    assert.ok(!fs.existsSync(path.join(refused, '.git')) && !fs.existsSync(path.join(refused, '.vscode')), 'no hook and no task on this machine');

    const skipped = path.join(tmp, 'hooks-skipped');
    await sandbox.files.download('/work/repo', skipped, { configFolders: 'skip' });
    assert.ok(fs.existsSync(path.join(skipped, 'main.py')) && !fs.existsSync(path.join(skipped, '.git')));

    const asked: unknown[] = [];
    const declined = path.join(tmp, 'hooks-declined');
    await sandbox.files.download('/work/repo', declined, {
      configFolders: (found) => {
        asked.push(found);
        return 'skip';
      },
    });
    assert.deepEqual(asked, [{ folders: ['.git', '.vscode'], hooks: ['.git/hooks/pre-commit'] }]);
    assert.ok(!fs.existsSync(path.join(declined, '.git')));

    const agreed = path.join(tmp, 'hooks-agreed');
    await sandbox.files.download('/work/repo', agreed, { configFolders: () => 'write' });
    assert.equal(fs.statSync(path.join(agreed, '.git', 'hooks', 'pre-commit')).mode & 0o777, 0o755, 'as it was, because the user agreed');
    assert.ok(fs.existsSync(path.join(agreed, '.vscode', 'tasks.json')));
  });
});

describe('finding 8: copy mode copies only what git would', () => {
  const engine = client();
  let hasGit = true;
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
  } catch {
    hasGit = false;
  }

  it(
    '.git/info/exclude, the global core.excludesFile and .gitignore are honoured; no token from .git/config arrives',
    { skip: hasGit ? false : 'git is not installed on this machine: the engine falls back to .gitignore files alone' },
    async () => {
      const repo = path.join(tmp, 'repo');
      const home = path.join(tmp, 'home');
      fs.mkdirSync(repo);
      fs.mkdirSync(home);
      const token = `tok${randomBytes(10).toString('hex')}`;
      const globalIgnore = path.join(home, 'global-ignore');
      fs.writeFileSync(globalIgnore, 'global-excluded.txt\n');
      const globalConfig = path.join(home, 'gitconfig');
      fs.writeFileSync(globalConfig, `[core]\n\texcludesFile = ${globalIgnore}\n`);
      const env = { ...process.env, GIT_CONFIG_GLOBAL: globalConfig, GIT_CONFIG_NOSYSTEM: '1', HOME: home };
      const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { env, stdio: 'pipe' });
      git('init', '-q');
      git('config', 'remote.origin.url', `https://user:${token}@example.invalid/x.git`);
      git('config', 'http.extraheader', `AUTHORIZATION: bearer ${token}`);
      git('config', 'credential.helper', `store --file=/nonexistent/${token}`);
      fs.appendFileSync(path.join(repo, '.git', 'info', 'exclude'), 'info-excluded.txt\n');
      fs.writeFileSync(path.join(repo, '.gitignore'), 'ignored.txt\n');
      for (const name of ['keep.txt', 'info-excluded.txt', 'global-excluded.txt', 'ignored.txt']) fs.writeFileSync(path.join(repo, name), `${name}\n`);

      const saved = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
      process.env.GIT_CONFIG_GLOBAL = globalConfig;
      process.env.GIT_CONFIG_NOSYSTEM = '1';
      let sandbox: Sandbox;
      try {
        sandbox = await engine.create(testSpec({ mounts: [{ source: repo, mode: 'copy' }] }));
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
      const result = await sandbox.run([
        'sh',
        '-c',
        'id -u; for f in keep.txt info-excluded.txt global-excluded.txt ignored.txt .git/HEAD .git/config; do test -e /workspace/$f && echo "$f"; done; grep -r -l "$1" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev; echo grep=$?',
        'sh',
        token,
      ]);
      assert.equal(result.stdout, '0\nkeep.txt\n.git/HEAD\n.git/config\ngrep=1\n', result.stderr);
      const config = (await sandbox.files.read('/workspace/.git/config')).toString();
      assert.match(config, /url = https:\/\/example\.invalid\/x\.git/, 'the remote stays, without its credentials');
      assert.doesNotMatch(config, /extraheader|credential/i);
      // Host side: the repository is untouched.
      assert.match(fs.readFileSync(path.join(repo, '.git', 'config'), 'utf8'), new RegExp(token));
    },
  );
});
