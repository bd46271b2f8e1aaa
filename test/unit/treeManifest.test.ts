/** The Sandboxes view's contributions in package.json agree with the code and with each other. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommandIds } from '../../src/vscode/commands/commandIds';
import { DockerStateContextKey, HasSandboxesContextKey } from '../../src/vscode/tree/dockerState';
import { ContextValues } from '../../src/vscode/tree/nodePresentation';
import { localizedManifest } from '../lib/manifest';

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
const manifest = localizedManifest() as {
  contributes: {
    commands: { command: string; icon?: string }[];
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string; when: string }[];
    menus: Record<string, MenuItem[]>;
  };
};
const { contributes } = manifest;
const VIEW_ID = 'sandboxes.views.sandboxes';
const contributed = new Set(contributes.commands.map((c) => c.command));
const treeMenus = contributes.menus['view/item/context'] ?? [];

describe('package.json: the Sandboxes view', () => {
  it('has an activity bar container "Sandboxes" with an icon from media/, holding the view', () => {
    const [container] = contributes.viewsContainers.activitybar;
    assert.deepEqual(container && { id: container.id, title: container.title }, { id: 'sandboxes', title: 'Sandboxes' });
    const svg = readFileSync(join(__dirname, '../..', container?.icon ?? ''), 'utf8');
    assert.match(svg, /^<svg[^>]+viewBox="0 0 24 24"/);
    assert.deepEqual(
      contributes.views.sandboxes?.map((v) => [v.id, v.name]),
      [[VIEW_ID, 'Sandboxes']],
    );
  });

  it('refers only to contributed commands, with an icon wherever one is shown inline or in the title', () => {
    for (const [menu, items] of Object.entries(contributes.menus)) {
      for (const item of items) {
        assert.ok(contributed.has(item.command), `${menu} refers to ${item.command}, which is not contributed`);
        if (item.group?.startsWith('inline') || (menu === 'view/title' && item.group?.startsWith('navigation'))) {
          assert.ok(contributes.commands.find((c) => c.command === item.command)?.icon, `${item.command} needs an icon in ${menu}`);
        }
      }
    }
  });

  it('hides the tree-only commands from the Command Palette', () => {
    const hidden = new Set((contributes.menus.commandPalette ?? []).filter((m) => m.when === 'never').map((m) => m.command));
    const treeOnly = Object.values(CommandIds).filter((id) => id.startsWith('sandboxes.tree.'));
    assert.ok(treeOnly.length >= 3);
    for (const id of treeOnly) assert.ok(hidden.has(id), `${id} is hidden from the palette`);
  });

  it('matches only contextValues the tree sets', () => {
    const known = new Set<string>(Object.values(ContextValues));
    for (const item of treeMenus) {
      assert.match(item.when ?? '', new RegExp(`^view == ${VIEW_ID.replace(/\./g, '\\.')} && viewItem =~ /`));
      const alternatives = /viewItem =~ \/\^\((.*)\)\$\//.exec(item.when ?? '')?.[1]?.split('|') ?? [];
      assert.ok(alternatives.length > 0, `${item.command}: ${item.when}`);
      for (const value of alternatives) assert.ok(known.has(value), `${item.command} matches "${value}", which no node has`);
    }
  });

  it('offers the sandbox actions on running sandboxes, Terminate on every sandbox, and the port actions on ports', () => {
    const on = (contextValue: string) => new Set(treeMenus.filter((m) => new RegExp(/\/(.*)\//.exec(m.when ?? '')?.[1] ?? '^$').test(contextValue)).map((m) => m.command));
    const running = on(ContextValues.runningSandbox);
    for (const id of [CommandIds.openTerminal, CommandIds.runCommand, CommandIds.toggleNetwork, CommandIds.forwardPort, CommandIds.terminateFromTree]) {
      assert.ok(running.has(id), `${id} on a running sandbox`);
    }
    assert.ok(running.has(CommandIds.showDetails), 'Show Sandbox Details on a running sandbox');
    // A stopped sandbox can be recreated (issue #14: sandboxes that die behind your back).
    assert.deepEqual([...on(ContextValues.stoppedSandbox)].sort(), [CommandIds.recreateSandbox, CommandIds.showDetails, CommandIds.terminateFromTree].sort());
    assert.ok(!running.has(CommandIds.recreateSandbox), 'a running sandbox has nothing to recreate');
    assert.deepEqual([...on(ContextValues.workspaceGroup)], [CommandIds.terminateWorkspaceSandboxes]);
    assert.deepEqual([...on(ContextValues.othersGroup)], [], "nothing acts on every other client's sandbox at once");
    assert.ok(!running.has(CommandIds.terminateSandbox), 'the tree terminates through the wrapper that asks first');
    assert.deepEqual([...on(ContextValues.forwardedPort)].sort(), [CommandIds.copyTunnelUrl, CommandIds.openInBrowser, CommandIds.stopForwarding].sort());
  });

  it('has title actions Create Sandbox, the form, Refresh and Check Setup; Create asks (the title passes the focused node); Terminate All in This Workspace in the overflow', () => {
    const title = (contributes.menus['view/title'] ?? []).filter((m) => m.when === `view == ${VIEW_ID}`).map((m) => m.command);
    assert.deepEqual(title, [CommandIds.createFromTree, CommandIds.refresh, CommandIds.checkSetup, CommandIds.openCreateForm, CommandIds.terminateWorkspaceSandboxes]);
  });

  it('has welcome content for no sandboxes, an unreachable Docker and a missing runtime, each with Check Setup', () => {
    const welcome = contributes.viewsWelcome.filter((w) => w.view === VIEW_ID);
    const when = welcome.map((w) => w.when);
    assert.deepEqual(when, [
      `${DockerStateContextKey} == ok && !${HasSandboxesContextKey}`,
      `${DockerStateContextKey} == unreachable`,
      `${DockerStateContextKey} == runtimeMissing && !${HasSandboxesContextKey}`,
    ]);
    for (const w of welcome) assert.match(w.contents, /\[Check Setup\]\(command:sandboxes\.checkSetup\)/);
    assert.match(welcome[0]?.contents ?? '', /\[Create Sandbox\]\(command:sandboxes\.createSandbox\)/);
    assert.match(welcome[0]?.contents ?? '', /\[Create Sandbox \(Form\)…\]\(command:sandboxes\.openCreateForm\)/);
  });
});
