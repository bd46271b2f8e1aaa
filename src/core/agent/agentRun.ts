/**
 * The agent tools' `sandbox_run` (agentSession.ts): runs one command in the agent sandbox, streams
 * its output to the user's view of it, caps what is kept, and kills the command's process tree on
 * a timeout, a cancelled call or the user's stop.
 */
import type { Sandbox } from '../sandbox';
import type { AgentToolResult, RunView } from './agentResult';
import { CappedText } from './cappedText';
import type { AgentLimits } from './limits';
import type { RunInput } from './toolInput';

export async function runInSandbox(sandbox: Sandbox, input: RunInput, signal: AbortSignal, limits: AgentLimits, view: RunView | undefined): Promise<AgentToolResult> {
  const started = Date.now();
  const proc = await sandbox.exec(input.argv, { workdir: input.cwd });
  const stdout = new CappedText(limits.outputBytes);
  const stderr = new CappedText(limits.outputBytes);
  proc.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    view?.output(chunk);
  });
  proc.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    view?.output(chunk);
  });
  proc.stdin.end();
  let stopped: 'timeout' | 'cancelled' | 'stopped' | undefined;
  let killed: (() => void) | undefined;
  const gaveUp = new Promise<number>((resolve) => (killed = () => setTimeout(() => resolve(-1), 5000).unref()));
  const stop = (why: 'timeout' | 'cancelled' | 'stopped') => {
    if (stopped) return;
    stopped = why;
    // Kill the whole process tree inside the sandbox; if that cannot work, stop waiting.
    void proc
      .kill('KILL')
      .catch(() => undefined)
      .finally(() => killed?.());
  };
  const timer = setTimeout(() => stop('timeout'), input.timeoutSeconds * 1000);
  const onAbort = () => stop('cancelled');
  signal.addEventListener('abort', onAbort);
  view?.onStop(() => stop('stopped'));
  let exitCode: number;
  try {
    exitCode = await Promise.race([proc.wait(), gaveUp]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (stopped) proc.close();
  }
  return runResult(sandbox.name, { exitCode, stopped, seconds: (Date.now() - started) / 1000, timeoutSeconds: input.timeoutSeconds }, stdout, stderr, limits, view);
}

/** What happened to the command, in words. */
function describeStop(stopped: 'timeout' | 'cancelled' | 'stopped' | undefined, timeoutSeconds: number, exitCode: number): string {
  if (stopped === 'timeout') return `killed after the timeout of ${timeoutSeconds} s`;
  if (stopped === 'cancelled') return 'killed: the tool call was cancelled';
  if (stopped === 'stopped') return 'killed: the user stopped it in the terminal';
  return `exit code ${exitCode}`;
}

/** The call's result: the outcome in words with both outputs (capped), and the same structured. */
function runResult(
  sandboxName: string,
  run: { exitCode: number; stopped: 'timeout' | 'cancelled' | 'stopped' | undefined; seconds: number; timeoutSeconds: number },
  stdout: CappedText,
  stderr: CappedText,
  limits: AgentLimits,
  view: RunView | undefined,
): AgentToolResult {
  const data = {
    sandbox: sandboxName,
    exitCode: run.exitCode,
    stdout: stdout.text('stdout'),
    stderr: stderr.text('stderr'),
    stdoutBytes: stdout.total,
    stderrBytes: stderr.total,
    truncated: stdout.truncated || stderr.truncated,
    outputCapBytes: limits.outputBytes,
    seconds: Math.round(run.seconds * 1000) / 1000,
  };
  const outcome = describeStop(run.stopped, run.timeoutSeconds, run.exitCode);
  view?.end(`[${outcome}, ${data.seconds} s]`);
  const text = [
    `${outcome} (${data.seconds} s, in sandbox ${sandboxName}; stdout and stderr are each capped at ${limits.outputBytes} bytes).`,
    `--- stdout (${stdout.total} bytes) ---`,
    data.stdout,
    `--- stderr (${stderr.total} bytes) ---`,
    data.stderr,
  ].join('\n');
  if (run.stopped) {
    const code = run.stopped === 'timeout' ? 'TIMED_OUT' : 'CANCELLED';
    const fix = run.stopped === 'timeout' ? 'Give a larger "timeoutSeconds" (within the cap), or run it in the background and poll.' : 'Run it again if it is still needed.';
    return { ok: false, text: `Error (${code}): ${text}\nFix: ${fix}`, data: { ...data, error: { code, message: `The command was ${outcome}.`, fix } } };
  }
  return { ok: true, text, data };
}
