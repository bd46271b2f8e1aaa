import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refused, settings } from './fixtures';
import { parseCidr } from '../../src/core/network/policy';
import { validateSpec } from '../../src/core/spec';
import { networkSettingsFrom, samePolicy } from '../../src/vscode/network/networkSettings';
import { NO_WORKSPACE, workspaceTagFor, workspaceTagValue } from '../../src/vscode/network/workspaceTag';
import { SettingKeys } from '../../src/shared/settingKeys';
import { newSandboxSpecFromSettings, withOverrides } from '../../src/vscode/settingsToSpec';

const engine = { validateSpec, parseCidr };

function network(values: Record<string, unknown>) {
  return networkSettingsFrom(settings(values), parseCidr);
}

describe('network settings → policy', () => {
  it('defaults to an open network', () => {
    assert.deepEqual(network({}), { blockNetwork: false, cidrAllowlist: [] });
    assert.deepEqual(network({ [SettingKeys.blockNetwork]: null, [SettingKeys.cidrAllowlist]: null }), { blockNetwork: false, cidrAllowlist: [] });
  });

  it('normalises and deduplicates allowlist entries, as the engine records them', () => {
    const policy = network({ [SettingKeys.cidrAllowlist]: ['192.0.2.7', ' 10.0.0.0/8 ', '192.0.2.7/32', 'FD00::/8'] });
    assert.deepEqual(policy, { blockNetwork: false, cidrAllowlist: ['192.0.2.7/32', '10.0.0.0/8', 'fd00::/8'] });
    assert.deepEqual(network({ [SettingKeys.blockNetwork]: true, [SettingKeys.cidrAllowlist]: ['10.0.0.0/8'] }), {
      blockNetwork: true,
      cidrAllowlist: ['10.0.0.0/8'],
    });
  });

  it("names the setting and the bad entry, with the engine's reason", () => {
    const err = refused(() => network({ [SettingKeys.cidrAllowlist]: ['192.0.2.0/24', '10.0.0.1/8'] }));
    assert.equal(err.message, 'Setting "sandboxes.network.cidrAllowlist" has an invalid entry: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?');
    assert.match(err.fix, /10\.0\.0\.0\/8 or fd00::\/8, or single addresses such as 192\.0\.2\.7/);
    assert.deepEqual(err.settingKeys, [SettingKeys.cidrAllowlist]);
  });

  it('names every bad entry at once, including forms a lenient parser would misread', () => {
    const err = refused(() => network({ [SettingKeys.cidrAllowlist]: ['010.0.0.1', 'example.com', 42, '10.0.0.0/8', 'fe80::1%eth0'] }));
    assert.equal(
      err.message,
      'Setting "sandboxes.network.cidrAllowlist" has 4 invalid entries: "010.0.0.1" is not an IPv4 or IPv6 address or CIDR. ' +
        '"example.com" is not an IPv4 or IPv6 address or CIDR. 42 is not a string. "fe80::1%eth0" is not an IPv4 or IPv6 address or CIDR.',
    );
  });

  it('refuses a blockNetwork that is not a boolean and an allowlist that is not a list', () => {
    const err = refused(() => network({ [SettingKeys.blockNetwork]: 'yes', [SettingKeys.cidrAllowlist]: '10.0.0.0/8' }));
    assert.match(
      err.message,
      /^Setting "sandboxes\.network\.blockNetwork" is "yes", but it must be true or false\. Setting "sandboxes\.network\.cidrAllowlist" is "10\.0\.0\.0\/8", but it must be a list/,
    );
    assert.deepEqual(err.settingKeys, [SettingKeys.blockNetwork, SettingKeys.cidrAllowlist]);
  });

  it("compares policies regardless of the allowlist's order", () => {
    const a = { blockNetwork: false, cidrAllowlist: ['10.0.0.0/8', '192.0.2.0/24'] };
    assert.ok(samePolicy(a, { blockNetwork: false, cidrAllowlist: ['192.0.2.0/24', '10.0.0.0/8'] }));
    assert.ok(!samePolicy(a, { ...a, blockNetwork: true }));
    assert.ok(!samePolicy(a, { blockNetwork: false, cidrAllowlist: ['10.0.0.0/8'] }));
    assert.ok(!samePolicy({ blockNetwork: false, cidrAllowlist: ['10.0.0.0/8', '10.0.0.0/8'] }, { blockNetwork: false, cidrAllowlist: ['10.0.0.0/8', '192.0.2.0/24'] }));
  });
});

describe('spec of a new sandbox from settings', () => {
  const base = { [SettingKeys.image]: 'python:3.12-slim', [SettingKeys.runtime]: 'runsc' };

  it("carries the workspace's network policy, follows it, and is tagged with the workspace", () => {
    const spec = newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.cidrAllowlist]: ['192.0.2.7'] }), engine, 'abc123');
    assert.deepEqual(spec, {
      image: 'python:3.12-slim',
      runtime: 'runsc',
      blockNetwork: false,
      cidrAllowlist: ['192.0.2.7/32'],
      followsNetworkDefaults: true,
      tags: { workspace: 'abc123' },
    });
  });

  it('creates nothing from a partly valid allowlist, and names the setting', () => {
    const err = refused(() => newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.cidrAllowlist]: ['10.0.0.0/8', '10.0.0.1/8'] }), engine, 't'));
    assert.match(err.message, /sandboxes\.network\.cidrAllowlist.*"10\.0\.0\.1\/8" has host bits set/);
  });

  it('names invalid defaults and invalid network settings in one error', () => {
    const err = refused(() => newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.cpu]: 0, [SettingKeys.cidrAllowlist]: ['nope'] }), engine, 't'));
    assert.match(err.message, /^Setting "sandboxes\.defaults\.cpu" is 0, .*\. Setting "sandboxes\.network\.cidrAllowlist" has an invalid entry: "nope"/);
    assert.deepEqual(err.settingKeys, [SettingKeys.cpu, SettingKeys.cidrAllowlist]);
  });

  it("merges a caller's tags with the workspace tag", () => {
    const defaults = newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.blockNetwork]: true }), engine, 'w1');
    const spec = validateSpec(withOverrides(defaults, { tags: { 'test-run': 'x' } }));
    assert.deepEqual(spec.tags, { workspace: 'w1', 'test-run': 'x' });
    assert.equal(spec.followsNetworkDefaults, true);
    assert.equal(spec.blockNetwork, true);
    assert.deepEqual(validateSpec(withOverrides(defaults, { tags: { workspace: 'other' } })).tags, { workspace: 'other' });
  });

  it("treats a caller's network fields as the whole policy, which does not follow the settings", () => {
    const defaults = newSandboxSpecFromSettings(settings({ ...base, [SettingKeys.blockNetwork]: true, [SettingKeys.cidrAllowlist]: ['10.0.0.0/8'] }), engine, 'w1');
    const spec = validateSpec(withOverrides(defaults, { cidrAllowlist: ['192.0.2.0/24'] }));
    assert.equal(spec.blockNetwork, false);
    assert.deepEqual(spec.cidrAllowlist, ['192.0.2.0/24']);
    assert.equal(spec.followsNetworkDefaults, false);
    assert.equal(validateSpec(withOverrides(defaults, { blockNetwork: false, followsNetworkDefaults: true })).followsNetworkDefaults, true);
  });
});

describe('workspace tag', () => {
  it('is a short stable hash of the workspace URI, distinct per workspace', () => {
    const a = workspaceTagValue('file:///home/me/project');
    assert.match(a, /^[0-9a-f]{12}$/);
    assert.equal(workspaceTagValue('file:///home/me/project'), a);
    assert.notEqual(workspaceTagValue('file:///home/me/other'), a);
    assert.equal(workspaceTagValue(undefined), NO_WORKSPACE);
    assert.doesNotThrow(() => validateSpec({ image: 'x', tags: { workspace: a } }));
  });

  // Issue #14, bug 2: Open Sandbox Folder in Explorer turns a folder window into an untitled
  // workspace with a sandbox: folder appended; its sandboxes must keep following its settings.
  it('does not change when a sandbox: folder is added to a folder window (it becomes an untitled workspace)', () => {
    const folder = 'file:///home/me/project';
    const before = workspaceTagFor(undefined, [folder]);
    assert.equal(before, workspaceTagValue(folder));
    const after = workspaceTagFor('untitled:1700000000000', [folder, 'sandbox://sb-abc123def456/workspace']);
    assert.equal(after, before, 'the same tag after the sandbox folder was added');
  });

  it('ignores sandbox: folders: a window with only sandbox folders follows the user settings, like one with none', () => {
    assert.equal(workspaceTagFor(undefined, ['sandbox://sb-abc123def456/workspace']), NO_WORKSPACE);
    assert.equal(workspaceTagFor('untitled:1', ['sandbox://sb-abc123def456/', 'sandbox://sb-fedcba654321/tmp']), NO_WORKSPACE);
    assert.equal(workspaceTagFor('untitled:1', ['sandbox://sb-abc123def456/', 'file:///home/me/b']), workspaceTagValue('file:///home/me/b'));
  });

  it("is the .code-workspace file's for a workspace of several local folders, the folder's for one local folder plus sandbox folders", () => {
    const file = 'file:///home/me/all.code-workspace';
    assert.equal(workspaceTagFor(file, ['file:///home/me/a', 'file:///home/me/b', 'sandbox://sb-abc123def456/']), workspaceTagValue(file));
    // code-server keeps an untitled workspace as a file: .code-workspace in its user data.
    const codeServerUntitled = 'file:///root/.local/share/code-server/User/Workspaces/Untitled-1796530843714.code-workspace';
    assert.equal(workspaceTagFor(codeServerUntitled, ['file:///home/me/a', 'sandbox://sb-abc123def456/']), workspaceTagValue('file:///home/me/a'));
  });
});
