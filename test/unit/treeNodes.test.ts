import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, ago, networkState, sandboxInfo } from './fixtures';
import type { SandboxInfo, Tunnel } from '../../src/core/types';
import { SandboxError } from '../../src/core/errors';
import { dockerStateOf, isUnreachable } from '../../src/vscode/tree/dockerState';
import { ContextValues, presentNode } from '../../src/vscode/tree/nodePresentation';
import { sandboxNameOfTerminal, terminalsOfSandbox } from '../../src/vscode/tree/sandboxTerminals';
import { renderedText } from './markup';
import { groupChildren, rootNodes, sandboxChildren, type SandboxDetails, type SandboxNode, type TerminalLike, type TreeNode } from '../../src/vscode/tree/treeNodes';

const now = NOW;
const info = sandboxInfo;
const network = networkState;

function terminal(name: string): TerminalLike {
  return { name, show: () => undefined };
}

function details(overrides: Partial<SandboxDetails> = {}): SandboxDetails {
  return { network: network(), tunnels: [], terminals: [], activeTerminal: undefined, ...overrides };
}

/** label · description · contextValue of a node, the way the in-host snapshot reads them. */
function row(node: TreeNode): string {
  const p = presentNode(node, now);
  return [p.label, p.description, p.contextValue].join(' | ');
}

function sandboxNode(overrides: Partial<SandboxInfo> = {}): SandboxNode {
  const [node] = rootNodes([info(overrides)]);
  assert.ok(node);
  return node;
}

describe('Sandboxes tree: root', () => {
  it('lists running sandboxes first, then newest first', () => {
    const nodes = rootNodes([
      info({ id: 'sb-old', name: 'old', createdAt: ago(3600) }),
      info({ id: 'sb-ended', name: 'ended', state: 'exited', exitCode: 0, createdAt: ago(10) }),
      info({ id: 'sb-new', name: 'new', createdAt: ago(60) }),
    ]);
    assert.deepEqual(
      nodes.map((n) => n.info.name),
      ['new', 'old', 'ended'],
    );
  });

  it('shows a running gVisor sandbox with image, runtime and uptime, a green icon and runningSandbox', () => {
    const p = presentNode(sandboxNode(), now);
    assert.equal(p.label, 'scratch');
    assert.equal(p.description, 'python:3.12-slim · gVisor · up 5 minutes');
    assert.equal(p.contextValue, ContextValues.runningSandbox);
    assert.deepEqual(p.icon, { id: 'vm-running', color: 'testing.iconPassed' });
    assert.equal(p.collapsible, 'collapsed');
    assert.equal(p.id, 'sb-1');
  });

  it('says "just started" for a sandbox up less than a minute', () => {
    assert.match(presentNode(sandboxNode({ createdAt: ago(5) }), now).description, / · just started$/);
  });

  it('marks a sandbox that is not under gVisor, with a warning colour', () => {
    const p = presentNode(sandboxNode({ runtime: 'runc' }), now);
    assert.equal(p.description, 'python:3.12-slim · runc, not gVisor · up 5 minutes');
    assert.equal(p.icon.color, 'problemsWarningIcon.foreground');
    assert.match(p.tooltip, /not isolated by gVisor/);
  });

  it('shows an ended sandbox with its exit code, an outline icon, stoppedSandbox and no children', () => {
    const node = sandboxNode({ state: 'exited', exitCode: 137 });
    const p = presentNode(node, now);
    assert.equal(p.description, 'python:3.12-slim · gVisor · exited (137)');
    assert.equal(p.contextValue, ContextValues.stoppedSandbox);
    assert.equal(p.icon.id, 'vm-outline');
    assert.equal(p.collapsible, 'none');
    assert.deepEqual(sandboxChildren(node, details()), []);
  });

  it('shows a sandbox still being started as starting', () => {
    assert.match(presentNode(sandboxNode({ state: 'created' }), now).description, / · starting$/);
  });

  it('has a tooltip with id, image, runtime, state, created, expires and network', () => {
    const tooltip = presentNode(sandboxNode({ expiresAt: new Date(now.getTime() + 25 * 60_000) }), now).tooltip;
    for (const fact of ['**scratch**', 'Id: `sb-1`', 'Image: `python:3.12-slim`']) {
      assert.ok(tooltip.includes(fact), `tooltip has ${fact}:\n${tooltip}`);
    }
    // Values are escaped Markdown (untrustedText.ts): what the reader sees.
    for (const fact of ['Runtime: gVisor (runsc)', 'State: running', '(5 minutes ago)', '(in 25 minutes)', 'Network: reading the current policy…']) {
      assert.ok(renderedText(tooltip).includes(fact), `tooltip shows ${fact}:\n${tooltip}`);
    }
  });

  it('shows the policy in force in the tooltip once known', () => {
    const [node] = rootNodes([info()], () => network({ mode: 'blocked', blockNetwork: true, followsDefaults: true }));
    assert.ok(node);
    assert.match(renderedText(presentNode(node, now).tooltip), /Network: blocked \(loopback only\), following the workspace settings/);
  });
});

describe('Sandboxes tree: below a running sandbox', () => {
  it('has Network, Ports and Terminals, each naming its sandbox for the commands', () => {
    const children = sandboxChildren(sandboxNode(), details());
    assert.deepEqual(children.map(row), ['Network: open |  | networkPolicy', 'Ports | none forwarded | ports', 'Terminals | none open | terminals']);
    for (const child of children) assert.equal(child.sandboxId, 'sb-1');
  });

  it('says when the network follows the settings, and lists the allowlist', () => {
    const state = network({ mode: 'allowlist', cidrAllowlist: ['10.0.0.0/8', '192.0.2.7/32'], followsDefaults: true });
    const [net] = sandboxChildren(sandboxNode(), details({ network: state }));
    assert.ok(net && net.kind === 'network');
    assert.equal(row(net), 'Network: allowlist | follows settings | networkPolicy');
    assert.equal(presentNode(net, now).icon.id, 'filter');
    assert.equal(presentNode(net, now).collapsible, 'expanded');
    assert.deepEqual(groupChildren(net).map(row), ['10.0.0.0/8 |  | allowlistEntry', '192.0.2.7/32 |  | allowlistEntry']);
  });

  it('says when a policy cannot be enforced', () => {
    const [net] = sandboxChildren(sandboxNode(), details({ network: network({ enforced: false }) }));
    assert.ok(net);
    assert.equal(row(net), 'Network: open | not enforceable | networkPolicy');
  });

  it('shows a network that could not be read as unknown, with the reason in the tooltip', () => {
    const [net] = sandboxChildren(sandboxNode(), details({ network: new Error('guard gone') }));
    assert.ok(net);
    assert.equal(row(net), 'Network: unknown | could not be read | networkPolicy');
    assert.match(presentNode(net, now).tooltip, /guard gone/);
  });

  it("lists forwarded ports by port, with the URL of this window's tunnel, as ForwardedPortRefs", () => {
    const tunnel: Tunnel = { containerPort: 8000, kind: 'unencrypted', host: '127.0.0.1', port: 41000, url: 'http://127.0.0.1:41000' };
    const state = network({
      forwards: [
        { port: 8443, kind: 'encrypted' },
        { port: 8000, kind: 'unencrypted' },
      ],
    });
    const ports = sandboxChildren(sandboxNode(), details({ network: state, tunnels: [tunnel] }))[1];
    assert.ok(ports && ports.kind === 'ports');
    assert.equal(row(ports), 'Ports | 2 forwarded | ports');
    const children = groupChildren(ports);
    assert.deepEqual(children.map(row), ['8000 | http://127.0.0.1:41000 | forwardedPort', '8443 | no tunnel in this window | forwardedPort']);
    assert.deepEqual(
      children.map((c) => c.kind === 'forwardedPort' && { sandboxId: c.sandboxId, containerPort: c.containerPort }),
      [
        { sandboxId: 'sb-1', containerPort: 8000 },
        { sandboxId: 'sb-1', containerPort: 8443 },
      ],
    );
  });

  it("lists this window's terminals in the sandbox and marks the active one", () => {
    const first = terminal('scratch');
    const second = terminal('scratch');
    const terminals = sandboxChildren(sandboxNode(), details({ terminals: [first, second], activeTerminal: second }))[2];
    assert.ok(terminals && terminals.kind === 'terminals');
    assert.equal(row(terminals), 'Terminals | 2 open | terminals');
    assert.deepEqual(groupChildren(terminals).map(row), ['scratch |  | sandboxTerminal', 'scratch | active | sandboxTerminal']);
    assert.deepEqual(
      groupChildren(terminals).map((n) => presentNode(n, now).id),
      ['sb-1/terminals/0', 'sb-1/terminals/1'],
    );
  });

  it('gives every node a parent chain up to its sandbox (for reveal)', () => {
    const node = sandboxNode();
    const ports = sandboxChildren(node, details({ network: network({ forwards: [{ port: 80, kind: 'unencrypted' }] }) }))[1];
    assert.ok(ports);
    const [port] = groupChildren(ports as Exclude<TreeNode, SandboxNode>);
    assert.equal(port?.parent, ports);
    assert.equal(ports.parent, node);
    assert.equal(node.parent, undefined);
  });
});

describe('sandbox terminals', () => {
  const sandboxTerminal = (name: string) => ({ creationOptions: { name, pty: {} } });
  it('are the pseudoterminals named after a sandbox', () => {
    assert.equal(sandboxNameOfTerminal(sandboxTerminal('scratch')), 'scratch');
    assert.equal(sandboxNameOfTerminal({ creationOptions: { name: 'scratch', shellPath: '/bin/bash' } }), undefined, 'a shell named like a sandbox is not one');
    const all = [sandboxTerminal('scratch'), sandboxTerminal('other'), { creationOptions: {} }, sandboxTerminal('scratch')];
    assert.equal(terminalsOfSandbox(all, 'scratch').length, 2);
  });
  it('are found by the sandbox their pseudoterminal names, whatever the tab is called', () => {
    const run = { creationOptions: { name: 'main.py · scratch', pty: { sandboxName: 'scratch' } } };
    assert.equal(sandboxNameOfTerminal(run), 'scratch');
    assert.equal(terminalsOfSandbox([run, sandboxTerminal('other')], 'scratch').length, 1);
  });
});

describe('Docker state for the welcome content', () => {
  it('is runtimeMissing only when the runtimes are known and lack the configured one', () => {
    assert.equal(dockerStateOf(new Set(['runc', 'runsc']), 'runsc'), 'ok');
    assert.equal(dockerStateOf(new Set(['runc']), 'runsc'), 'runtimeMissing');
    assert.equal(dockerStateOf(undefined, 'runsc'), 'ok');
  });

  it("is unreachable for the engine's DOCKER_UNREACHABLE, not for other errors", () => {
    assert.equal(isUnreachable(new SandboxError('DOCKER_UNREACHABLE', 'no engine', 'start it')), true);
    assert.equal(isUnreachable(new SandboxError('NOT_FOUND', 'gone', 'refresh')), false);
    assert.equal(isUnreachable(new Error('boom')), false);
  });
});
