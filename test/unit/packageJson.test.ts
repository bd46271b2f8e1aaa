import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateSpec } from '../../src/core/spec';
import { CommandIds, CommandTitles } from '../../src/vscode/commands/commandIds';
import { SettingKeys } from '../../src/vscode/settingKeys';
import { PanelTypes } from '../../src/vscode/webviews/protocol';
import { sandboxDefaultsFromSettings } from '../../src/vscode/settingsToSpec';

interface Contributes {
  commands: { command: string; title: string; category: string }[];
  configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string; scope?: string }> }[];
}
const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
  main: string;
  activationEvents?: string[];
  engines: { vscode: string };
  contributes: Contributes;
};
const properties = Object.assign({}, ...manifest.contributes.configuration.map((section) => section.properties)) as Contributes['configuration'][number]['properties'];

describe('package.json contributions', () => {
  it('contributes every command, with its title, in the "Sandboxes" category', () => {
    const byId = (a: { command: string }, b: { command: string }) => a.command.localeCompare(b.command);
    const contributed = manifest.contributes.commands.map(({ command, title, category }) => ({ command, title, category })).sort(byId);
    const expected = Object.values(CommandIds).map((command) => ({ command, title: CommandTitles[command], category: 'Sandboxes' })).sort(byId);
    assert.deepEqual(contributed, expected);
  });

  it('contributes exactly the settings the code reads, each with a description', () => {
    assert.deepEqual(Object.keys(properties).sort(), Object.values(SettingKeys).sort());
    for (const [key, schema] of Object.entries(properties)) {
      assert.ok(schema.markdownDescription, `${key} has no description`);
    }
  });

  it('has defaults that make a valid spec: python:3.12-slim under runsc', () => {
    const defaults = (key: string) => properties[key]?.default;
    const spec = sandboxDefaultsFromSettings({ get: defaults }, validateSpec);
    assert.equal(spec.image, 'python:3.12-slim');
    assert.equal(defaults(SettingKeys.runtime), 'runsc');
  });

  it('keeps the runtime, Docker endpoint and guard image out of workspace settings', () => {
    assert.equal(properties[SettingKeys.runtime]?.scope, 'machine');
    assert.equal(properties[SettingKeys.dockerHost]?.scope, 'machine');
    assert.equal(properties[SettingKeys.guardImage]?.scope, 'machine');
  });

  it('lets workspaces set the network policy, open by default', () => {
    assert.equal(properties[SettingKeys.blockNetwork]?.default, false);
    assert.deepEqual(properties[SettingKeys.cidrAllowlist]?.default, []);
    assert.equal(properties[SettingKeys.guardImage]?.default, 'sandboxes/guard:1');
    for (const key of [SettingKeys.blockNetwork, SettingKeys.cidrAllowlist]) assert.notEqual(properties[key]?.scope, 'machine');
    assert.match(properties[SettingKeys.cidrAllowlist]?.markdownDescription ?? '', /\/etc\/resolv\.conf/);
  });

  it('activates on use, never on startup', () => {
    // Besides what VS Code infers from contributions: restoring a panel after a reload.
    assert.deepEqual(manifest.activationEvents, Object.values(PanelTypes).map((type) => `onWebviewPanel:${type}`));
    assert.ok(!manifest.activationEvents?.includes('*'));
    assert.ok(!manifest.activationEvents?.includes('onStartupFinished'));
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.engines.vscode, '^1.90.0');
  });
});
