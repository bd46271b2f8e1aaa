/**
 * How "Run Active File" runs a file: the program named by its shebang line, else an interpreter
 * chosen by the editor's language. Each language lists candidates in order of preference; the
 * first one installed in the sandbox is used. Pure, so it is unit-tested.
 */
import { lastLine, plainText } from '../untrustedText';

export interface InterpreterChoice {
  /** For messages, e.g. "Python" or "the shebang line". */
  label: string;
  /** Commands to try in order; the file's path is appended to the first that exists. */
  candidates: string[][];
  /** What to tell the user when none exists in the sandbox. */
  installHint: string;
}

interface LanguageEntry {
  label: string;
  candidates: string[][];
  /** An image that has it, for the fix in the error message. */
  /** An image (on the default registry) that has the interpreter, suggested when it is missing. */
  image?: string;
  extension: string;
}

/** By VS Code language id. package.json's `editor/title` menu lists the same ids (unit-tested). */
const LANGUAGES: Record<string, LanguageEntry> = {
  python: { label: 'Python', candidates: [['python3'], ['python']], image: 'python:3.12-slim', extension: '.py' },
  shellscript: { label: 'shell script', candidates: [['bash'], ['sh']], image: 'debian:bookworm-slim', extension: '.sh' },
  javascript: { label: 'JavaScript', candidates: [['node'], ['bun'], ['deno', 'run']], image: 'node:20-bookworm-slim', extension: '.js' },
  typescript: { label: 'TypeScript', candidates: [['deno', 'run'], ['bun'], ['tsx']], image: 'denoland/deno', extension: '.ts' },
  ruby: { label: 'Ruby', candidates: [['ruby']], image: 'ruby:3.3-slim', extension: '.rb' },
  perl: { label: 'Perl', candidates: [['perl']], image: 'perl:5-slim', extension: '.pl' },
  php: { label: 'PHP', candidates: [['php']], image: 'php:8-cli', extension: '.php' },
  lua: { label: 'Lua', candidates: [['lua'], ['luajit']], image: 'nickblah/lua', extension: '.lua' },
  r: { label: 'R', candidates: [['Rscript']], image: 'r-base', extension: '.R' },
  // No suggestion: PowerShell's images are published on a registry of their own, and the
  // extension names no registry host.
  powershell: { label: 'PowerShell', candidates: [['pwsh']], extension: '.ps1' },
};

export const RUNNABLE_LANGUAGES: readonly string[] = Object.keys(LANGUAGES);

/** `#!/usr/bin/env python3 -u` → `['python3', '-u']`; `#!/bin/bash` → `['/bin/bash']`; otherwise `undefined`. */
export function parseShebang(firstLine: string): string[] | undefined {
  const match = /^#!\s*(\S.*)$/.exec(firstLine.replace(/\r$/, ''));
  if (!match?.[1]) {
    return undefined;
  }
  // Linux hands everything after the program to it as one argument; splitting on spaces, as
  // `env -S` does, is what people who write `#!/usr/bin/env -S node --flag` mean.
  let argv = match[1].trim().split(/\s+/);
  if (/(^|\/)env$/.test(argv[0] ?? '')) {
    argv = argv.slice(1);
    while (argv[0]?.startsWith('-')) {
      argv = argv.slice(1);
    }
  }
  return argv.length > 0 ? argv : undefined;
}

/** `undefined` when neither the shebang nor the language says how to run the file. */
export function chooseInterpreter(languageId: string, firstLine: string): InterpreterChoice | undefined {
  const shebang = parseShebang(firstLine);
  if (shebang) {
    return {
      label: `the shebang line (${shebang.join(' ')})`,
      candidates: [shebang],
      installHint: `Install ${shebang[0]} in the image, or change the file's first line`,
    };
  }
  const entry = LANGUAGES[languageId];
  if (!entry) {
    return undefined;
  }
  const names = entry.candidates.map((argv) => argv[0]).join(', ');
  return {
    label: entry.label,
    candidates: entry.candidates,
    installHint: `Use an image that has ${names} (${entry.image ? `e.g. set sandboxes.defaults.image to ${entry.image}` : 'set sandboxes.defaults.image to it'} and create a new sandbox), or install it in this sandbox from its terminal`,
  };
}

/**
 * The file name in the sandbox: the editor's, or for an untitled editor one with the language's
 * extension. Only characters safe in any shell message are kept.
 */
export function sandboxFileName(baseName: string, languageId: string, untitled: boolean): string {
  const extension = LANGUAGES[languageId]?.extension ?? '';
  const name = untitled && !/\.[A-Za-z0-9]+$/.test(baseName) ? `${baseName}${extension}` : baseName;
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || `file${extension}`;
}

/**
 * One `/bin/sh` script (argv after `sh -c SCRIPT sh`): writes stdin to `path`, then prints the
 * index of the first candidate program that exists. Exit 90: the file could not be written;
 * 127: no candidate exists.
 */
export function uploadAndProbeArgv(path: string, candidates: readonly string[][]): string[] {
  const script = [
    'path=$1; shift',
    'mkdir -p "$(dirname "$path")" && cat > "$path" || exit 90',
    'i=0; for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { echo "$i"; exit 0; }; i=$((i+1)); done; exit 127',
  ].join('\n');
  return ['/bin/sh', '-c', script, 'sh', path, ...candidates.map((argv) => argv[0] ?? '')];
}

/**
 * The message when the file could not be written into the sandbox. `stderr` is whatever the
 * sandbox's `sh`, `mkdir` and `cat` printed (root inside can replace them): only its last line, made
 * plain and bounded, is shown; the caller logs all of it.
 */
export function copyFailedMessage(fileName: string, target: string, sandboxName: string, stderr: string, exitCode: number): string {
  const said = lastLine(stderr);
  const detail = said ? `${said} (exit code ${exitCode}; its whole output is in the gVisor Sandboxes log)` : `exit code ${exitCode}`;
  return `Could not copy ${plainText(fileName)} to ${target} in sandbox "${plainText(sandboxName)}": ${detail}.`;
}
