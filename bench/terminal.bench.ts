/**
 * "Terminal throughput": `cat` of a 20 MiB text file in one running sandbox, read through a PTY.
 *   ours:     the engine's PTY exec as the "Open Terminal" pseudoterminal starts it
 *             (`sandbox.exec(argv, { pty: size, env: TERM… })`), its output decoded with the
 *             pseudoterminal's own Utf8StreamDecoder, until `wait()` resolves with exit code 0;
 *   baseline: `docker exec -t ID cat FILE` through the docker CLI (child_process), until it exits.
 * Both against the same container, interleaved; throughput = bytes received / time. VS Code's
 * event emitter and xterm.js rendering are not included (they are the same for any extension).
 */
import { connect, type Sandbox } from '../src/core';
import { Utf8StreamDecoder } from '../src/vscode/terminal/terminalText';
import { engineTags, runChecked } from './lib/cleanup';
import { intFromEnv, interleave, result, type BenchContext, type BenchResult } from './lib/harness';
import { createWithGuard } from './lib/sandboxes';

const FILE = '/tmp/bench-20mib.txt';
/** 15 MiB of random bytes as base64 lines: 20 MiB of text, 76 columns wide. */
const MAKE_FILE = `head -c 15728640 /dev/urandom | base64 > ${FILE}`;
const MIB = 1024 * 1024;

export async function terminalBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_TERMINAL_N', 10, 5);
  const client = connect();
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await createWithGuard(client, { image: ctx.image, tags: engineTags(ctx.runId) }, ctx.log);
    const target = sandbox;
    const made = await target.run(['/bin/sh', '-c', `${MAKE_FILE} && wc -c < ${FILE}`]);
    if (made.exitCode !== 0) throw new Error(`making ${FILE} failed: ${made.stderr}`);
    const fileBytes = Number(made.stdout.trim());
    const bytes = { ours: [] as number[], baseline: [] as number[] };

    // Throughput samples in MiB/s; the harness takes whatever number a sample returns.
    const ours = async (): Promise<number> => {
      const started = performance.now();
      const proc = await target.exec(['cat', FILE], { pty: { cols: 120, rows: 40 }, env: { TERM: 'xterm-256color', COLORTERM: 'truecolor' } });
      const decoder = new Utf8StreamDecoder();
      let received = 0;
      proc.stdout.on('data', (chunk: Buffer) => {
        received += chunk.length;
        decoder.write(chunk);
      });
      const code = await proc.wait();
      decoder.end();
      const ms = performance.now() - started;
      if (code !== 0) throw new Error(`engine: cat exited ${code}`);
      bytes.ours.push(received);
      return received / MIB / (ms / 1000);
    };
    const baseline = async (): Promise<number> => {
      const out = await runChecked('docker', ['exec', '-t', target.containerId, 'cat', FILE]);
      const received = Buffer.byteLength(out.stdout);
      bytes.baseline.push(received);
      return received / MIB / (out.ms / 1000);
    };
    const samples = await interleave({ warmup: 1, n, ours, baseline, log: ctx.log, label: 'terminal' });
    for (const side of ['ours', 'baseline'] as const) {
      const short = bytes[side].find((b) => b < fileBytes);
      if (short !== undefined) throw new Error(`${side}: a sample received ${short} bytes, less than the file's ${fileBytes} (all: ${bytes[side].join(', ')})`);
    }
    return result(
      'terminal-throughput',
      { ours: 'PTY exec (engine) + UTF-8 decode: cat 20 MiB', baseline: 'docker exec -t ID cat (CLI)' },
      samples,
      { op: '>=', ratio: 1, text: "at least the CLI's throughput" },
      { unit: 'MiB/s', tails: [10], extra: { fileBytes, bytesPerSample: { ours: bytes.ours[0], baseline: bytes.baseline[0] } } },
    );
  } finally {
    await sandbox?.terminate();
    await client.close();
  }
}
