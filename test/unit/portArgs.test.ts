import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { portFromArg, portTargetFromArgs, targetPathFromArg, tunnelKindFromArg } from '../../src/vscode/ports/portArgs';

describe('port command arguments', () => {
  it('take a sandbox (id or object) and a port, or ask for what is missing', () => {
    assert.deepEqual(portTargetFromArgs(undefined, undefined), { sandboxId: undefined, port: undefined });
    assert.deepEqual(portTargetFromArgs('sb-abc', 8000), { sandboxId: 'sb-abc', port: 8000 });
    assert.deepEqual(portTargetFromArgs({ id: 'sb-abc' }, '8000'), { sandboxId: 'sb-abc', port: 8000 });
    assert.deepEqual(portTargetFromArgs('sb-abc', undefined), { sandboxId: 'sb-abc', port: undefined });
  });

  it('take one forwarded-port reference, as a tree menu passes it', () => {
    assert.deepEqual(portTargetFromArgs({ sandboxId: 'sb-abc', containerPort: 8000, kind: 'encrypted' }, undefined), { sandboxId: 'sb-abc', port: 8000 });
  });

  it('refuse what is not a port or a kind', () => {
    for (const bad of [0, 65536, 1.5, '80a', true, {}]) assert.throws(() => portFromArg(bad), TypeError, String(bad));
    assert.throws(() => portTargetFromArgs(42, 8000), TypeError);
    assert.equal(tunnelKindFromArg(undefined), undefined);
    assert.equal(tunnelKindFromArg('h2'), 'h2');
    assert.throws(() => tunnelKindFromArg('https'), /'unencrypted', 'encrypted', 'h2'/);
  });

  it('take a target path or file Uri for the CA export', () => {
    assert.equal(targetPathFromArg(undefined), undefined);
    assert.equal(targetPathFromArg('/tmp/ca.pem'), '/tmp/ca.pem');
    assert.equal(targetPathFromArg({ fsPath: '/tmp/ca.pem', scheme: 'file' }), '/tmp/ca.pem');
    assert.throws(() => targetPathFromArg(''), TypeError);
  });
});
