// Issue #17, item 2: several Docker engines at once. The settings' parsing, the order a bare id is
// looked up in, the registry's routing, and the tree with two engines (pure parts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sandbox, SandboxClient } from '../../src/core';
import type { SandboxInfo } from '../../src/core/types';
import { contextsFrom, DEFAULT_ENGINE, engineEntriesFrom, engineKeyFromArg, lookupOrder, snapshotEngineOf, withEngine } from '../../src/vscode/engines/engineEntries';
import { EngineRegistry } from '../../src/vscode/engines/engineRegistry';
import { ContextValues, presentNode } from '../../src/vscode/tree/nodePresentation';
import { engineRoots, groupChildren, groupNodesOf, sandboxNodesOf, treeRoots, type EngineNode } from '../../src/vscode/tree/treeNodes';
import { NOW, sandboxInfo } from './fixtures';

const TAG = 'aaaaaaaaaaaa';

describe('sandboxes.docker.engines', () => {
  it('with nothing configured there is one engine, the default, named after where it is', () => {
    assert.deepEqual(engineEntriesFrom(undefined, undefined).engines, [{ key: DEFAULT_ENGINE, name: 'Local', host: undefined }]);
    assert.deepEqual(engineEntriesFrom('unix:///run/docker.sock', []).engines, [
      { key: DEFAULT_ENGINE, name: 'Default (unix:///run/docker.sock)', host: 'unix:///run/docker.sock' },
    ]);
  });

  it('takes endpoint strings and { name, host } objects, in order, after the default', () => {
    const { engines, problems } = engineEntriesFrom(undefined, ['ssh://me@box', { name: 'gpu', host: 'tcp://198.51.100.7:2376' }]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      engines.map((e) => [e.key, e.name, e.host]),
      [
        [DEFAULT_ENGINE, 'Local', undefined],
        ['ssh://me@box', 'ssh://me@box', 'ssh://me@box'],
        ['gpu', 'gpu', 'tcp://198.51.100.7:2376'],
      ],
    );
  });

  it('leaves out what is not an endpoint, a repeated endpoint and a taken name, each with a problem; the rest still count', () => {
    const { engines, problems } = engineEntriesFrom('ssh://me@box', [
      'not an endpoint',
      { name: 'x' },
      'ssh://me@box',
      { name: 'a', host: 'tcp://198.51.100.1:2376' },
      { name: 'A', host: 'tcp://198.51.100.2:2376' },
      { name: 'default', host: 'tcp://198.51.100.3:2376' },
    ]);
    assert.deepEqual(
      engines.map((e) => e.key),
      [DEFAULT_ENGINE, 'a'],
    );
    assert.equal(problems.length, 5);
    assert.match(problems[0]!, /\[0\].*not an endpoint/);
    assert.match(problems[2]!, /already listed/);
    assert.match(problems[3]!, /name "A" is already taken/);
    assert.deepEqual(engineEntriesFrom(undefined, 'ssh://me@box').problems.length, 1, 'not an array');
  });

  it('Add Docker Engine appends to the user value and reads docker context ls lines', () => {
    assert.deepEqual(withEngine(undefined, { name: 'b', host: 'ssh://b' }), [{ name: 'b', host: 'ssh://b' }]);
    assert.deepEqual(withEngine(['ssh://a'], { name: 'b', host: 'ssh://b' }), ['ssh://a', { name: 'b', host: 'ssh://b' }]);
    const out = [
      '{"Current":true,"Description":"Current DOCKER_HOST based configuration","DockerEndpoint":"unix:///var/run/docker.sock","Name":"default"}',
      'WARNING: something',
      '{"Current":false,"Description":"","DockerEndpoint":"ssh://me@box","Name":"box"}',
      '{"Name":"k8s-only","DockerEndpoint":""}',
    ].join('\n');
    assert.deepEqual(contextsFrom(out), [
      { name: 'default', host: 'unix:///var/run/docker.sock', description: 'Current DOCKER_HOST based configuration' },
      { name: 'box', host: 'ssh://me@box', description: '' },
    ]);
  });
});

describe('routing a sandbox to its engine', () => {
  const engines = engineEntriesFrom(undefined, [
    { name: 'b', host: 'ssh://b' },
    { name: 'c', host: 'ssh://c' },
  ]).engines;

  it('a bare id is looked up where it was listed, then on the default engine, then the others, each once', () => {
    assert.deepEqual(lookupOrder('c', engines), ['c', DEFAULT_ENGINE, 'b']);
    assert.deepEqual(lookupOrder(undefined, engines), [DEFAULT_ENGINE, 'b', 'c']);
    assert.deepEqual(lookupOrder('gone', engines), [DEFAULT_ENGINE, 'b', 'c']);
  });

  it("a snapshot row goes to its section's engine, else the engine that listed its sandbox; a bare ref to the default engine", () => {
    const engineOf = (id: string) => (id === 'sb-remote' ? 'box' : undefined);
    assert.equal(snapshotEngineOf({ kind: 'snapshot', ref: 'r', sandboxId: 'sb-x', parent: { engine: 'gpu' } }, engineOf), 'gpu');
    assert.equal(snapshotEngineOf({ kind: 'snapshot', ref: 'r', sandboxId: 'sb-remote' }, engineOf), 'box');
    assert.equal(snapshotEngineOf({ kind: 'snapshot', ref: 'r', sandboxId: 'sb-local' }, engineOf), DEFAULT_ENGINE);
    assert.equal(snapshotEngineOf('sandboxes-snapshot/x:1', engineOf), DEFAULT_ENGINE);
    assert.equal(snapshotEngineOf(undefined, engineOf), DEFAULT_ENGINE);
    assert.equal(snapshotEngineOf({ ref: 'r', engine: 'box' }, engineOf), 'box', "a script's { ref, engine }");
  });

  it('a tree node or { engine } names its engine; a string or a node without one does not', () => {
    assert.equal(engineKeyFromArg({ kind: 'sandbox', sandboxId: 'sb-1', engine: 'b' }), 'b');
    assert.equal(engineKeyFromArg({ sandboxId: 'sb-1' }), undefined);
    assert.equal(engineKeyFromArg('sb-1'), undefined);
  });

  /** Clients that know the sandboxes of their engine only, and count lookups. */
  function fakeRegistry(onEngine: Record<string, string[]>) {
    const asked: string[] = [];
    const disposed: string[] = [];
    const registry = new EngineRegistry(
      (entry) =>
        ({
          fromId: async (id: string) => {
            asked.push(`${entry.key}:${id}`);
            if (entry.key === 'c') throw Object.assign(new Error('Cannot reach Docker at ssh://c'), { code: 'DOCKER_UNREACHABLE' });
            if (!(onEngine[entry.key] ?? []).includes(id)) throw Object.assign(new Error(`No sandbox ${id} on ${entry.host ?? 'the default socket'}`), { code: 'NOT_FOUND' });
            return { id, engine: entry.key } as unknown as Sandbox;
          },
          dispose: () => disposed.push(entry.key),
        }) as unknown as SandboxClient,
    );
    registry.setEntries(engines);
    return { registry, asked, disposed };
  }

  it('fromId goes straight to the engine that listed the sandbox, and finds a sandbox not yet listed on another engine', async () => {
    const { registry, asked } = fakeRegistry({ [DEFAULT_ENGINE]: ['sb-local'], b: ['sb-remote', 'sb-new'] });
    registry.noteListed('b', ['sb-remote']);
    assert.equal(((await registry.fromId('sb-remote')) as unknown as { engine: string }).engine, 'b');
    assert.deepEqual(asked, ['b:sb-remote'], 'the default engine is not asked about a sandbox listed elsewhere');
    assert.equal(((await registry.fromId('sb-new')) as unknown as { engine: string }).engine, 'b');
    assert.equal(registry.engineOf('sb-new'), 'b', 'found once, routed directly afterwards');
    assert.equal(((await registry.fromId('sb-local')) as unknown as { engine: string }).engine, DEFAULT_ENGINE);
  });

  it("a named engine is the only one asked; a sandbox on no engine fails with the first engine's error", async () => {
    const { registry, asked } = fakeRegistry({ [DEFAULT_ENGINE]: ['sb-x'], b: [] });
    await assert.rejects(registry.fromId('sb-x', 'b'), /No sandbox sb-x on ssh:\/\/b/);
    assert.deepEqual(asked, ['b:sb-x']);
    await assert.rejects(
      registry.fromId('sb-nowhere'),
      /No sandbox sb-nowhere on the default socket/,
      "an unreachable engine is skipped, the default engine's NOT_FOUND is what the user sees",
    );
    assert.throws(() => registry.clientOf('nope'), /No Docker engine "nope"/);
  });

  it('only the clients of engines whose entry changed or went are dropped; routes to a removed engine are forgotten', () => {
    const { registry, disposed } = fakeRegistry({});
    for (const key of [DEFAULT_ENGINE, 'b', 'c']) registry.clientOf(key);
    registry.noteListed('c', ['sb-c']);
    const changed = registry.setEntries(engineEntriesFrom(undefined, [{ name: 'b', host: 'ssh://b2' }]).engines);
    assert.deepEqual(changed.sort(), ['b', 'c']);
    assert.deepEqual(disposed.sort(), ['b', 'c']);
    assert.equal(registry.engineOf('sb-c'), undefined);
  });
});

describe('the tree with two engines', () => {
  const local = sandboxInfo({ id: 'sb-local', name: 'here', tags: { workspace: TAG } });
  const remote = sandboxInfo({ id: 'sb-remote', name: 'there', tags: { workspace: TAG } });
  const remoteOther = sandboxInfo({ id: 'sb-script', name: 'script', state: 'exited' });
  const listing = (key: string, host: string | undefined, sandboxes: SandboxInfo[], more: { unreachable?: boolean; problem?: string; poolReady?: number } = {}) => ({
    engine: { key, name: key === DEFAULT_ENGINE ? 'Local' : key, host },
    sandboxes,
    problem: more.problem,
    unreachable: more.unreachable ?? false,
    poolReady: more.poolReady,
  });

  it('one node per engine at the top, each with the groups of its own sandboxes only', () => {
    const roots = engineRoots([listing(DEFAULT_ENGINE, undefined, [local]), listing('gpu', 'ssh://me@gpu', [remote, remoteOther], { poolReady: 1 })], { workspaceTag: TAG });
    assert.deepEqual(
      roots.map((r) => [r.kind, presentNode(r, NOW).label]),
      [
        ['engine', 'Local'],
        ['engine', 'gpu'],
      ],
    );
    const [first, second] = roots as [EngineNode, EngineNode];
    assert.deepEqual(
      groupChildren(first).map((g) => presentNode(g, NOW).label),
      ['This workspace'],
    );
    assert.deepEqual(
      sandboxNodesOf([first]).map((s) => s.info.name),
      ['here'],
    );
    assert.deepEqual(
      sandboxNodesOf([second]).map((s) => s.info.name),
      ['there', 'script'],
    );
    // Rows carry their engine, so a command given the node acts there; ids stay unique per engine.
    assert.deepEqual(
      sandboxNodesOf(roots).map((s) => s.engine),
      [DEFAULT_ENGINE, 'gpu', 'gpu'],
    );
    assert.deepEqual(
      groupNodesOf(roots).map((g) => presentNode(g, NOW).id),
      ['engine/default/group/workspace', 'engine/gpu/group/workspace', 'engine/gpu/group/others'],
    );
    assert.equal(sandboxNodesOf(roots)[1]?.parent?.parent, second, 'getParent leads from a row up to its engine (reveal)');
  });

  it('an engine row says where it is, what runs and its warm pool; pooled sandboxes are never rows', () => {
    const [first, second] = engineRoots([listing(DEFAULT_ENGINE, undefined, [local]), listing('gpu', 'ssh://me@gpu', [remote], { poolReady: 1 })], { workspaceTag: TAG });
    const gpu = presentNode(second!, NOW);
    assert.equal(gpu.description, 'ssh://me@gpu · 1 running · pool: 1 ready');
    assert.equal(gpu.contextValue, ContextValues.engine);
    assert.equal(gpu.collapsible, 'expanded');
    assert.equal(presentNode(first!, NOW).description, 'DOCKER_HOST or the default socket · 1 running');
  });

  it('an unreachable engine says why, with no children, and hides none of the others', () => {
    const roots = engineRoots(
      [
        listing(DEFAULT_ENGINE, undefined, [local]),
        listing('gpu', 'ssh://me@gpu', [], { unreachable: true, problem: 'Cannot reach Docker at ssh://me@gpu: connection refused' }),
      ],
      { workspaceTag: TAG },
    );
    const gpu = presentNode(roots[1]!, NOW);
    assert.equal(gpu.description, 'ssh://me@gpu · unreachable: Cannot reach Docker at ssh://me@gpu: connection refused');
    assert.equal(gpu.contextValue, ContextValues.unreachableEngine);
    assert.deepEqual(groupChildren(roots[1]!), []);
    assert.deepEqual(
      sandboxNodesOf(roots).map((s) => s.info.name),
      ['here'],
    );
  });

  it('with one engine the tree is exactly as before: groups at the top, no engine on rows or ids', () => {
    const roots = treeRoots([local], { workspaceTag: TAG });
    assert.deepEqual(
      roots.map((r) => presentNode(r, NOW).id),
      ['group/workspace'],
    );
    assert.equal(sandboxNodesOf(roots)[0]?.engine, undefined);
    assert.equal(Object.hasOwn(sandboxNodesOf(roots)[0]!, 'engine'), false);
  });
});
