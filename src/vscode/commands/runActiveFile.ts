/**
 * "Run Active File in Sandbox": the active editor's text, unsaved changes included, is written
 * into the sandbox through an exec's stdin (no bind mount: nothing of the host is shared) and run
 * in a terminal with the interpreter its shebang line or language names (interpreters.ts).
 *
 * From the editor title or context menu the file's URI is the first argument. Called as
 * `(sandboxId)` or `(sandboxId, uri)` it picks nothing, waits for the program to end and
 * returns `{ exitCode, output }` (the terminal stays open).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { SandboxInfo } from '../../core/types';
import { UserFacingError } from '../errors';
import { SandboxPseudoterminal } from '../terminal/sandboxPseudoterminal';
import { sandboxNameOfTerminal } from '../tree/sandboxTerminals';
import type { CommandContext } from './commandContext';
import { chooseInterpreter, copyFailedMessage, RUNNABLE_LANGUAGES, sandboxFileName, uploadAndProbeArgv, type InterpreterChoice } from './interpreters';
import { banner } from './openTerminal';
import { requireRunning, resolveSandbox } from './pickSandbox';

/** Where files are written in the sandbox; /tmp is writable in nearly every image. */
const RUN_DIR = '/tmp/sandboxes-run';
const TITLE = 'Run Active File in Sandbox';

export interface RunFileResult {
  /** `undefined` when the program could not start or the sandbox went away. */
  exitCode: number | undefined;
  /** What the program wrote to its terminal. */
  output: string;
}

export async function runActiveFile(context: CommandContext, ...args: unknown[]): Promise<RunFileResult | vscode.Terminal | undefined> {
  const [first, second] = args;
  const uri = first instanceof vscode.Uri ? first : second instanceof vscode.Uri ? second : undefined;
  const sandboxArg = first instanceof vscode.Uri ? undefined : first;
  const document = await documentToRun(uri);
  const fileName = path.posix.basename(document.uri.path) || 'untitled';
  const interpreter = chooseInterpreter(document.languageId, document.lineCount > 0 ? document.lineAt(0).text : '');
  if (!interpreter) {
    throw new UserFacingError(
      `Cannot tell how to run ${fileName}: it has no shebang line and its language ("${document.languageId}") has no interpreter.`,
      `Add a first line such as #!/usr/bin/env python3, or set the editor's language to one of ${RUNNABLE_LANGUAGES.join(', ')}`,
    );
  }

  const sandbox = await resolveSandbox(context, sandboxArg, { title: TITLE, offerCreate: true });
  if (!sandbox) {
    return undefined;
  }
  const info = await requireRunning(sandbox, 'run a file');
  const target = `${RUN_DIR}/${sandboxFileName(fileName, document.languageId, document.isUntitled)}`;
  const argv = await upload(context, sandbox, info, document.getText(), target, interpreter, fileName);
  context.log.info(`${TITLE}: ${argv.join(' ')} in ${info.name}`);

  const intro = banner(info);
  const pty = new SandboxPseudoterminal(sandbox, context.log, { argv, banner: { ...intro, text: `${intro.text}\n$ ${argv.join(' ')}` } });
  const output: string[] = [];
  const waitForExit = sandboxArg === undefined ? undefined : collect(pty, output);
  const name = `${fileName} · ${info.name}`;
  // Running the same file again replaces its previous run, as VS Code's own "Run File" commands do.
  for (const old of vscode.window.terminals.filter((t) => t.name === name && sandboxNameOfTerminal(t) === info.name)) {
    old.dispose();
  }
  const terminal = vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('play'), isTransient: true });
  terminal.show();
  if (!waitForExit) {
    return terminal;
  }
  return { exitCode: await waitForExit, output: output.join('') };
}

async function documentToRun(uri: vscode.Uri | undefined): Promise<vscode.TextDocument> {
  if (uri) {
    // The open document, if any, has the unsaved changes.
    return vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString()) ?? (await vscode.workspace.openTextDocument(uri));
  }
  const document = vscode.window.activeTextEditor?.document;
  if (!document) {
    throw new UserFacingError('No file is open in an editor.', `Open the file to run, then run "Sandboxes: ${TITLE}" again`);
  }
  return document;
}

/** Writes the file and finds its interpreter in one exec; returns the command line to run. */
async function upload(
  context: CommandContext,
  sandbox: Sandbox,
  info: SandboxInfo,
  text: string,
  target: string,
  interpreter: InterpreterChoice,
  fileName: string,
): Promise<string[]> {
  const result = await sandbox.run(uploadAndProbeArgv(target, interpreter.candidates), { stdin: text });
  const chosen = interpreter.candidates[Number(result.stdout.trim())];
  if (result.exitCode === 0 && chosen) {
    return [...chosen, target];
  }
  if (result.exitCode === 127) {
    const names = interpreter.candidates.map((argv) => argv[0]).join(' or ');
    throw new UserFacingError(
      `Cannot run ${fileName} in sandbox "${info.name}": ${interpreter.label} needs ${names}, which its image ${info.image} does not have.`,
      interpreter.installHint,
    );
  }
  // The sandbox wrote this output: all of it goes to the log, the message shows an excerpt made plain.
  context.log.warn(`${TITLE}: copying ${fileName} to ${target} in ${info.name} failed with exit code ${result.exitCode}; its output:\n${result.stderr}`);
  throw new UserFacingError(
    copyFailedMessage(fileName, target, info.name, result.stderr, result.exitCode),
    `The sandbox needs a writable ${RUN_DIR} and /bin/sh with mkdir and cat; check its image`,
  );
}

function collect(pty: SandboxPseudoterminal, output: string[]): Promise<number | undefined> {
  pty.onDidOutput((text) => output.push(text));
  return new Promise((resolve) => pty.onDidExit(resolve));
}
