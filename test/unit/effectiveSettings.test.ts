/**
 * Which scope's value counts: a repository's settings (workspace and folder scope) may tighten
 * the sandbox, never loosen it (adversarial review, issue #10, finding 5). Every setting, loosening
 * and tightening, from the shape VS Code's `inspect()` reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SNAPSHOT_REPOSITORY } from '../../src/core/files/snapshot';
import { parseCidr } from '../../src/core/network/policy';
import { DEFAULT_MEMORY_MIB, DEFAULT_PIDS_LIMIT, validateSpec } from '../../src/core/spec';
import { workspaceMountSettingsFrom } from '../../src/vscode/files/mountSettings';
import { networkSettingsFrom } from '../../src/vscode/network/networkSettings';
import {
  ENGINE_DEFAULT_MEMORY_MIB,
  ENGINE_DEFAULT_PIDS_LIMIT,
  PIDS_LIMIT_KEY,
  RULED_KEYS,
  SNAPSHOT_IMAGE_PREFIX,
  describeIgnored,
  effectiveSettings,
  ignoredSettings,
  resolveSetting,
  type InspectedSetting,
  type ResolveOptions,
} from '../../src/vscode/effectiveSettings';
import { SettingKeys } from '../../src/shared/settingKeys';
import { newSandboxSpecFromSettings } from '../../src/vscode/settingsToSpec';

const TRUSTED: ResolveOptions = { trusted: true, parseCidr };
const UNTRUSTED: ResolveOptions = { trusted: false, parseCidr };

/** The effective value and the scopes ignored, for one setting. */
function resolve(key: string, inspected: InspectedSetting, options = TRUSTED) {
  const { value, ignored } = resolveSetting(key, inspected, options);
  return { value, ignored: ignored.map((item) => item.scope) };
}

/** What a folder's `.vscode/settings.json` says (single-folder window: VS Code reports it in both workspace scopes, and it is judged once). */
const folder = (value: unknown) => ({ workspaceValue: value, workspaceFolderValue: value });

describe('effective settings: limits (cpu, memoryMiB, pidsLimit, timeouts)', () => {
  for (const key of [SettingKeys.cpu, SettingKeys.memoryMiB, PIDS_LIMIT_KEY, SettingKeys.timeoutSeconds, SettingKeys.idleTimeoutSeconds]) {
    it(`${key}: a workspace may lower the user's limit, not raise or remove it`, () => {
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: 256, ...folder(4096) }), { value: 256, ignored: ['workspace'] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: 256, ...folder(128) }), { value: 128, ignored: [] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: 256, ...folder(256) }), { value: 256, ignored: [] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: 256, ...folder(null) }), { value: 256, ignored: ['workspace'] });
    });

    it(`${key}: where the user sets no limit, a workspace may set one (tightening)`, () => {
      assert.deepEqual(resolve(key, { defaultValue: null, ...folder(512) }), { value: 512, ignored: [] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: null, ...folder(512) }), { value: 512, ignored: [] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: null, ...folder(null) }), { value: null, ignored: [] });
    });

    it(`${key}: a limit from the default holds against the workspace, and the user may lift it`, () => {
      if (key === SettingKeys.memoryMiB || key === PIDS_LIMIT_KEY) return; // null is the engine's default there: below
      assert.deepEqual(resolve(key, { defaultValue: 1024, ...folder(null) }), { value: 1024, ignored: ['workspace'] });
      assert.deepEqual(resolve(key, { defaultValue: 1024, ...folder(2048) }), { value: 1024, ignored: ['workspace'] });
      assert.deepEqual(resolve(key, { defaultValue: 1024, globalValue: null, ...folder(2048) }), { value: 2048, ignored: [] });
    });
  }

  it("memoryMiB and pidsLimit: unset is the engine's default limit (2048 MiB, 512), not none: a workspace may not go above it", () => {
    assert.equal(ENGINE_DEFAULT_MEMORY_MIB, DEFAULT_MEMORY_MIB);
    assert.equal(ENGINE_DEFAULT_PIDS_LIMIT, DEFAULT_PIDS_LIMIT);
    for (const [key, engineDefault] of [
      [SettingKeys.memoryMiB, DEFAULT_MEMORY_MIB],
      [PIDS_LIMIT_KEY, DEFAULT_PIDS_LIMIT],
    ] as const) {
      assert.deepEqual(resolve(key, { defaultValue: null, ...folder(engineDefault * 2) }), { value: null, ignored: ['workspace'] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: null, ...folder(engineDefault * 2) }), { value: null, ignored: ['workspace'] });
      assert.deepEqual(resolve(key, { defaultValue: null, ...folder(engineDefault / 2) }), { value: engineDefault / 2, ignored: [] });
      assert.deepEqual(resolve(key, { defaultValue: null, ...folder(null) }), { value: null, ignored: [] });
      // The user may raise it; then the workspace may go up to the user's value, not past it.
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: engineDefault * 4, ...folder(engineDefault * 2) }), { value: engineDefault * 2, ignored: [] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: 256, ...folder(null) }), { value: 256, ignored: ['workspace'] });
    }
  });

  it("0 means no lifetime for the timeouts, so a workspace cannot use it to remove the user's", () => {
    for (const key of [SettingKeys.timeoutSeconds, SettingKeys.idleTimeoutSeconds]) {
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: 3600, ...folder(0) }), { value: 3600, ignored: ['workspace'] });
      assert.deepEqual(resolve(key, { defaultValue: null, globalValue: 0, ...folder(600) }), { value: 600, ignored: [] });
    }
  });

  it('a value of the wrong kind is passed on, for the validator to name (nothing is created from it)', () => {
    assert.deepEqual(resolve(SettingKeys.memoryMiB, { defaultValue: null, globalValue: 256, workspaceValue: 'lots' }), { value: 'lots', ignored: [] });
    assert.deepEqual(resolve(SettingKeys.cpu, { defaultValue: null, globalValue: 2, workspaceValue: 0 }), { value: 0, ignored: [] });
    assert.throws(() => validateSpec({ image: 'busybox', cpu: 0 }), { code: 'INVALID_SPEC' });
  });

  it("an invalid user value is kept (and named by the validator), not replaced by the workspace's", () => {
    assert.deepEqual(resolve(SettingKeys.memoryMiB, { defaultValue: null, globalValue: 'lots', workspaceValue: 512 }), { value: 'lots', ignored: ['workspace'] });
  });

  it('each scope only tightens the ones before it: a folder cannot loosen the workspace file', () => {
    assert.deepEqual(resolve(SettingKeys.memoryMiB, { defaultValue: null, workspaceValue: 512, workspaceFolderValue: 1024 }), { value: 512, ignored: ['workspaceFolder'] });
    assert.deepEqual(resolve(SettingKeys.memoryMiB, { defaultValue: null, workspaceValue: 512, workspaceFolderValue: 256 }), { value: 256, ignored: [] });
  });
});

describe('effective settings: network', () => {
  const block = SettingKeys.blockNetwork;
  const list = SettingKeys.cidrAllowlist;

  it('blockNetwork: a workspace may turn it on, never off when the user has it on', () => {
    assert.deepEqual(resolve(block, { defaultValue: false, ...folder(true) }), { value: true, ignored: [] });
    assert.deepEqual(resolve(block, { defaultValue: false, globalValue: true, ...folder(false) }), { value: true, ignored: ['workspace'] });
    assert.deepEqual(resolve(block, { defaultValue: false, globalValue: true, ...folder(null) }), { value: true, ignored: ['workspace'] });
    assert.deepEqual(resolve(block, { defaultValue: false, globalValue: false, ...folder(false) }), { value: false, ignored: [] });
    assert.deepEqual(resolve(block, { defaultValue: false, globalValue: true, ...folder(true) }), { value: true, ignored: [] });
  });

  it('cidrAllowlist: any list narrows an open network', () => {
    assert.deepEqual(resolve(list, { defaultValue: [], ...folder(['192.0.2.0/24']) }), { value: ['192.0.2.0/24'], ignored: [] });
  });

  it("cidrAllowlist: a workspace list counts only when every entry lies inside the user's", () => {
    const user = { defaultValue: [], globalValue: ['10.0.0.0/8', '2001:db8::/32'] };
    assert.deepEqual(resolve(list, { ...user, ...folder(['10.20.0.0/16', '10.0.0.53', '2001:db8:1::/48']) }).ignored, []);
    assert.deepEqual(resolve(list, { ...user, ...folder(['10.0.0.0/8']) }).ignored, []);
    assert.deepEqual(resolve(list, { ...user, ...folder(['10.0.0.0/7']) }), { value: user.globalValue, ignored: ['workspace'] });
    assert.deepEqual(resolve(list, { ...user, ...folder(['10.1.0.0/16', '192.0.2.7']) }), { value: user.globalValue, ignored: ['workspace'] });
    assert.deepEqual(resolve(list, { ...user, ...folder(['2001:db9::/32']) }).ignored, ['workspace']);
  });

  it("cidrAllowlist: an empty or null list (open) counts only when the user's is open too", () => {
    const user = { defaultValue: [], globalValue: ['10.0.0.0/8'] };
    assert.deepEqual(resolve(list, { ...user, ...folder([]) }), { value: ['10.0.0.0/8'], ignored: ['workspace'] });
    assert.deepEqual(resolve(list, { ...user, ...folder(null) }), { value: ['10.0.0.0/8'], ignored: ['workspace'] });
    assert.deepEqual(resolve(list, { defaultValue: [], ...folder([]) }), { value: [], ignored: [] });
  });

  it('cidrAllowlist: an invalid workspace list is passed on, so the whole policy is refused and nothing applied', () => {
    const user = { defaultValue: [], globalValue: ['10.0.0.0/8'] };
    const value = resolve(list, { ...user, workspaceValue: ['10.0.0.1/8'] }).value;
    assert.throws(() => networkSettingsFrom({ get: (key) => (key === list ? value : undefined) }, parseCidr), /host bits/);
  });

  it('the policy as a whole: blocking from the user holds against a workspace that opens or lists', () => {
    const settings = effectiveSettings(
      (key) =>
        ({
          [block]: { defaultValue: false, globalValue: true, ...folder(false) },
          [list]: { defaultValue: [], ...folder(['192.0.2.0/24']) },
        })[key],
      TRUSTED,
    );
    assert.deepEqual(networkSettingsFrom(settings, parseCidr), { blockNetwork: true, cidrAllowlist: ['192.0.2.0/24'] });
    assert.deepEqual(
      settings.ignored.map((item) => `${item.key}@${item.scope}`),
      [`${block}@workspace`],
    );
  });
});

describe('effective settings: workspace files', () => {
  const mount = SettingKeys.workspaceMount;
  const includeIgnored = SettingKeys.includeIgnored;

  it('mount: never readwrite from a workspace, even when the user allows it', () => {
    assert.deepEqual(resolve(mount, { defaultValue: 'copy', ...folder('readwrite') }), { value: 'copy', ignored: ['workspace'] });
    assert.deepEqual(resolve(mount, { defaultValue: 'copy', globalValue: 'readwrite', ...folder('readwrite') }), { value: 'readwrite', ignored: ['workspace'] });
  });

  it("mount: only a mode at least as strict as the user's: none, then copy, then readonly", () => {
    const order = ['none', 'copy', 'readonly', 'readwrite'];
    for (const [u, user] of order.entries()) {
      for (const [w, wanted] of order.slice(0, 3).entries()) {
        const { value, ignored } = resolve(mount, { defaultValue: 'copy', globalValue: user, workspaceValue: wanted });
        if (w <= u) assert.deepEqual({ value, ignored }, { value: wanted, ignored: [] }, `${user} → ${wanted}`);
        else assert.deepEqual({ value, ignored }, { value: user, ignored: ['workspace'] }, `${user} → ${wanted}`);
      }
    }
    // Unset in user scope: the default (copy).
    assert.deepEqual(resolve(mount, { defaultValue: 'copy', workspaceValue: 'readonly' }), { value: 'copy', ignored: ['workspace'] });
    assert.deepEqual(resolve(mount, { defaultValue: 'copy', workspaceValue: 'none' }), { value: 'none', ignored: [] });
  });

  it('mount: what the mount settings reader then gives', () => {
    const settings = effectiveSettings((key) => (key === mount ? { defaultValue: 'copy', ...folder('readwrite') } : undefined), TRUSTED);
    assert.equal(workspaceMountSettingsFrom(settings).mode, 'copy');
  });

  it('includeIgnored: a workspace may turn it off, never on', () => {
    assert.deepEqual(resolve(includeIgnored, { defaultValue: false, ...folder(true) }), { value: false, ignored: ['workspace'] });
    assert.deepEqual(resolve(includeIgnored, { defaultValue: false, globalValue: true, ...folder(false) }), { value: false, ignored: [] });
    assert.deepEqual(resolve(includeIgnored, { defaultValue: false, globalValue: true, ...folder(true) }), { value: true, ignored: [] });
  });

  it("the path follows VS Code's precedence: it only says where the folder appears inside", () => {
    assert.deepEqual(resolve(SettingKeys.workspacePath, { defaultValue: '/workspace', ...folder('/src') }), { value: '/src', ignored: [] });
  });
});

describe('effective settings: image, ports, machine settings, the rest', () => {
  it('image: a trusted workspace may choose it (as Dev Containers do), an untrusted one may not', () => {
    const image = { defaultValue: 'python:3.12-slim', globalValue: 'node:20', workspaceValue: 'ghcr.io/org/tool:1' };
    assert.deepEqual(resolve(SettingKeys.image, image), { value: 'ghcr.io/org/tool:1', ignored: [] });
    assert.deepEqual(resolve(SettingKeys.image, image, UNTRUSTED), { value: 'node:20', ignored: ['workspace'] });
  });

  it("image: never a snapshot, which holds another sandbox's files", () => {
    assert.equal(SNAPSHOT_IMAGE_PREFIX, `${SNAPSHOT_REPOSITORY}/`);
    assert.deepEqual(resolve(SettingKeys.image, { defaultValue: 'python:3.12-slim', workspaceValue: `${SNAPSHOT_REPOSITORY}/sb-abc:1` }), {
      value: 'python:3.12-slim',
      ignored: ['workspace'],
    });
  });

  it('ports: from a trusted workspace only', () => {
    for (const key of [SettingKeys.encryptedPorts, SettingKeys.unencryptedPorts, SettingKeys.h2Ports]) {
      assert.deepEqual(resolve(key, { defaultValue: [], ...folder([8000]) }), { value: [8000], ignored: [] });
      assert.deepEqual(resolve(key, { defaultValue: [], ...folder([8000]) }, UNTRUSTED), { value: [], ignored: ['workspace'] });
    }
  });

  it('runtime, Docker endpoint, guard image, gateway resolvers and bind address: user scope only, trusted or not', () => {
    const cases: [string, unknown, unknown][] = [
      [SettingKeys.runtime, 'runsc', 'runc'],
      [SettingKeys.dockerHost, '', 'tcp://192.0.2.1:2375'],
      [SettingKeys.guardImage, 'sandboxes/guard:1', 'evil/guard:1'],
      [SettingKeys.bindAddress, '127.0.0.1', '0.0.0.0'],
      // A repository may not choose who resolves the names a domain-mode sandbox may reach.
      [SettingKeys.gatewayResolvers, [], ['192.0.2.53']],
      // Issue #17: a repository may not point the editor at an engine of its choosing.
      [SettingKeys.dockerEngines, [], [{ name: 'theirs', host: 'tcp://192.0.2.1:2375' }]],
    ];
    for (const [key, defaultValue, wanted] of cases) {
      assert.deepEqual(resolve(key, { defaultValue, ...folder(wanted) }), { value: defaultValue, ignored: ['workspace'] });
    }
    assert.deepEqual(resolve(SettingKeys.runtime, { defaultValue: 'runsc', globalValue: 'runc' }), { value: 'runc', ignored: [] });
  });

  it("command, env and workdir follow VS Code's precedence; objects merge as VS Code merges them", () => {
    assert.deepEqual(resolve(SettingKeys.command, { defaultValue: [], ...folder(['make', 'test']) }).value, ['make', 'test']);
    assert.deepEqual(resolve(SettingKeys.workdir, { defaultValue: '', ...folder('/src') }).value, '/src');
    assert.deepEqual(resolve(SettingKeys.env, { defaultValue: {}, globalValue: { A: '1', B: '1' }, ...folder({ B: '2' }) }).value, { A: '1', B: '2' });
  });

  it('a key without a rule takes the user value only', () => {
    assert.deepEqual(resolve('sandboxes.defaults.somethingNew', { defaultValue: 1, globalValue: 2, workspaceValue: 3 }), { value: 2, ignored: ['workspace'] });
  });

  it('every setting has a rule', () => {
    for (const key of Object.values(SettingKeys)) assert.ok(RULED_KEYS.includes(key), key);
  });
});

describe('effective settings: a whole spec from a repository that tries everything', () => {
  const values: Record<string, InspectedSetting> = {
    [SettingKeys.image]: { defaultValue: 'python:3.12-slim' },
    [SettingKeys.memoryMiB]: { defaultValue: null, globalValue: 256, ...folder(8192) },
    [SettingKeys.cpu]: { defaultValue: null, globalValue: 1, ...folder(4) },
    [SettingKeys.timeoutSeconds]: { defaultValue: null, globalValue: 600, ...folder(0) },
    [SettingKeys.idleTimeoutSeconds]: { defaultValue: null, globalValue: 60, ...folder(null) },
    [SettingKeys.runtime]: { defaultValue: 'runsc', ...folder('runc') },
    [SettingKeys.blockNetwork]: { defaultValue: false, globalValue: true, ...folder(false) },
  };
  const inspect = (key: string) => values[key];

  it("keeps every one of the user's limits and the lockdown", () => {
    const spec = newSandboxSpecFromSettings(effectiveSettings(inspect, TRUSTED), { validateSpec, parseCidr }, 'ws');
    assert.equal(spec.memoryMiB, 256);
    assert.equal(spec.cpu, 1);
    assert.equal(spec.timeoutSeconds, 600);
    assert.equal(spec.idleTimeoutSeconds, 60);
    assert.equal(spec.runtime, 'runsc');
    assert.equal(spec.blockNetwork, true);
  });

  it('names each ignored value and why, for the log', () => {
    const lines = ignoredSettings(inspect, TRUSTED).map(describeIgnored);
    assert.equal(lines.length, 6);
    assert.ok(
      lines.includes(
        'Ignored "sandboxes.defaults.memoryMiB": 8192 in the workspace settings: it is higher than the limit of 256 that your user settings (or the default) set; workspace settings may only lower it.',
      ),
      lines.join('\n'),
    );
    assert.ok(lines.some((line) => line.startsWith('Ignored "sandboxes.defaults.timeoutSeconds": 0 in the workspace settings: it would remove the limit of 600')));
    assert.ok(lines.some((line) => line.startsWith('Ignored "sandboxes.network.blockNetwork": false in the workspace settings: your user settings turn it on')));
    assert.ok(lines.some((line) => line.startsWith('Ignored "sandboxes.defaults.runtime": "runc" in the workspace settings: only user settings can set this')));
  });
});
