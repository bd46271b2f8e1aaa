import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refused, settings } from './fixtures';
import { parseCidr } from '../../src/core/network/policy';
import { validateSpec } from '../../src/core/spec';
import { UserFacingError } from '../../src/vscode/errors';
import { BIND_ADDRESS_PATTERN, BIND_ADDRESS_PATTERN_ERROR, bindAddressFrom, forwardsPorts, isLoopback, portSettingsFrom } from '../../src/vscode/ports/portSettings';
import { SettingKeys } from '../../src/shared/settingKeys';
import { newSandboxSpecFromSettings, withOverrides } from '../../src/vscode/settingsToSpec';
import { localizedManifest } from '../lib/manifest';

const engine = { validateSpec, parseCidr };
const base = { [SettingKeys.image]: 'python:3.12-slim', [SettingKeys.runtime]: 'runsc' };

type Schema = {
  default?: unknown;
  pattern?: string;
  patternErrorMessage?: string;
  scope?: string;
  markdownDescription?: string;
  uniqueItems?: boolean;
  items?: { type?: string; minimum?: number; maximum?: number };
};
const manifest = localizedManifest() as {
  contributes: { configuration: { properties: Record<string, Schema> }[] };
};
const properties = Object.assign({}, ...manifest.contributes.configuration.map((section) => section.properties)) as Record<string, Schema>;

describe('port settings', () => {
  it('are empty when nothing is set, and leave empty lists out of the spec', () => {
    assert.deepEqual(portSettingsFrom(settings({})), {});
    assert.deepEqual(portSettingsFrom(settings({ [SettingKeys.encryptedPorts]: [], [SettingKeys.h2Ports]: null })), {});
    assert.equal(forwardsPorts({}), false);
    assert.equal(forwardsPorts({ h2Ports: [50051] }), true);
  });

  it('map each list to its spec field', () => {
    const ports = portSettingsFrom(settings({ [SettingKeys.unencryptedPorts]: [3000, 5432], [SettingKeys.encryptedPorts]: [8000], [SettingKeys.h2Ports]: [50051] }));
    assert.deepEqual(ports, { unencryptedPorts: [3000, 5432], encryptedPorts: [8000], h2Ports: [50051] });
  });

  it('name every bad entry and its setting in one error', () => {
    const err = refused(() =>
      portSettingsFrom(settings({ [SettingKeys.unencryptedPorts]: [0, 8000, '80', 8000], [SettingKeys.encryptedPorts]: [8000, 70000], [SettingKeys.h2Ports]: 50051 })),
    );
    assert.match(
      err.message,
      /"sandboxes\.ports\.unencrypted" has 3 invalid entries: 0 is not a port number from 1 to 65535; "80" is not a port number .*; 8000 is listed twice\./,
    );
    assert.match(err.message, /"sandboxes\.ports\.encrypted" has 2 invalid entries: 8000 is also in "sandboxes\.ports\.unencrypted"; 70000 is not a port number/);
    assert.match(err.message, /"sandboxes\.ports\.h2" is 50051, but it must be a list of port numbers such as \[8000\]/);
    assert.deepEqual(err.settingKeys, [SettingKeys.unencryptedPorts, SettingKeys.encryptedPorts, SettingKeys.h2Ports]);
    assert.match(err.fix, /1 to 65535/);
  });

  it('go into the spec of a new sandbox, validated by the engine', () => {
    const spec = newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.encryptedPorts]: [8000] }), engine, 'w1');
    assert.deepEqual(spec.encryptedPorts, [8000]);
    assert.equal(spec.unencryptedPorts, undefined);
  });

  it('are reported together with other invalid settings', () => {
    const err = refused(() => newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.cpu]: 0, [SettingKeys.h2Ports]: [1.5] }), engine, 't'));
    assert.match(err.message, /sandboxes\.defaults\.cpu.*sandboxes\.ports\.h2" has an invalid entry: 1\.5/);
    assert.deepEqual(err.settingKeys, [SettingKeys.cpu, SettingKeys.h2Ports]);
  });

  it('give way entirely to ports a caller names (a port in two lists would be refused)', () => {
    const defaults = newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.unencryptedPorts]: [8000, 9000] }), engine, 'w1');
    const spec = validateSpec(withOverrides(defaults, { encryptedPorts: [8000] }));
    assert.deepEqual(spec.encryptedPorts, [8000]);
    assert.equal(spec.unencryptedPorts, undefined);
    assert.deepEqual(validateSpec(withOverrides(defaults, { name: 'x' })).unencryptedPorts, [8000, 9000]);
  });

  it('are contributed as unique integers from 1 to 65535, empty by default', () => {
    for (const key of [SettingKeys.unencryptedPorts, SettingKeys.encryptedPorts, SettingKeys.h2Ports]) {
      const schema = properties[key];
      assert.deepEqual(schema?.default, [], key);
      assert.deepEqual(schema?.items, { type: 'integer', minimum: 1, maximum: 65535 }, key);
      assert.equal(schema?.uniqueItems, true, key);
    }
  });
});

describe('bind address', () => {
  it('is 127.0.0.1 by default, in user settings only, and its description warns about widening it', () => {
    const schema = properties[SettingKeys.bindAddress];
    assert.equal(schema?.default, '127.0.0.1');
    assert.equal(schema?.scope, 'machine');
    assert.match(schema?.markdownDescription ?? '', /0\.0\.0\.0/);
    assert.match(schema?.markdownDescription ?? '', /exposes every forwarded port to the network/);
    assert.deepEqual(bindAddressFrom(settings({})), { address: '127.0.0.1' });
    assert.deepEqual(bindAddressFrom(settings({ [SettingKeys.bindAddress]: '  ' })), { address: '127.0.0.1' });
  });

  it('has the pattern package.json gives the Settings editor', () => {
    assert.equal(properties[SettingKeys.bindAddress]?.pattern, BIND_ADDRESS_PATTERN);
    assert.equal(properties[SettingKeys.bindAddress]?.patternErrorMessage, BIND_ADDRESS_PATTERN_ERROR);
    // VS Code compiles setting patterns with and without the u flag: both must work.
    assert.ok(new RegExp(BIND_ADDRESS_PATTERN).test('::1'));
  });

  it('accepts IP addresses and localhost', () => {
    for (const address of ['127.0.0.1', '0.0.0.0', '192.168.1.20', '::1', '::', 'fd00::7', 'localhost']) {
      assert.deepEqual(bindAddressFrom(settings({ [SettingKeys.bindAddress]: address })), { address }, address);
    }
  });

  it('falls back to 127.0.0.1 for anything else, with a problem naming the setting', () => {
    for (const value of ['example.com', '127.0.0.1:8080', '0.0.0.0/0', '10.1', 'fe80::1%eth0', 42]) {
      const result = bindAddressFrom(settings({ [SettingKeys.bindAddress]: value }));
      assert.equal(result.address, '127.0.0.1', String(value));
      assert.ok(result.problem instanceof UserFacingError);
      assert.match(result.problem.message, /"sandboxes\.ports\.bindAddress" is .*listen on 127\.0\.0\.1 \(this machine only\) instead/);
      assert.deepEqual(result.problem.settingKeys, [SettingKeys.bindAddress]);
    }
  });

  it('knows which addresses only this machine can reach', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', 'localhost']) assert.ok(isLoopback(address), address);
    for (const address of ['0.0.0.0', '::', '192.168.1.20', 'fd00::1']) assert.ok(!isLoopback(address), address);
  });
});
