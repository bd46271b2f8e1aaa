import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { snapshotTarArgv, tarSucceeded, withoutExcluded } from '../../src/core/files/snapshotArchive';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-archive-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function namesOf(archive: Readable): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.on('end', () => next());
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.pipe(extract);
  });
  return names;
}

function archiveOf(entries: { name: string; type?: 'file' | 'directory' | 'symlink'; body?: string; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname }, e.type && e.type !== 'file' ? undefined : (e.body ?? ''));
  pack.finalize();
  return drain(pack);
}

async function drain(pack: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('snapshot archives', () => {
  it("the script skips top-level exclusions only; nested ones are the filter's", () => {
    const argv = snapshotTarArgv(['proc', 'sys', 'etc/hosts', 'workspace', 'workspace/a', 'dir with space']);
    assert.deepEqual(argv.slice(3), ['sh', 'proc', 'sys', 'workspace', 'dir with space']);
  });

  it('the script lists / without the skipped names, spaces and dot-files intact (real sh and tar)', () => {
    const root = path.join(tmp, 'root');
    for (const d of ['bin', 'proc', 'a b', '.hidden', 'skip me']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.writeFileSync(path.join(root, 'a b', 'f'), 'x');
    // The script cds to /; run it in a copy that cds to the test root instead.
    const argv = snapshotTarArgv(['proc', 'skip me']);
    const script = argv[2].replace('cd / ||', `cd ${JSON.stringify(root)} ||`);
    const out = execFileSync('/bin/sh', ['-c', script, ...argv.slice(3)]);
    const listed = execFileSync('tar', ['-t', '-f', '-'], { input: out, encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    assert.deepEqual(listed, ['.hidden/', 'a b/', 'a b/f', 'bin/']);
  });

  it('drops excluded entries and what is below them, keeps the rest byte-exact', async () => {
    const input = await archiveOf([
      { name: 'etc', type: 'directory' },
      { name: 'etc/hosts', body: '1.2.3.4 planted\n' },
      { name: 'etc/hostsfile', body: 'kept\n' },
      { name: 'workspace/a/secret', body: 'bind\n' },
      { name: './workspace/b', body: 'copied\n' },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    ]);
    const filtered = withoutExcluded(Readable.from([input]), ['etc/hosts', 'workspace/a']);
    const [names, done] = await Promise.all([namesOf(filtered.output), filtered.done]);
    assert.deepEqual(names, ['etc', 'etc/hostsfile', './workspace/b', 'bin/sh']);
    assert.equal(done.entries, 4);
  });

  it('a cut-off archive rejects, and the output ends with an error instead of looking whole', async () => {
    const whole = await archiveOf([
      { name: 'big', body: 'x'.repeat(100_000) },
      { name: 'after', body: 'y' },
    ]);
    const filtered = withoutExcluded(Readable.from([whole.subarray(0, 20_000)]), []);
    const outputError = new Promise<Error>((resolve) => filtered.output.once('error', resolve));
    await assert.rejects(filtered.done, /Unexpected end of data/);
    assert.match((await outputError).message, /Unexpected end of data/, 'the archive for Docker ends in an error');
  });

  it("exit 1 counts as success only for GNU tar's changing-file warnings", () => {
    assert.equal(tarSucceeded(0, ''), true);
    assert.equal(tarSucceeded(1, 'tar: ./var/log/x: file changed as we read it'), true);
    assert.equal(tarSucceeded(1, "tar: unrecognized option '--exclude'"), false);
    assert.equal(tarSucceeded(1, ''), false);
    assert.equal(tarSucceeded(2, 'tar: ./x: file changed as we read it'), false);
  });
});
