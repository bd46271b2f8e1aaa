import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { networkState } from './fixtures';
import { renderedText } from './markup';
import type { SandboxInfo } from '../../src/core/types';
import { activeSandbox, statusPresentation } from '../../src/vscode/statusBar/statusText';

const now = Date.parse('2026-01-01T12:00:00Z');

function info(name: string, minutesAgo: number, overrides: Partial<SandboxInfo> = {}): SandboxInfo {
  return {
    id: `sb-${name}`,
    containerId: name,
    name,
    image: 'python:3.12-slim',
    runtime: 'runsc',
    state: 'running',
    exitCode: null,
    createdAt: new Date(now - minutesAgo * 60_000),
    expiresAt: null,
    tags: {},
    networkMode: 'open',
    ...overrides,
  };
}

const network = networkState;

describe('status bar: the active sandbox', () => {
  const running = [info('old', 60), info('web', 5), info('api', 30)];

  it('is the sandbox of the active terminal when that is a sandbox terminal', () => {
    assert.deepEqual(activeSandbox(running, 'api'), { info: running[2], reason: 'terminal' });
  });

  it('is otherwise the most recently created running sandbox', () => {
    assert.deepEqual(activeSandbox(running, undefined), { info: running[1], reason: 'newest' });
    assert.deepEqual(activeSandbox(running, 'bash'), { info: running[1], reason: 'newest' }, 'a terminal of no running sandbox');
  });

  it('does not exist when nothing runs', () => {
    assert.equal(activeSandbox([], 'api'), undefined);
  });
});

describe('status bar: the text', () => {
  it('is hidden when no sandbox runs', () => {
    assert.equal(statusPresentation(0, undefined), undefined);
  });

  it('counts running sandboxes and shows the network of the active one', () => {
    const web = info('web', 5);
    const shown = statusPresentation(2, { info: web, reason: 'terminal' }, network({ mode: 'blocked', blockNetwork: true, followsDefaults: true }));
    assert.ok(shown);
    assert.equal(shown.text, '$(vm-running) 2 · $(circle-slash) blocked');
    assert.match(shown.tooltip, /\*\*2 running sandboxes\*\*/);
    assert.match(shown.tooltip, /\*\*web\*\*, the sandbox of the active terminal: network /);
    assert.match(renderedText(shown.tooltip), /web, the sandbox of the active terminal: network blocked \(loopback only\), following the workspace settings\./);
    assert.equal(shown.accessibilityLabel, '2 running sandboxes; sandbox web has network blocked');
  });

  it('says the policy in force is being read until it is known', () => {
    const shown = statusPresentation(1, { info: info('api', 1, { networkMode: 'allowlist' }), reason: 'newest' });
    assert.ok(shown);
    assert.equal(shown.text, '$(vm-running) 1 · $(filter) allowlist');
    assert.match(shown.tooltip, /1 running sandbox\*\*/);
    assert.match(renderedText(shown.tooltip), /the newest running sandbox: network allowlist as created \(reading the current policy…\)/);
  });
});

describe('status bar: this workspace and the selection (issue #14)', () => {
  const mineInfo = info('mine', 30, { tags: { workspace: 'w' } });
  const newestOther = info('other', 1);
  const mine = (i: SandboxInfo) => i.tags.workspace === 'w';

  it('shows the policy of the sandbox selected in the tree, not the newest', () => {
    assert.deepEqual(activeSandbox([mineInfo, newestOther], undefined, { selected: ['sb-other'], mine }), { info: newestOther, reason: 'selected' });
  });

  it("otherwise this workspace's newest, never another client's", () => {
    assert.deepEqual(activeSandbox([mineInfo, newestOther], undefined, { mine }), { info: mineInfo, reason: 'newest' });
  });

  it("counts this workspace's sandboxes and says so", () => {
    const shown = statusPresentation(1, { info: mineInfo, reason: 'newest' }, undefined, 'workspace');
    assert.match(shown?.tooltip ?? '', /\*\*1 running sandbox in this workspace\*\*/);
    assert.equal(statusPresentation(0, undefined, undefined, 'workspace'), undefined);
  });
});
