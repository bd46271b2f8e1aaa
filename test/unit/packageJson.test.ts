import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateSpec } from '../../src/core/spec';
import { CommandIds, CommandTitles } from '../../src/vscode/commands/commandIds';
import { RUNNABLE_LANGUAGES } from '../../src/vscode/commands/interpreters';
import { SettingKeys } from '../../src/shared/settingKeys';
import { PanelTypes } from '../../src/shared/webviewProtocol';
import { sandboxDefaultsFromSettings } from '../../src/vscode/settingsToSpec';
import { localizedManifest, nlsStrings, rawManifest } from '../lib/manifest';
import { contributionStrings, jsonPath, nlsKeyOf } from '../../scripts/lib/nlsRules.cjs';

interface Contributes {
  commands: { command: string; title: string; category: string }[];
  configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string; scope?: string }> }[];
  menus: Record<string, { command: string; when?: string }[]>;
  terminal: { profiles: { id: string; title: string }[] };
  walkthroughs: { id: string; steps: { id: string; description: string; media: { markdown?: string; svg?: string }; completionEvents: string[] }[] }[];
}
const manifest = localizedManifest() as {
  main: string;
  name: string;
  publisher: string;
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  activationEvents?: string[];
  engines: { vscode: string };
  contributes: Contributes;
};
const properties = Object.assign({}, ...manifest.contributes.configuration.map((section) => section.properties)) as Contributes['configuration'][number]['properties'];

describe('package.json contributions', () => {
  it('contributes every command, with its title, in the "Sandboxes" category', () => {
    const byId = (a: { command: string }, b: { command: string }) => a.command.localeCompare(b.command);
    const contributed = manifest.contributes.commands.map(({ command, title, category }) => ({ command, title, category })).sort(byId);
    const expected = Object.values(CommandIds)
      .map((command) => ({ command, title: CommandTitles[command], category: 'Sandboxes' }))
      .sort(byId);
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
    assert.equal(properties[SettingKeys.guardImage]?.default, 'sandboxes/guard:2');
    for (const key of [SettingKeys.blockNetwork, SettingKeys.cidrAllowlist]) assert.notEqual(properties[key]?.scope, 'machine');
    assert.match(properties[SettingKeys.cidrAllowlist]?.markdownDescription ?? '', /\/etc\/resolv\.conf/);
  });

  it('says in the Settings editor what a workspace may set: only tightening (effectiveSettings.ts)', () => {
    const says = (key: string, pattern: RegExp) => assert.match(properties[key]?.markdownDescription ?? '', pattern, key);
    for (const key of [SettingKeys.cpu, SettingKeys.memoryMiB, SettingKeys.timeoutSeconds, SettingKeys.idleTimeoutSeconds]) says(key, /Workspace settings may only lower this/);
    says(SettingKeys.blockNetwork, /never off when your user settings turn it on/);
    says(SettingKeys.cidrAllowlist, /Workspace settings may only narrow it/);
    says(SettingKeys.workspaceMount, /never `readwrite`/);
    says(SettingKeys.includeIgnored, /Only your user settings can turn this on/);
    says(SettingKeys.image, /untrusted workspace only your user settings count/);
  });

  it("keeps the image, network, ports and workspace files out of untrusted workspaces' settings", () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of [
      SettingKeys.image,
      SettingKeys.blockNetwork,
      SettingKeys.cidrAllowlist,
      SettingKeys.encryptedPorts,
      SettingKeys.unencryptedPorts,
      SettingKeys.h2Ports,
      SettingKeys.workspaceMount,
      SettingKeys.includeIgnored,
    ]) {
      assert.ok(restricted.includes(key), key);
    }
    assert.equal(properties[SettingKeys.bindAddress]?.scope, 'machine');
  });

  it('activates on use, or after startup (never during it)', () => {
    // Besides what VS Code infers from contributions: restoring a panel after a reload, a
    // window that restores a sandbox: folder, and sandbox terminals reattaching after a reload
    // (onStartupFinished: after the window is up, so it never delays it; terminalSessions.ts).
    assert.deepEqual(manifest.activationEvents, [...Object.values(PanelTypes).map((type) => `onWebviewPanel:${type}`), 'onFileSystem:sandbox', 'onStartupFinished']);
    assert.ok(!manifest.activationEvents?.includes('*'));
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.engines.vscode, '^1.90.0');
  });

  it('contributes the "Sandbox shell" terminal profile', () => {
    assert.deepEqual(
      manifest.contributes.terminal.profiles.map(({ id, title }) => ({ id, title })),
      [{ id: 'sandboxes.sandboxShell', title: 'Sandbox shell' }],
    );
  });

  it('shows Run Active File in the editor title for exactly the languages it can run', () => {
    const [item] = manifest.contributes.menus['editor/title'] ?? [];
    assert.equal(item?.command, CommandIds.runActiveFile);
    const languages = /editorLangId =~ \/\^\(([^)]+)\)\$\//.exec(item?.when ?? '')?.[1]?.split('|');
    assert.deepEqual(languages?.sort(), [...RUNNABLE_LANGUAGES].sort());
  });

  it('has a walkthrough whose steps have media and complete on real commands', () => {
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.deepEqual(
      walkthrough?.steps.map((step) => step.id),
      ['checkSetup', 'create', 'terminal', 'ports', 'network'],
    );
    const commands = new Set<string>(Object.values(CommandIds));
    for (const step of walkthrough?.steps ?? []) {
      const media = step.media.markdown ?? step.media.svg;
      assert.ok(media && existsSync(join(__dirname, '../..', media)), `${step.id}: media ${media} exists`);
      assert.ok(step.completionEvents.length > 0, `${step.id} can complete`);
      for (const event of step.completionEvents) {
        const command = /^onCommand:(.+)$/.exec(event)?.[1];
        if (command) assert.ok(commands.has(command), `${step.id}: ${command} is one of ours`);
        else assert.match(event, /^onSettingChanged:sandboxes\./);
      }
      for (const [, command] of step.description.matchAll(/\(command:([\w.]+)/g)) {
        assert.ok(commands.has(command!) || command!.startsWith('workbench.') || command === 'extension.open', `${step.id}: link to ${command}`);
      }
    }
  });

  it('has a walkthrough for users of the published extension: no scripts/ path; the setup step runs Check Setup and opens the README at its setup section', () => {
    const [walkthrough] = manifest.contributes.walkthroughs;
    for (const step of walkthrough?.steps ?? []) {
      const media = readFileSync(join(__dirname, '../..', step.media.markdown ?? step.media.svg ?? ''), 'utf8');
      assert.doesNotMatch(`${step.description}\n${media}`, /scripts\//, `${step.id} names no path of the repository`);
    }
    const setup = walkthrough?.steps.find((step) => step.id === 'checkSetup');
    assert.match(setup?.description ?? '', /\(command:sandboxes\.checkSetup\)/);
    const readme = /\(command:extension\.open\?([^)]+)\)/.exec(setup?.description ?? '');
    assert.deepEqual(JSON.parse(decodeURIComponent(readme?.[1] ?? '""')), [`${manifest.publisher}.${manifest.name}`], "the README link opens this extension's page");
    const section = /Setting up a machine for the installed extension/;
    assert.match(setup?.description ?? '', section);
    assert.match(readFileSync(join(__dirname, '../../README.md'), 'utf8'), /^### Setting up a machine for the installed extension$/m);
  });
});

describe("package.nls.json: contribution strings, as VS Code's own extensions have them", () => {
  const raw = rawManifest();
  const nls = nlsStrings();

  it('holds every user-facing string of package.json: none is left plain (node scripts/nls.mjs moves them)', () => {
    const plain = contributionStrings(raw)
      .filter((s) => nlsKeyOf(s.value) === undefined)
      .map((s) => `${jsonPath(s.path)} is plain text (${JSON.stringify(s.value.slice(0, 40))}): run node scripts/nls.mjs`);
    assert.deepEqual(plain, []);
  });

  it('resolves every "%key%" of package.json, and every key it holds is used', () => {
    const used = new Set<string>();
    const missing: string[] = [];
    const visit = (value: unknown, path: (string | number)[]): void => {
      if (typeof value === 'string') {
        const key = nlsKeyOf(value);
        if (key === undefined) return;
        used.add(key);
        if (typeof nls[key] !== 'string' || nls[key] === '') missing.push(`${jsonPath(path)}: %${key}% is not in package.nls.json`);
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, [...path, i]));
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
      }
    };
    visit(raw, []);
    assert.deepEqual(missing, []);
    assert.deepEqual(
      Object.keys(nls).filter((key) => !used.has(key)),
      [],
      'keys of package.nls.json that package.json no longer uses',
    );
  });

  it('keeps "%key%" out of what VS Code never localizes: ids, commands, when clauses, settings keys', () => {
    const localized = new Set(contributionStrings(raw).map((s) => jsonPath(s.path)));
    const stray: string[] = [];
    const visit = (value: unknown, path: (string | number)[]): void => {
      if (typeof value === 'string') {
        if (nlsKeyOf(value) !== undefined && !localized.has(jsonPath(path))) stray.push(jsonPath(path));
      } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
    };
    visit(raw, []);
    assert.deepEqual(stray, []);
  });
});
