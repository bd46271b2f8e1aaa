/**
 * "Run Command in Sandbox…": runs a command line with `/bin/sh -c` in a running sandbox and
 * streams its output to the "Sandbox Commands" channel. The command line is typed or picked from
 * this workspace's recent ones, and remembered. Called as `(sandboxId, commandLine)` it asks
 * nothing, remembers nothing, shows no notification and returns `{ exitCode, output }`.
 */
import type { Readable } from 'node:stream';
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import { Utf8StreamDecoder } from '../terminal/terminalText';
import { commandLineFromArg } from './commandArgs';
import type { CommandContext } from './commandContext';
import { pickCommandLine } from './pickCommandLine';
import { requireRunning, resolveSandbox } from './pickSandbox';
import { showInformationMessage, showWarningMessage, withProgress } from '../uiText';

export interface RunCommandResult {
  exitCode: number;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
}

export async function runCommand(context: CommandContext, sandboxArg?: unknown, commandLineArg?: unknown): Promise<RunCommandResult | undefined> {
  const givenCommandLine = commandLineFromArg(commandLineArg);
  const sandbox = await resolveSandbox(context, sandboxArg, { title: 'Run Command in Sandbox', offerCreate: true });
  if (!sandbox) {
    return undefined;
  }
  await requireRunning(sandbox, 'run a command');

  const interactive = givenCommandLine === undefined;
  const commandLine = givenCommandLine ?? (await pickCommandLine(context.commandHistory, `Run Command in Sandbox "${sandbox.name}"`));
  if (commandLine === undefined) {
    return undefined;
  }
  if (interactive) {
    await context.commandHistory.add(commandLine);
    context.commandOutput.show();
  }

  const result = await runStreaming(context, sandbox, commandLine);
  if (interactive) {
    void announceExit(context, sandbox, commandLine, result.exitCode);
  }
  return result;
}

async function runStreaming(context: CommandContext, sandbox: Sandbox, commandLine: string): Promise<RunCommandResult> {
  const channel = context.commandOutput;
  channel.appendLine(`\n[${new Date().toLocaleTimeString()}] ${sandbox.name}$ ${commandLine}`);
  context.log.info(`Running in ${sandbox.name}: ${commandLine}`);

  const execution = await sandbox.exec(['/bin/sh', '-c', commandLine]);
  // Nothing will be typed into it: end its input, so a command that reads stdin gets EOF instead of hanging.
  execution.stdin.end();

  const output: string[] = [];
  const collect = (stream: Readable) => {
    const decoder = new Utf8StreamDecoder();
    const emit = (text: string) => {
      output.push(text);
      channel.append(text);
    };
    stream.on('data', (chunk: Uint8Array | string) => emit(decoder.write(chunk)));
    stream.on('end', () => emit(decoder.end()));
  };
  collect(execution.stdout);
  collect(execution.stderr);

  const exitCode = await withProgress({ location: vscode.ProgressLocation.Window, title: `Running "${abbreviate(commandLine)}" in ${sandbox.name}` }, () => execution.wait());
  channel.appendLine(`[exit code ${exitCode}]`);
  context.log.info(`Command in ${sandbox.name} exited with code ${exitCode}: ${commandLine}`);
  return { exitCode, output: output.join('') };
}

async function announceExit(context: CommandContext, sandbox: Sandbox, commandLine: string, exitCode: number) {
  const showOutput = 'Show Output';
  const message = `"${abbreviate(commandLine)}" exited with code ${exitCode} in sandbox "${sandbox.name}".`;
  const choice = exitCode === 0 ? await showInformationMessage(message, showOutput) : await showWarningMessage(message, showOutput);
  if (choice === showOutput) {
    context.commandOutput.show();
  }
}

function abbreviate(commandLine: string, max = 50): string {
  const oneLine = commandLine.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
