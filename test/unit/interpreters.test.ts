import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chooseInterpreter, parseShebang, sandboxFileName, uploadAndProbeArgv } from '../../src/vscode/commands/interpreters';

describe('interpreter choice', () => {
  it('follows the language', () => {
    assert.deepEqual(chooseInterpreter('python', 'print(1)')?.candidates, [['python3'], ['python']]);
    assert.deepEqual(chooseInterpreter('shellscript', 'echo hi')?.candidates, [['bash'], ['sh']]);
    assert.deepEqual(chooseInterpreter('javascript', '')?.candidates[0], ['node']);
  });

  it('prefers the shebang line over the language', () => {
    const choice = chooseInterpreter('python', '#!/usr/bin/env python3.12 -u');
    assert.deepEqual(choice?.candidates, [['python3.12', '-u']]);
    assert.match(choice?.label ?? '', /shebang/);
  });

  it('has no answer for text without a shebang', () => {
    assert.equal(chooseInterpreter('plaintext', 'hello'), undefined);
    assert.deepEqual(chooseInterpreter('plaintext', '#!/bin/sh')?.candidates, [['/bin/sh']]);
  });

  it('names the fix when the interpreter is missing', () => {
    assert.match(chooseInterpreter('python', '')?.installHint ?? '', /sandboxes\.defaults\.image.*python:3\.12-slim/);
    assert.match(chooseInterpreter('javascript', '')?.installHint ?? '', /node/);
  });
});

describe('shebang lines', () => {
  it('are parsed like the kernel and env -S', () => {
    assert.deepEqual(parseShebang('#!/bin/bash'), ['/bin/bash']);
    assert.deepEqual(parseShebang('#! /bin/sh -e\r'), ['/bin/sh', '-e']);
    assert.deepEqual(parseShebang('#!/usr/bin/env node'), ['node']);
    assert.deepEqual(parseShebang('#!/usr/bin/env -S deno run --allow-read'), ['deno', 'run', '--allow-read']);
  });

  it('are only a first line starting with #!', () => {
    assert.equal(parseShebang('# comment'), undefined);
    assert.equal(parseShebang('#!'), undefined);
    assert.equal(parseShebang('#!/usr/bin/env'), undefined);
    assert.equal(parseShebang('print("#!/bin/sh")'), undefined);
  });
});

describe('file names in the sandbox', () => {
  it('keep the editor name, give untitled files their extension, drop unsafe characters', () => {
    assert.equal(sandboxFileName('main.py', 'python', false), 'main.py');
    assert.equal(sandboxFileName('Untitled-1', 'python', true), 'Untitled-1.py');
    assert.equal(sandboxFileName('my script $(x).sh', 'shellscript', false), 'my_script___x_.sh');
  });
});

describe('upload and probe script', () => {
  // A pure /bin/sh script: run it here, as the sandbox's /bin/sh would.
  const run = (path: string, candidates: string[][], stdin: string) => {
    try {
      return { code: 0, out: execFileSync(uploadAndProbeArgv(path, candidates)[0]!, uploadAndProbeArgv(path, candidates).slice(1), { input: stdin }).toString() };
    } catch (err) {
      return { code: (err as { status: number }).status, out: '' };
    }
  };

  it('writes stdin to the path and prints the first candidate that exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-'));
    try {
      const file = join(dir, 'sub', 'main.py');
      const result = run(file, [['no-such-interpreter-xyz'], ['sh'], ['cat']], 'print(6 * 7)\n');
      assert.deepEqual(result, { code: 0, out: '1\n' });
      assert.equal(readFileSync(file, 'utf8'), 'print(6 * 7)\n');
      assert.equal(run(file, [['no-such-interpreter-xyz']], '').code, 127);
      assert.equal(run('/proc/not-writable/x', [['sh']], '').code, 90);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
