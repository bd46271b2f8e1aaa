import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core/errors';
import { isCancellation, presentError, settingsSearchQuery, UserFacingError, withFix } from '../../src/vscode/errors';

describe('error presentation', () => {
  it('shows a setup failure with its fix, "Check Setup" and "Show Log"', () => {
    for (const code of ['DOCKER_UNREACHABLE', 'RUNTIME_MISSING', 'RUNTIME_BROKEN'] as const) {
      const shown = presentError(new SandboxError(code, 'Docker is not reachable at unix:///var/run/docker.sock', 'Start dockerd.'), 'Create Sandbox');
      assert.deepEqual(shown, {
        kind: 'actionable',
        text: 'Docker is not reachable at unix:///var/run/docker.sock. Start dockerd.',
        actions: ['checkSetup', 'showLog'],
        settingKeys: [],
      });
    }
  });

  it('offers only the log for other engine errors', () => {
    const shown = presentError(new SandboxError('NOT_FOUND', 'No sandbox "x".', 'Create one.'), 'Open Terminal');
    assert.equal(shown.kind, 'actionable');
    assert.deepEqual(shown.kind === 'actionable' && shown.actions, ['showLog']);
  });

  it('recognises an engine error by shape, whichever copy of the class threw it', () => {
    const foreign = Object.assign(new Error('Image missing.'), { code: 'IMAGE_UNAVAILABLE', fix: 'Pull it.' });
    assert.equal(presentError(foreign, 'Create Sandbox').kind, 'actionable');
  });

  it('offers to open the settings a settings error names', () => {
    const err = new UserFacingError('Setting "sandboxes.defaults.cpu" is 0.', 'Change it.', ['sandboxes.defaults.cpu']);
    assert.deepEqual(presentError(err, 'Create Sandbox'), {
      kind: 'actionable',
      text: 'Setting "sandboxes.defaults.cpu" is 0. Change it.',
      actions: ['openSettings', 'showLog'],
      settingKeys: ['sandboxes.defaults.cpu'],
    });
  });

  it('says nothing about a cancellation, from any layer', () => {
    const abort = new Error('This operation was aborted');
    abort.name = 'AbortError';
    const vscodeCancel = new Error('Canceled');
    vscodeCancel.name = 'Canceled';
    for (const err of [new SandboxError('CANCELLED', 'Cancelled.', ''), abort, vscodeCancel]) {
      assert.equal(isCancellation(err), true);
      assert.deepEqual(presentError(err, 'Create Sandbox'), { kind: 'cancelled' });
    }
  });

  it('names the command for an unexpected error and points to the log', () => {
    assert.deepEqual(presentError(new TypeError('x is undefined'), 'Run Command in Sandbox…'), {
      kind: 'unexpected',
      text: 'Run Command in Sandbox… failed: x is undefined. The log has the details.',
      actions: ['showLog'],
    });
    assert.equal(presentError('a string', 'Check Setup').kind, 'unexpected');
  });

  it('joins message and fix as sentences', () => {
    assert.equal(withFix('Broken', 'Fix it'), 'Broken. Fix it.');
    assert.equal(withFix('Broken!', '  '), 'Broken!');
  });

  it('searches the Settings editor for exactly the named settings', () => {
    assert.equal(settingsSearchQuery(['sandboxes.defaults.cpu']), 'sandboxes.defaults.cpu');
    assert.equal(settingsSearchQuery(['sandboxes.defaults.cpu', 'sandboxes.defaults.env']), 'sandboxes.defaults');
    assert.equal(settingsSearchQuery(['sandboxes.defaults.cpu', 'sandboxes.docker.host']), 'sandboxes');
    assert.equal(settingsSearchQuery([]), 'sandboxes');
  });
});
