/**
 * A client in a process of its own, for the fault tests (faults.test.ts, zz-daemon-restart.test.ts):
 * creates one sandbox from the spec given as JSON in argv[2] and prints one line per step, so the
 * test can kill it (SIGKILL) at a moment it chooses:
 *
 *   pid <pid>                   at start
 *   copy {"files":…,"bytes":…}   progress of the workspace copy (CopyProgress)
 *   progress <message>          the engine's other progress messages
 *   created <sandbox id>        then it closes its client and exits 0
 *   failed <code> <message>     likewise, exit 0 (the test decides whether a failure was expected)
 *
 * Run as: node --import tsx test/integration/faultChild.ts '<spec json>'
 */
import { connect, type SandboxSpec } from '../../src/core';

// Pipes are written synchronously on Linux: a line is out before the next step starts.
const say = (line: string) => process.stdout.write(`${line.replace(/\n/g, ' ')}\n`);

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as SandboxSpec;
  say(`pid ${process.pid}`);
  const client = connect();
  try {
    const sandbox = await client.create(spec, {
      onCopyProgress: (p) => say(`copy ${JSON.stringify(p)}`),
      onProgress: (message) => say(`progress ${message}`),
    });
    say(`created ${sandbox.id}`);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    say(`failed ${e.code ?? 'ERROR'} ${e.message ?? String(error)}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

void main().then(() => process.exit(0));
