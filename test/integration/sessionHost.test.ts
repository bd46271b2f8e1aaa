/**
 * The terminal session host (src/core/sessions, dist/sessionHost.js) on the real engine: a shell
 * opened through it survives its client detaching (a window reload), comes back with its
 * scrollback and what it printed meanwhile, keeps at most its scrollback bound in memory, ends
 * with its sandbox, is reachable only by this user, and the host exits once idle. The host runs
 * in a run directory of this test's own, so it is this test's alone.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SessionClient, SessionProcess } from '../../src/core';
import { readPidFile } from '../../src/core/lifetime';
import { sessionPidFile, sessionSocketPath } from '../../src/core/sessions/sessionHostProcess';
import { cleanupAfterFile, client, testSpec, until } from './helpers';

cleanupAfterFile();

const SCROLLBACK = 4096;
const SHELL = ['/bin/sh', '-c', 'exec bash --norc -i'];
const ENV = { TERM: 'xterm-256color', PS1: 'PROMPT$ ' };

describe('terminal session host', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sessions-test-'));
  const runDir = path.join(home, 'run');
  const engine = client({ runDir });
  let sessions: SessionClient;
  let hostPid: number | null = null;

  before(() => {
    sessions = engine.terminalSessions({ SANDBOXES_SESSION_SCROLLBACK_BYTES: String(SCROLLBACK), SANDBOXES_SESSION_IDLE_MS: '1500' });
  });

  after(() => {
    // Only the host this test started (its pid file is in the test's own run directory).
    hostPid ??= readPidFile(sessionPidFile(runDir, engine.endpoint.description));
    if (hostPid !== null) {
      try {
        process.kill(hostPid, 'SIGTERM');
      } catch {
        // gone already
      }
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  function collect(proc: SessionProcess): { text: () => string } {
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { text: () => output };
  }

  async function openShell(sandbox: { id: string; containerId: string; name: string }): Promise<SessionProcess> {
    // An idle host may have exited between two tests: the one serving this session is the one to watch.
    const opened = await sessions.open({
      containerId: sandbox.containerId,
      sandboxId: sandbox.id,
      sandboxName: sandbox.name,
      workspace: 'test-workspace',
      title: sandbox.name,
      argv: SHELL,
      env: ENV,
      size: { cols: 100, rows: 30 },
    });
    hostPid = readPidFile(sessionPidFile(runDir, engine.endpoint.description));
    return opened;
  }

  it('reattaches after a detach with the scrollback and what was printed meanwhile', async () => {
    const sandbox = await engine.create(testSpec());
    const first = await openShell(sandbox);
    const seen = collect(first);
    await until(async () => seen.text().includes('PROMPT$ '), 15_000, 'the prompt');
    first.stdin.write('echo BEFORE-$((6*7)); sleep 1; echo DURING-$((7*8))\n');
    await until(async () => seen.text().includes('BEFORE-42'), 10_000, 'the first output');
    first.close(); // the window reloads

    const [listed] = (await until(
      async () => {
        const all = await sessions.list();
        return all.length === 1 && all[0].attached === 0 && all;
      },
      5000,
      'the session listed as detached',
    ))!;
    assert.equal(listed.sandboxId, sandbox.id);
    assert.equal(listed.workspace, 'test-workspace');

    await new Promise((resolve) => setTimeout(resolve, 1500)); // DURING is printed while nobody is attached
    const second = await sessions.attach(listed.id, { cols: 100, rows: 30 });
    const again = collect(second);
    await until(async () => again.text().includes('DURING-56'), 10_000, 'the output printed while detached');
    assert.match(again.text(), /BEFORE-42/, 'the scrollback from before the detach');
    second.stdin.write('echo AFTER-$((8*9))\n');
    await until(async () => again.text().includes('AFTER-72'), 10_000, 'the reattached shell answering');
    second.stdin.write('exit 3\n');
    assert.equal(await second.wait(), 3, 'the shell exit code reaches the attached client');
    await until(async () => (await sessions.list()).length === 0, 5000, 'the session gone once its shell exited');
    await sandbox.terminate();
  });

  it('keeps no more than its scrollback bound, however much is printed', async () => {
    const sandbox = await engine.create(testSpec());
    const shell = await openShell(sandbox);
    const seen = collect(shell);
    await until(async () => seen.text().includes('PROMPT$ '), 15_000, 'the prompt');
    shell.stdin.write("head -c 2000000 /dev/zero | tr '\\0' x; echo; echo END-$((5*5))\n");
    await until(async () => seen.text().includes('END-25'), 30_000, 'two megabytes of output');
    const stats = (await sessions.stats())!;
    assert.equal(stats.scrollbackCapacity, SCROLLBACK);
    assert.equal(stats.sessions.length, 1);
    assert.ok(stats.sessions[0].scrollbackBytes <= SCROLLBACK, `holds ${stats.sessions[0].scrollbackBytes} bytes`);
    shell.close();

    const [listed] = await sessions.list();
    const back = await sessions.attach(listed.id);
    const replay = collect(back);
    await until(async () => replay.text().includes('END-25'), 5000, 'the replay');
    assert.ok(replay.text().length <= SCROLLBACK, `replayed ${replay.text().length} bytes`);
    back.close();
    await sandbox.terminate();
  });

  it('ends a session when its sandbox ends, attached or not', async () => {
    const sandbox = await engine.create(testSpec());
    const attached = await openShell(sandbox);
    const seen = collect(attached);
    const detached = await openShell(sandbox);
    detached.close();
    await until(async () => seen.text().includes('PROMPT$ '), 15_000, 'the prompt');
    assert.equal((await sessions.list()).length, 2);

    await sandbox.terminate();
    const outcome = await attached.wait().then(
      (code) => `exit ${code}`,
      (err: { code?: string; message: string }) => `${err.code}: ${err.message}`,
    );
    assert.match(outcome, /^(exit \d+|NOT_RUNNING: The terminal session ended)/);
    await until(async () => (await sessions.list()).length === 0, 35_000, 'both sessions ended with the sandbox');
  });

  it('ends a session whose terminal was closed, hanging up its shell', async () => {
    const sandbox = await engine.create(testSpec());
    const shell = await openShell(sandbox);
    const seen = collect(shell);
    await until(async () => seen.text().includes('PROMPT$ '), 15_000, 'the prompt');
    const [listed] = await sessions.list();
    await sessions.end(listed.id);
    await assert.rejects(shell.wait(), /terminal session ended/);
    assert.deepEqual(await sessions.list(), []);
    await until(
      async () => {
        const ps = await sandbox.run(['/bin/sh', '-c', 'ps -eo comm= | grep -c "^bash$" || true']);
        return ps.stdout.trim() === '0';
      },
      10_000,
      'the shell hung up inside the sandbox',
    );
    await sandbox.terminate();
  });

  it('is reachable by this user only: a 0600 socket in a 0700 directory, refused to another user', async () => {
    const socket = sessionSocketPath(runDir, engine.endpoint.description);
    assert.ok(fs.lstatSync(socket).isSocket());
    assert.equal(fs.statSync(socket).mode & 0o777, 0o600);
    assert.equal(fs.statSync(runDir).mode & 0o777, 0o700);
    // Even with the directory opened up, the socket itself refuses another user.
    fs.chmodSync(home, 0o755);
    fs.chmodSync(runDir, 0o711);
    try {
      const attempt = execFileSync(
        'runuser',
        [
          '-u',
          'nobody',
          '--',
          'python3',
          '-c',
          'import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n  s.connect(sys.argv[1]); print("connected")\nexcept OSError as e: print(type(e).__name__)',
          socket,
        ],
        { encoding: 'utf8' },
      ).trim();
      assert.equal(attempt, 'PermissionError');
    } finally {
      fs.chmodSync(runDir, 0o700);
      fs.chmodSync(home, 0o700);
    }
  });

  it('exits by itself once it has no session and no client', async () => {
    assert.ok(hostPid !== null);
    await until(
      async () => {
        try {
          process.kill(hostPid!, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'the idle host to exit',
    );
    assert.equal(fs.existsSync(sessionSocketPath(runDir, engine.endpoint.description)), false, 'its socket removed');
    hostPid = null;
  });
});
