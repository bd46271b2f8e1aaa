import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidr } from '../../src/core/network/policy';
import { validateSpec } from '../../src/core/spec';
import { parseDomainEntry } from '../../src/core/network/domains';
import { SettingKeys } from '../../src/shared/settingKeys';
import {
  EMPTY_FORM,
  EMPTY_ROW_ERROR,
  checkForm,
  formModelFromSettings,
  joinCommandLine,
  parsePortList,
  settingsFromForm,
  splitCommandLine,
  suggestionOf,
} from '../../src/shared/createFormModel';
import type { CreateFormModel } from '../../src/shared/webviewProtocol';
import { settings } from './fixtures';

const engine = { validateSpec, parseCidr };
const form = (overrides: Partial<CreateFormModel>): CreateFormModel => ({ ...EMPTY_FORM, image: 'python:3.12-slim', ...overrides });

describe('Create Sandbox form: settings → form', () => {
  it('fills every field from the settings, as text', () => {
    const model = formModelFromSettings(
      settings({
        [SettingKeys.image]: ' node:20 ',
        [SettingKeys.command]: ['python3', '-c', 'print("hi there")'],
        [SettingKeys.cpu]: 1.5,
        [SettingKeys.memoryMiB]: 512,
        [SettingKeys.pidsLimit]: 1024,
        [SettingKeys.timeoutSeconds]: 3600,
        [SettingKeys.idleTimeoutSeconds]: 0,
        [SettingKeys.cidrAllowlist]: ['10.0.0.0/8', '192.0.2.7'],
        [SettingKeys.encryptedPorts]: [8443],
        [SettingKeys.unencryptedPorts]: [8000, 8001],
      }),
    );
    assert.deepEqual(model, {
      ...EMPTY_FORM,
      image: 'node:20',
      command: `python3 -c 'print("hi there")'`,
      cpu: '1.5',
      memoryMiB: '512',
      pidsLimit: '1024',
      timeoutSeconds: '3600',
      idleTimeoutSeconds: '',
      networkMode: 'allowlist',
      cidrAllowlist: ['10.0.0.0/8', '192.0.2.7'],
      unencryptedPorts: '8000, 8001',
      encryptedPorts: '8443',
    });
  });

  it('blocked wins over a list, which stays in the rows; nothing set means open', () => {
    const blocked = formModelFromSettings(settings({ [SettingKeys.blockNetwork]: true, [SettingKeys.cidrAllowlist]: ['10.0.0.0/8'] }));
    assert.equal(blocked.networkMode, 'blocked');
    assert.deepEqual(blocked.cidrAllowlist, ['10.0.0.0/8']);
    assert.deepEqual(formModelFromSettings(settings({})), EMPTY_FORM);
  });

  it('shows invalid settings as they are, so the form is where they get fixed', () => {
    const model = formModelFromSettings(settings({ [SettingKeys.cpu]: -1, [SettingKeys.cidrAllowlist]: ['10.0.0.1/8'] }));
    assert.equal(model.cpu, '-1');
    assert.deepEqual(model.cidrAllowlist, ['10.0.0.1/8']);
  });
});

describe('Create Sandbox form: checking', () => {
  it('turns a valid form into spec fields the engine accepts', () => {
    const { spec, errors } = checkForm(
      form({
        name: 'demo-1',
        command: 'python3 -m http.server 8000',
        cpu: '0.5',
        memoryMiB: '256',
        timeoutSeconds: '600',
        idleTimeoutSeconds: '60',
        networkMode: 'allowlist',
        cidrAllowlist: ['10.0.0.0/8', ' 192.0.2.7 ', '10.0.0.0/8'],
        encryptedPorts: '8000',
        h2Ports: '50051',
      }),
      engine,
    );
    assert.deepEqual(errors, {});
    assert.deepEqual(spec, {
      image: 'python:3.12-slim',
      name: 'demo-1',
      command: ['python3', '-m', 'http.server', '8000'],
      cpu: 0.5,
      memoryMiB: 256,
      timeoutSeconds: 600,
      idleTimeoutSeconds: 60,
      blockNetwork: false,
      cidrAllowlist: ['10.0.0.0/8', '192.0.2.7/32'],
      encryptedPorts: [8000],
      h2Ports: [50051],
    });
    assert.doesNotThrow(() => validateSpec(spec));
  });

  it('flags each bad field with what it accepts', () => {
    const { errors } = checkForm(
      form({ name: '-x', image: 'has space', cpu: '0', memoryMiB: '8', timeoutSeconds: '1.5', idleTimeoutSeconds: 'soon', command: 'echo "open' }),
      engine,
    );
    assert.deepEqual(Object.keys(errors).sort(), ['command', 'cpu', 'idleTimeoutSeconds', 'image', 'memoryMiB', 'name', 'timeoutSeconds']);
    assert.match(errors.cpu ?? '', /greater than 0/);
    assert.match(errors.memoryMiB ?? '', /at least 16/);
    assert.match(errors.command ?? '', /double quote is not closed/);
  });

  it('flags allowlist rows by index with the same words as the settings, host bits included', () => {
    const { errors } = checkForm(form({ networkMode: 'allowlist', cidrAllowlist: ['10.0.0.0/8', '10.0.0.1/8', '300.1.1.1'] }), engine);
    assert.deepEqual(Object.keys(errors).sort(), ['cidrAllowlist.1', 'cidrAllowlist.2']);
    assert.match(errors['cidrAllowlist.1'] ?? '', /host bits set; did you mean 10\.0\.0\.0\/8\?/);
    assert.match(errors['cidrAllowlist.2'] ?? '', /is not an IPv4 or IPv6 address or CIDR/);
  });

  it('flags an empty row instead of dropping it (issue #14: "an empty row is flagged, not silently dropped")', () => {
    const { errors, spec } = checkForm(form({ networkMode: 'allowlist', cidrAllowlist: ['10.0.0.0/8', '  ', '192.0.2.7'] }), engine);
    assert.deepEqual(Object.keys(errors), ['cidrAllowlist.1']);
    assert.equal(errors['cidrAllowlist.1'], EMPTY_ROW_ERROR);
    assert.deepEqual(spec.cidrAllowlist, ['10.0.0.0/8', '192.0.2.7/32']);
    assert.deepEqual(Object.keys(checkForm(form({ networkMode: 'allowlist', cidrAllowlist: [''] }), engine).errors), ['cidrAllowlist.0']);
    // Saving refuses it too: the saved list would not be what the form shows.
    assert.ok('errors' in settingsFromForm(form({ networkMode: 'allowlist', cidrAllowlist: ['10.0.0.0/8', ''] }), engine));
  });

  it('reads the one-click suggestion out of a row problem', () => {
    const { errors } = checkForm(form({ networkMode: 'allowlist', cidrAllowlist: ['10.0.0.1/8', 'fd00::1/8', '300.1.1.1'] }), engine);
    assert.equal(suggestionOf(errors['cidrAllowlist.0']), '10.0.0.0/8');
    assert.equal(suggestionOf(errors['cidrAllowlist.1']), 'fd00::/8');
    assert.equal(suggestionOf(errors['cidrAllowlist.2']), undefined);
    assert.equal(suggestionOf(undefined), undefined);
  });

  it('refuses an allowlist without entries, and ignores the rows in other modes', () => {
    assert.match(checkForm(form({ networkMode: 'allowlist', cidrAllowlist: [] }), engine).errors.cidrAllowlist ?? '', /at least one network/);
    const blocked = checkForm(form({ networkMode: 'blocked', cidrAllowlist: ['not a cidr'] }), engine);
    assert.deepEqual(blocked.errors, {});
    assert.deepEqual({ block: blocked.spec.blockNetwork, list: blocked.spec.cidrAllowlist }, { block: true, list: [] });
  });

  it('refuses ports out of range and a port in two lists', () => {
    const { errors } = checkForm(form({ unencryptedPorts: '8000, 70000', encryptedPorts: '8443 8443', h2Ports: '8443' }), engine);
    assert.match(errors.unencryptedPorts ?? '', /"70000" is not a port number/);
    assert.match(errors.encryptedPorts ?? '', /8443 is listed twice/);
    assert.match(errors.h2Ports ?? '', /8443 is also an HTTPS port/);
    assert.deepEqual(parsePortList(' 1, 65535 '), [1, 65535]);
    assert.match(String(parsePortList('0')), /not a port number/);
  });
});

describe('Create Sandbox form: Save as workspace defaults', () => {
  it('writes every setting the form shows, with null and [] for empty fields', () => {
    const result = settingsFromForm(form({ name: 'not-saved', cpu: '2', networkMode: 'allowlist', cidrAllowlist: ['192.0.2.7'], h2Ports: '50051' }), engine);
    assert.ok('settings' in result);
    assert.deepEqual(Object.fromEntries(result.settings), {
      [SettingKeys.image]: 'python:3.12-slim',
      [SettingKeys.command]: [],
      [SettingKeys.cpu]: 2,
      [SettingKeys.memoryMiB]: null,
      [SettingKeys.pidsLimit]: null,
      [SettingKeys.timeoutSeconds]: null,
      [SettingKeys.idleTimeoutSeconds]: null,
      [SettingKeys.blockNetwork]: false,
      [SettingKeys.cidrAllowlist]: ['192.0.2.7/32'],
      [SettingKeys.domainAllowlist]: [],
      [SettingKeys.unencryptedPorts]: [],
      [SettingKeys.encryptedPorts]: [],
      [SettingKeys.h2Ports]: [50051],
    });
  });

  it('keeps the list while blocked, empties it when open, and saves nothing invalid', () => {
    const blocked = settingsFromForm(form({ networkMode: 'blocked', cidrAllowlist: ['10.0.0.0/8'] }), engine);
    assert.ok('settings' in blocked);
    assert.deepEqual(Object.fromEntries(blocked.settings)[SettingKeys.cidrAllowlist], ['10.0.0.0/8']);
    const open = settingsFromForm(form({ networkMode: 'open', cidrAllowlist: ['10.0.0.0/8'] }), engine);
    assert.ok('settings' in open);
    assert.deepEqual(Object.fromEntries(open.settings)[SettingKeys.cidrAllowlist], []);
    const invalid = settingsFromForm(form({ name: '-ignored', memoryMiB: '1', pidsLimit: '4' }), engine);
    assert.deepEqual(Object.keys('errors' in invalid ? invalid.errors : {}), ['memoryMiB', 'pidsLimit']);
    assert.match(('errors' in invalid ? invalid.errors.pidsLimit : '') ?? '', /at least 16.*default \(512\)/);
  });
});

describe('command lines', () => {
  it('splits as a shell splits words, without expanding anything', () => {
    assert.deepEqual(splitCommandLine(`python3 -c 'print("a b")'  "x y" a\\ b $HOME ''`), ['python3', '-c', 'print("a b")', 'x y', 'a b', '$HOME', '']);
    assert.deepEqual(splitCommandLine('   '), []);
    assert.match(String(splitCommandLine("echo 'x")), /single quote/);
  });

  it('joins so that splitting gives the arguments back', () => {
    for (const args of [
      ['sleep', 'infinity'],
      ['sh', '-c', "echo 'it''s' \"$X\""],
      ['a b', '', 'c\\d'],
    ]) {
      assert.deepEqual(splitCommandLine(joinCommandLine(args)), args);
    }
    assert.equal(joinCommandLine(['python3', '-m', 'http.server', '8000']), 'python3 -m http.server 8000');
  });
});

describe('Create Sandbox form: host names (domain allowlist)', () => {
  const engine = { validateSpec, parseCidr, parseDomainEntry };
  const base = { ...EMPTY_FORM, image: 'python:3.12-slim', networkMode: 'allowlist' as const };
  it('takes names alone as an allowlist, normalised, with the engine messages for mistakes', () => {
    const ok = checkForm({ ...base, domainAllowlist: 'Example.ORG, *.example.com  git.example.net:8443' }, engine);
    assert.deepEqual(ok.errors, {});
    assert.deepEqual(ok.spec.domainAllowlist, ['example.org', '*.example.com', 'git.example.net:8443']);
    const bad = checkForm({ ...base, domainAllowlist: 'https://example.org/simple' }, engine);
    assert.equal(bad.errors.domainAllowlist, '"https://example.org/simple" is a URL; did you mean example.org?.');
    assert.equal(bad.errors.cidrAllowlist, undefined, 'no "add a network" error on top of the name error');
  });
  it('flags a bad name in any mode but uses names only with Allowlist', () => {
    assert.match(String(checkForm({ ...base, networkMode: 'open', domainAllowlist: '192.0.2.7' }, engine).errors.domainAllowlist), /IP address/);
    assert.equal(checkForm({ ...base, networkMode: 'open', domainAllowlist: 'example.org' }, engine).spec.domainAllowlist, undefined);
  });
});
