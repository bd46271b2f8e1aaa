/**
 * Files: copying a workspace in and reading a file out, against `docker cp` on the same
 * containers in the same run, interleaved. A generated 5,000-file workspace (50 folders,
 * 0.5–8 KiB files, ~21 MiB, no .gitignore so both sides copy the same files):
 *   copy-in at creation  ours: copyMountsIn (what create({ mounts: [{ mode: 'copy' }] }) runs) into a
 *                        created, not started runsc container; baseline: `docker cp DIR/. ID:/workspace`
 *                        into another such container. Fresh containers per sample (untimed).
 *   upload (running)     ours: sandbox.files.upload(DIR, '/up/N'); baseline: `docker cp DIR/. ID:/cp-N`
 *                        into the same running sandbox, for scale only (no target): Docker writes
 *                        to the container's root filesystem on the host, which gVisor has cached,
 *                        so the sandbox usually does not see the copy at all (counted in `extra`).
 *   read 10 MiB          ours: sandbox.files.read(path) into a Buffer (cat over exec); baseline:
 *                        `docker cp ID:path -` (a tar on stdout, read to the end). The file was
 *                        copied in before start, so Docker's archive API sees it at all.
 *   read 10 MiB written inside   the same for a file the sandbox wrote, which Docker's archive
 *                        API cannot see; baseline: `docker exec ID cat path` read to the end (CLI).
 * Targets: ours ≤ 1.2× the CLI for copy-in and both reads; upload is reported.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { connect, type Sandbox } from '../src/core';
import { copyMountsIn } from '../src/core/files/mounts';
import { BASELINE_LABEL, engineTags, removeContainer, runChecked } from './lib/cleanup';
import { intFromEnv, interleave, result, type BenchContext, type BenchResult } from './lib/harness';
import { createWithGuard } from './lib/sandboxes';

const FILES = 5000;
const READ_BYTES = 10 * 1024 * 1024;

/** Deterministic sizes, random contents (nothing compresses or dedupes). */
function generateWorkspace(root: string): { files: number; bytes: number } {
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(root, `pkg${i % 50}`, i % 3 === 0 ? 'nested' : '');
    fs.mkdirSync(dir, { recursive: true });
    const size = 512 + ((i * 7919) % (8 * 1024 - 512));
    fs.writeFileSync(path.join(dir, `file ${i}.txt`), randomBytes(size));
    bytes += size;
  }
  return { files: FILES, bytes };
}

/** A docker CLI command whose stdout is counted (not decoded) to the end; resolves with the byte count once it exits. */
function dockerBytes(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (size += chunk.length));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(size) : reject(new Error(`docker ${args[0]} exited ${code}: ${stderr}`))));
  });
}

export async function filesBench(ctx: BenchContext): Promise<BenchResult[]> {
  const nCopy = intFromEnv('BENCH_FILES_COPY_N', 8, 5);
  const nRead = intFromEnv('BENCH_FILES_READ_N', 20, 10);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'files-bench-'));
  const workspace = path.join(tmp, 'ws');
  const generated = generateWorkspace(workspace);
  const bigFile = path.join(tmp, 'big', 'big.bin');
  fs.mkdirSync(path.dirname(bigFile));
  fs.writeFileSync(bigFile, randomBytes(READ_BYTES));
  ctx.log(`  workspace: ${generated.files} files, ${(generated.bytes / 2 ** 20).toFixed(1)} MiB`);

  const client = connect();
  const created: string[] = [];
  const createdContainer = async (): Promise<string> => {
    const c = await ctx.docker.createContainer({
      Image: ctx.image,
      Cmd: ['true'],
      Labels: { [BASELINE_LABEL]: ctx.runId },
      HostConfig: { Runtime: 'runsc', NetworkMode: 'none' },
    });
    created.push(c.id);
    return c.id;
  };
  let sandbox: Sandbox | undefined;
  try {
    // 1. Copy-in at creation, into created containers.
    const copyIn = await interleave({
      warmup: 1,
      n: nCopy,
      log: ctx.log,
      label: 'copy-in',
      ours: async () => {
        const container = ctx.docker.getContainer(await createdContainer());
        const started = performance.now();
        await copyMountsIn(container, [{ source: workspace, mode: 'copy', target: '/workspace' }]);
        return performance.now() - started;
      },
      baseline: async () => {
        const id = await createdContainer();
        const started = performance.now();
        await runChecked('docker', ['cp', `${workspace}/.`, `${id}:/workspace`]);
        return performance.now() - started;
      },
      between: async () => {
        for (const id of created.splice(0)) await removeContainer(ctx.docker, id);
      },
    });

    // 2 and 3 on one running sandbox whose image has the 10 MiB file in its root filesystem.
    sandbox = await createWithGuard(
      client,
      { image: ctx.image, tags: engineTags(ctx.runId), mounts: [{ source: path.dirname(bigFile), mode: 'copy', target: '/data' }] },
      ctx.log,
    );
    const target = sandbox;
    let round = 0;
    let dockerCpRounds = 0;
    let dockerCpVisible = 0;
    const upload = await interleave({
      warmup: 1,
      n: nCopy,
      log: ctx.log,
      label: 'upload',
      ours: async () => {
        const started = performance.now();
        await target.files.upload(workspace, `/up/${round}`);
        return performance.now() - started;
      },
      baseline: async () => {
        const started = performance.now();
        await runChecked('docker', ['cp', `${workspace}/.`, `${target.containerId}:/cp-${round}`]);
        const ms = performance.now() - started;
        const seen = await target.run(['sh', '-c', `ls /cp-${round}/pkg0 2>/dev/null | wc -l`]);
        dockerCpRounds++;
        if (Number(seen.stdout.trim()) >= 60) dockerCpVisible++;
        return ms;
      },
      between: async () => {
        round++;
        // Keep the sandbox's memory (its writes live there) from growing through the run.
        await target.run(['sh', '-c', 'rm -rf /up /cp-*']);
      },
    });

    const read = await interleave({
      warmup: 2,
      n: nRead,
      log: ctx.log,
      label: 'read',
      ours: async () => {
        const started = performance.now();
        const data = await target.files.read('/data/big.bin');
        const ms = performance.now() - started;
        if (data.length !== READ_BYTES) throw new Error(`read ${data.length} bytes`);
        return ms;
      },
      baseline: async () => {
        const started = performance.now();
        const size = await dockerBytes(['cp', `${target.containerId}:/data/big.bin`, '-']);
        const ms = performance.now() - started;
        if (size < READ_BYTES) throw new Error(`docker cp gave ${size} bytes`);
        return ms;
      },
    });
    await target.run(['sh', '-c', `head -c ${READ_BYTES} /dev/urandom > /inside.bin`]);
    const readInside = await interleave({
      warmup: 2,
      n: nRead,
      log: ctx.log,
      label: 'read-inside',
      ours: async () => {
        const started = performance.now();
        const data = await target.files.read('/inside.bin');
        const ms = performance.now() - started;
        if (data.length !== READ_BYTES) throw new Error(`read ${data.length} bytes`);
        return ms;
      },
      baseline: async () => {
        const started = performance.now();
        const size = await dockerBytes(['exec', target.containerId, 'cat', '/inside.bin']);
        const ms = performance.now() - started;
        if (size !== READ_BYTES) throw new Error(`docker exec cat gave ${size} bytes`);
        return ms;
      },
    });
    const target12 = { op: '<=' as const, ratio: 1.2, text: '≤ 1.2× docker cp' };
    const target12Exec = { op: '<=' as const, ratio: 1.2, text: '≤ 1.2× docker exec cat' };
    const extra = { files: generated.files, mebibytes: Math.round((generated.bytes / 2 ** 20) * 10) / 10 };
    return [
      result(
        'files-copy-in-5000',
        { ours: 'copy mount at creation (putArchive of a walked tree)', baseline: 'docker cp DIR/. ID:/workspace (created container)' },
        copyIn,
        target12,
        { extra },
      ),
      result('files-upload-5000', { ours: 'sandbox.files.upload (tar over exec)', baseline: 'docker cp DIR/. ID:/cp-N (running sandbox; not seen inside)' }, upload, null, {
        extra: { ...extra, dockerCpVisibleInside: `${dockerCpVisible}/${dockerCpRounds}` },
      }),
      result('files-read-10MiB', { ours: 'sandbox.files.read (cat over exec)', baseline: 'docker cp ID:/data/big.bin - (CLI)' }, read, target12, {
        extra: { bytes: READ_BYTES },
      }),
      result('files-read-10MiB-written-inside', { ours: 'sandbox.files.read (cat over exec)', baseline: 'docker exec ID cat /inside.bin (CLI)' }, readInside, target12Exec, {
        extra: { bytes: READ_BYTES },
      }),
    ];
  } finally {
    for (const id of created) await removeContainer(ctx.docker, id);
    await sandbox?.terminate();
    await client.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
