import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  commandLineFromArg,
  createOverridesFromArg,
  networkChoiceFromArg,
  sandboxIdFromArg,
  terminateOptionsFromArg,
  validateSandboxName,
} from '../../src/vscode/commands/commandArgs';

describe('command arguments', () => {
  it('takes a sandbox as an id string or an object with an id', () => {
    assert.equal(sandboxIdFromArg(undefined), undefined);
    assert.equal(sandboxIdFromArg('sb-123'), 'sb-123');
    assert.equal(sandboxIdFromArg({ id: 'sb-123', name: 'x' }), 'sb-123');
    assert.throws(() => sandboxIdFromArg(''), TypeError);
    assert.equal(sandboxIdFromArg({ kind: 'ports', sandboxId: 'sb-123' }), 'sb-123', 'a tree node names its sandbox by sandboxId');
    assert.throws(() => sandboxIdFromArg({ name: 'x' }), /Expected a sandbox id or an object with a string "id" or "sandboxId", got an object with keys \[name\]/);
    assert.throws(() => sandboxIdFromArg(42), TypeError);
  });

  it('creates non-interactively when given an object', () => {
    assert.equal(createOverridesFromArg(undefined), undefined);
    assert.deepEqual(createOverridesFromArg({}), {});
    assert.deepEqual(createOverridesFromArg({ name: 'a', image: 'busybox' }), { name: 'a', image: 'busybox' });
    assert.throws(() => createOverridesFromArg('busybox'), TypeError);
    assert.throws(() => createOverridesFromArg(['busybox']), /an array/);
  });

  it('takes a network mode for Toggle Network, or undefined to ask', () => {
    assert.equal(networkChoiceFromArg(undefined), undefined);
    for (const mode of ['open', 'blocked', 'allowlist', 'settings']) assert.equal(networkChoiceFromArg(mode), mode);
    assert.throws(() => networkChoiceFromArg('closed'), /Expected one of 'open', 'blocked', 'allowlist', 'settings', got "closed"/);
    assert.throws(() => networkChoiceFromArg({ mode: 'open' }), TypeError);
  });

  it('takes a command line string', () => {
    assert.equal(commandLineFromArg('echo hi'), 'echo hi');
    assert.equal(commandLineFromArg(undefined), undefined);
    assert.throws(() => commandLineFromArg('  '), TypeError);
    assert.throws(() => commandLineFromArg(['echo', 'hi']), TypeError);
  });

  it('takes terminate options', () => {
    assert.deepEqual(terminateOptionsFromArg(undefined), {});
    assert.deepEqual(terminateOptionsFromArg({ confirm: false }), { confirm: false });
    assert.throws(() => terminateOptionsFromArg({ confirm: 'no' }), TypeError);
  });

  it('validates sandbox names as the engine does', () => {
    assert.equal(validateSandboxName(''), undefined);
    assert.equal(validateSandboxName('my-box_1.2'), undefined);
    assert.match(validateSandboxName('-box') ?? '', /starting with a letter or digit/);
    assert.match(validateSandboxName('a b') ?? '', /letters, digits/);
    assert.match(validateSandboxName('a'.repeat(64)) ?? '', /at most 63/);
  });
});
