/**
 * Terminals and running code in a real extension host: the "Sandbox shell" terminal profile,
 * the pseudoterminal's Ctrl+C, resize and its behaviour when the sandbox is stopped from
 * outside, and "Run Active File in Sandbox" with unsaved text. Command history is typed into
 * the QuickPick by test/vscode/ui/runCommandHistory.mjs (the extension host cannot type).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { Logger } from '../../../src/core/types';
import type { RunFileResult } from '../../../src/vscode/commands/runActiveFile';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { SandboxPseudoterminal } from '../../../src/vscode/terminal/sandboxPseudoterminal';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-terminal-${process.pid}` };
let api: SandboxesApi;
let sandbox: Sandbox;
/**
 * Untitled editors of the Run Active File tests, closed only at the end: a closed untitled
 * editor's name (Untitled-1) is given to the next one while the old document may linger.
 */
const documents: vscode.TextDocument[] = [];

const quietLog: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => console.error(m) };

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  const id = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', { tags: TAGS, name: `term-${process.pid}` });
  assert.ok(id, 'created a sandbox');
  sandbox = await api.client().fromId(id);
});

after(async () => {
  for (const document of documents) {
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  for (const terminal of vscode.window.terminals) terminal.dispose();
  for (const s of await api.client().list({ tags: TAGS })) await s.terminate();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A file the terminal's shell wrote, read back through the engine. */
async function readWhenWritten(target: Sandbox, file: string): Promise<string> {
  return waitFor(`${file} written`, async () => {
    const { stdout } = await target.run(['/bin/sh', '-c', `cat ${file} 2>/dev/null || true`]);
    return stdout.trim() || undefined;
  });
}

function closed(terminal: vscode.Terminal): Promise<vscode.Terminal> {
  return new Promise((resolve) => {
    const listener = vscode.window.onDidCloseTerminal((t) => {
      if (t === terminal) {
        listener.dispose();
        resolve(t);
      }
    });
  });
}

test('"Sandbox shell" from the terminal profiles opens a shell in the picked sandbox', async () => {
  // The picker preselects the sandbox of the active terminal: open one, so the pick is ours even
  // while other sandboxes on this Docker engine are newer.
  const first = await vscode.commands.executeCommand<vscode.Terminal>('sandboxes.openTerminal', sandbox.id);
  await waitFor('the first terminal is active', () => vscode.window.activeTerminal === first);
  const opened = new Promise<vscode.Terminal>((resolve) => {
    const listener = vscode.window.onDidOpenTerminal((t) => {
      if (t !== first) {
        listener.dispose();
        resolve(t);
      }
    });
  });
  // As the terminal dropdown does: create a terminal from the contributed profile.
  const creating = vscode.commands.executeCommand('workbench.action.terminal.newWithProfile', {
    config: { extensionIdentifier: 'sandboxes.gvisor-sandboxes', id: 'sandboxes.sandboxShell', title: 'Sandbox shell' },
  });
  let profileTerminal: vscode.Terminal | undefined;
  void opened.then((t) => (profileTerminal = t));
  // Enter in the picker, as soon as it has its list (Enter while it loads is ignored).
  await waitFor('a terminal from the profile', async () => {
    if (!profileTerminal) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    return profileTerminal;
  });
  await creating;
  const terminal = profileTerminal!;
  try {
    assert.equal((terminal.creationOptions as { pty?: { sandboxName?: string } }).pty?.sandboxName, sandbox.name);
    terminal.sendText('{ uname -r; [ -t 0 ] && echo tty; } > /tmp/profile.tmp; mv /tmp/profile.tmp /tmp/profile.txt');
    assert.deepEqual((await readWhenWritten(sandbox, '/tmp/profile.txt')).split('\n'), ['4.4.0', 'tty']);
  } finally {
    terminal.dispose();
    first.dispose();
  }
});

test('the pseudoterminal passes Ctrl+C to the PTY and applies resizes', async () => {
  const terminal = await vscode.commands.executeCommand<vscode.Terminal>('sandboxes.openTerminal', sandbox.id);
  const pty = (terminal.creationOptions as vscode.ExtensionTerminalOptions).pty as SandboxPseudoterminal;
  try {
    terminal.sendText('sleep 123');
    await waitFor('sleep running', async () => (await sandbox.run(['/bin/sh', '-c', 'pgrep -xf "sleep 123" || true'])).stdout.trim() || undefined);
    // What the terminal sends for Ctrl+C: the byte 0x03, which the PTY turns into SIGINT.
    terminal.sendText('\x03', false);
    // A separate line: an interactive shell drops the rest of a line that Ctrl+C interrupted.
    terminal.sendText('echo "status=$?" > /tmp/ctrlc.txt');
    assert.equal(await readWhenWritten(sandbox, '/tmp/ctrlc.txt'), 'status=130');

    pty.setDimensions({ columns: 97, rows: 31 });
    terminal.sendText('stty size > /tmp/size.tmp; mv /tmp/size.tmp /tmp/size.txt');
    assert.equal(await readWhenWritten(sandbox, '/tmp/size.txt'), '31 97');
  } finally {
    terminal.dispose();
  }
});

test('a sandbox stopped from outside ends its terminal with a message, then a key closes it', async () => {
  const id = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', { tags: TAGS });
  const doomed = await api.client().fromId(id!);
  const pty = new SandboxPseudoterminal(doomed, quietLog);
  let text = '';
  pty.onDidWrite((data) => (text += data));
  const terminal = vscode.window.createTerminal({ name: doomed.name, pty });
  terminal.show();
  await waitFor('the shell prompt', () => /[$#] $/.test(text.trimEnd() + ' '));
  const exited = new Promise<number | undefined>((resolve) => pty.onDidExit(resolve));

  // As a script would, through a client of its own.
  const outside = api.connect();
  try {
    await (await outside.fromId(doomed.id)).terminate();
  } finally {
    await outside.close();
  }
  await exited;
  await waitFor('the message', () => /was removed|stopped/.test(text));
  assert.match(text, new RegExp(`Sandbox "${doomed.name}" (was removed|stopped \\(exit code \\d+\\)), so its shell ended`));
  assert.match(text, /Press any key to close this terminal/);
  const gone = closed(terminal);
  terminal.sendText('x', false);
  await gone;
});

test('Run Active File runs the editor text, unsaved changes included, and reports the output', async () => {
  const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'import sys\nprint("first")\n' });
  documents.push(document);
  const editor = await vscode.window.showTextDocument(document);
  // Unsaved: an untitled document edited in the editor, never written anywhere.
  await editor.edit((edit) => edit.insert(new vscode.Position(2, 0), 'print(6 * 7)\nsys.exit(3)\n'));
  const result = await vscode.commands.executeCommand<RunFileResult>('sandboxes.runActiveFile', sandbox.id);
  assert.ok(result, 'the command returned a result');
  assert.equal(result.exitCode, 3);
  assert.deepEqual(result.output.replace(/\r/g, '').trim().split('\n'), ['first', '42']);
  const terminal = vscode.window.terminals.find((t) => t.name.startsWith('Untitled') && t.name.endsWith(sandbox.name));
  assert.ok(terminal, `a terminal shows the run: ${vscode.window.terminals.map((t) => t.name).join(', ')}`);
  terminal.dispose();
});

test('Run Active File runs shell scripts by their shebang, and refuses what the image cannot run', async () => {
  const script = await vscode.workspace.openTextDocument({ language: 'plaintext', content: '#!/bin/sh\necho "shebang $0"\n' });
  documents.push(script);
  await vscode.window.showTextDocument(script);
  // As the editor title menu passes it: the file's URI.
  const ran = await vscode.commands.executeCommand<RunFileResult>('sandboxes.runActiveFile', sandbox.id, script.uri);
  assert.equal(ran?.exitCode, 0);
  assert.match(ran?.output ?? '', /^shebang \/tmp\/sandboxes-run\/Untitled-\d+/);

  // The test image has no JavaScript runtime: the command fails with a notification, runs nothing.
  const before = vscode.window.terminals.length;
  const js = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'console.log(1)\n' });
  documents.push(js);
  await vscode.window.showTextDocument(js);
  assert.equal(await vscode.commands.executeCommand('sandboxes.runActiveFile', sandbox.id, js.uri), undefined);
  assert.equal(vscode.window.terminals.length, before);
});
