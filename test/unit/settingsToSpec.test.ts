import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refused, settings } from './fixtures';
import { validateSpec } from '../../src/core/spec';
import { UserFacingError } from '../../src/vscode/errors';
import { SettingKeys } from '../../src/shared/settingKeys';
import { sandboxDefaultsFromSettings, specFromSettings } from '../../src/vscode/settingsToSpec';

const defaults = { [SettingKeys.image]: 'python:3.12-slim', [SettingKeys.runtime]: 'runsc' };

function invalidSettings(values: Record<string, unknown>): UserFacingError {
  return refused(() => sandboxDefaultsFromSettings(settings({ ...defaults, ...values }), validateSpec));
}

describe('settings → sandbox spec', () => {
  it('maps every setting to its spec field', () => {
    const spec = sandboxDefaultsFromSettings(
      settings({
        [SettingKeys.image]: 'node:20',
        [SettingKeys.command]: ['sleep', 'infinity'],
        [SettingKeys.env]: { DEBUG: '1' },
        [SettingKeys.workdir]: '/workspace',
        [SettingKeys.cpu]: 1.5,
        [SettingKeys.memoryMiB]: 2048,
        [SettingKeys.pidsLimit]: 1024,
        [SettingKeys.timeoutSeconds]: 3600,
        [SettingKeys.idleTimeoutSeconds]: 600,
        [SettingKeys.runtime]: 'runsc',
      }),
      validateSpec,
    );
    assert.deepEqual(spec, {
      image: 'node:20',
      command: ['sleep', 'infinity'],
      env: { DEBUG: '1' },
      workdir: '/workspace',
      cpu: 1.5,
      memoryMiB: 2048,
      pidsLimit: 1024,
      timeoutSeconds: 3600,
      idleTimeoutSeconds: 600,
      runtime: 'runsc',
    });
  });

  it('leaves unset and empty settings to the engine defaults', () => {
    const spec = specFromSettings(
      settings({
        [SettingKeys.image]: '  python:3.12-slim ',
        [SettingKeys.command]: [],
        [SettingKeys.env]: {},
        [SettingKeys.workdir]: '',
        [SettingKeys.cpu]: null,
        [SettingKeys.runtime]: ' ',
      }),
    );
    assert.deepEqual(spec, { image: 'python:3.12-slim' });
  });

  it("hands the engine a copy, not VS Code's read-only setting value", () => {
    const env = Object.freeze({ A: '1' });
    const spec = specFromSettings(settings({ [SettingKeys.env]: env }));
    assert.deepEqual(spec.env, { A: '1' });
    assert.notEqual(spec.env, env);
  });

  it('names the setting, its value and what it must be, for cpu <= 0', () => {
    const err = invalidSettings({ [SettingKeys.cpu]: 0 });
    assert.match(err.message, /^Setting "sandboxes\.defaults\.cpu" is 0, but it must be a number of CPU cores greater than 0/);
    assert.match(err.fix, /Settings or settings\.json/);
    assert.deepEqual(err.settingKeys, [SettingKeys.cpu]);
  });

  it('rejects memory below 16 MiB', () => {
    const err = invalidSettings({ [SettingKeys.memoryMiB]: 8 });
    assert.match(err.message, /"sandboxes\.defaults\.memoryMiB" is 8, but it must be .*at least 16/);
  });

  it('rejects a process limit below 16, saying what null means', () => {
    const err = invalidSettings({ [SettingKeys.pidsLimit]: 4 });
    assert.match(err.message, /"sandboxes\.defaults\.pidsLimit" is 4, but it must be .*at least 16.*or null for the default \(512\)/);
    assert.deepEqual(err.settingKeys, [SettingKeys.pidsLimit]);
  });

  it('rejects a malformed runtime name', () => {
    const err = invalidSettings({ [SettingKeys.runtime]: 'run sc' });
    assert.match(err.message, /"sandboxes\.defaults\.runtime" is "run sc", but it must be the name of a runtime registered with Docker/);
  });

  it('rejects malformed env (a non-string value, a bad name)', () => {
    assert.match(invalidSettings({ [SettingKeys.env]: { DEBUG: 1 } }).message, /"sandboxes\.defaults\.env" is \{"DEBUG":1\}/);
    assert.match(invalidSettings({ [SettingKeys.env]: { 'A=B': 'x' } }).message, /"sandboxes\.defaults\.env"/);
    assert.match(invalidSettings({ [SettingKeys.env]: ['A=1'] }).message, /"sandboxes\.defaults\.env" is \["A=1"\]/);
  });

  it('reports an empty image', () => {
    const err = invalidSettings({ [SettingKeys.image]: '' });
    assert.match(err.message, /"sandboxes\.defaults\.image" is empty, but it must be an image reference/);
  });

  it('names every invalid setting in one error', () => {
    const err = invalidSettings({ [SettingKeys.cpu]: -1, [SettingKeys.workdir]: 'relative', [SettingKeys.image]: '' });
    assert.match(err.message, /^3 sandbox settings are invalid: /);
    assert.deepEqual(err.settingKeys, [SettingKeys.image, SettingKeys.workdir, SettingKeys.cpu]);
    assert.match(err.fix, /^Change them/);
  });

  it('keeps the engine message when only the combination is refused', () => {
    const picky = (spec: unknown) => {
      const s = spec as { cpu?: number; memoryMiB?: number };
      if (s.cpu !== undefined && s.memoryMiB !== undefined) {
        throw Object.assign(new Error('Invalid sandbox settings: cpu and memoryMiB cannot both be set.'), { code: 'INVALID_SPEC', fix: '' });
      }
      return validateSpec(spec);
    };
    const values = { ...defaults, [SettingKeys.cpu]: 1, [SettingKeys.memoryMiB]: 64 };
    assert.throws(
      () => sandboxDefaultsFromSettings(settings(values), picky),
      (err: unknown) => err instanceof UserFacingError && /cpu and memoryMiB cannot both be set/.test(err.message),
    );
  });

  it('lets errors other than INVALID_SPEC through untouched', () => {
    const boom = new Error('boom');
    assert.throws(
      () =>
        sandboxDefaultsFromSettings(settings(defaults), () => {
          throw boom;
        }),
      (err: unknown) => err === boom,
    );
  });
});
