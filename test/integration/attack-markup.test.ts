/**
 * Issue #10, finding 1, from inside a real gVisor sandbox as root: what the sandbox writes (a
 * symlink target, stderr of a replaced `cat` or `mkdir`) reaches the engine's error messages as it
 * is — a `[Click](command:…)` link — and the adapter's message builders (the pure ones the
 * notifications are made from) show it as text that VS Code cannot render as a link.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SandboxError, type Sandbox } from '../../src/core';
import { copyFailedMessage, uploadAndProbeArgv } from '../../src/vscode/commands/interpreters';
import { presentError } from '../../src/vscode/errors';
import { mapFileError } from '../../src/vscode/files/fileErrors';
import { COMMAND_LINK, notificationLinks } from '../unit/markup';
import { cleanupAfterFile, client, testSpec } from './helpers';

cleanupAfterFile();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-markup-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A shell script that prints the link to stderr and fails, to put in place of a tool. */
function linkPrinter(exitCode: number): string {
  return `#!/bin/sh\necho 'error: ${COMMAND_LINK}' >&2\nexit ${exitCode}\n`;
}

/** Replaces a program inside the sandbox, as root; printf, since `cat` may be the one replaced. */
async function replaceTool(sandbox: Sandbox, tool: string, script: string): Promise<void> {
  const result = await sandbox.run(['sh', '-c', 'p=$(command -v "$1") && printf "%s" "$2" > "$p.new" && chmod 755 "$p.new" && mv "$p.new" "$p" && id -u', 'sh', tool, script]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout.trim(), '0', 'runs as root inside');
}

function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected the operation to fail'),
    (error: unknown) => error,
  );
}

/** The engine's message carries the link (the attack is real), the adapter's text does not. */
function assertNeutralised(err: unknown, title: string): void {
  assert.ok(err instanceof SandboxError, String(err));
  assert.ok(notificationLinks(err.message).length > 0, `the engine passes on what the sandbox wrote: ${err.message}`);
  const shown = presentError(err, title);
  assert.ok(shown.kind === 'actionable', shown.kind);
  assert.deepEqual(notificationLinks(shown.text), [], shown.text);
  assert.match(shown.text, /\[Click\] \(command:/, 'still says what the sandbox printed, as text');
  const file = mapFileError(err);
  assert.deepEqual(notificationLinks(file.message), [], file.message);
}

describe('attack: sandbox text as a command link in notifications', () => {
  const engine = client();
  let sandbox: Sandbox;

  before(async () => {
    sandbox = await engine.create(testSpec({ name: `markup-${process.pid}` }));
  });

  it('a symlink whose target is a command link, refused by Download (PATH_OUTSIDE)', async () => {
    const made = await sandbox.run(['sh', '-c', 'mkdir -p /tmp/d && echo ok > /tmp/d/fine.txt && ln -s "/$1" /tmp/d/evil', 'sh', COMMAND_LINK]);
    assert.equal(made.exitCode, 0, made.stderr);
    const out = path.join(tmp, 'download');
    const err = await caught(sandbox.files.download('/tmp/d', out));
    assert.equal((err as SandboxError).code, 'PATH_OUTSIDE');
    assertNeutralised(err, 'Download from Sandbox');
    assert.equal(fs.readFileSync(path.join(out, 'fine.txt'), 'utf8'), 'ok\n', 'the rest was downloaded');
  });

  it('stderr of a replaced `cat` in a files API error (an editor opening a sandbox file)', async () => {
    await replaceTool(sandbox, 'cat', linkPrinter(1));
    const err = await caught(sandbox.files.read('/etc/hostname'));
    assertNeutralised(err, 'Open');
  });

  it('stderr of a replaced `mkdir` in Run Active File\'s "Could not copy…"', async () => {
    await replaceTool(sandbox, 'mkdir', linkPrinter(1));
    const result = await sandbox.run(uploadAndProbeArgv('/tmp/sandboxes-run/main.py', [['python3']]), { stdin: 'print(1)\n' });
    assert.equal(result.exitCode, 90, result.stderr);
    assert.ok(notificationLinks(result.stderr).length > 0, result.stderr);
    const message = copyFailedMessage('main.py', '/tmp/sandboxes-run/main.py', sandbox.name, result.stderr, result.exitCode);
    assert.deepEqual(notificationLinks(message), [], message);
  });
});
