import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { networkCheckItems, type NetworkCheckInput } from '../../src/vscode/report/networkCheck';
import { renderSetupReport } from '../../src/vscode/report/renderSetupReport';
import { renderMarkdown, renderedText } from './markup';

const input: NetworkCheckInput = {
  runtimes: [
    { name: 'runc', networking: 'kernel' },
    { name: 'runsc-netstack', networking: 'netstack' },
    { name: 'runsc', networking: 'kernel' },
  ],
  configuredRuntime: 'runsc',
  guardImage: { name: 'sandboxes/guard:2', present: true },
  settingsMode: 'blocked',
};

describe('network setup check', () => {
  it('has a line per runtime, the one in use first, and one for the guard image', () => {
    const items = networkCheckItems(input);
    assert.deepEqual(
      items.map((i) => i.name),
      ['Network policy: runsc (new sandboxes)', 'Network policy: runc', 'Network policy: runsc-netstack', 'Network guard image'],
    );
    assert.ok(items.every((i) => i.ok));
    assert.match(items[0]?.detail ?? '', /^Network policies are enforced: .* guard container/);
    assert.match(items[2]?.detail ?? '', /^Network policies are not enforced: .*netstack/);
  });

  it('fails when the runtime in use cannot give what the workspace settings ask for', () => {
    const items = networkCheckItems({ ...input, configuredRuntime: 'runsc-netstack' });
    const netstack = items.find((i) => i.name.startsWith('Network policy: runsc-netstack'));
    assert.equal(netstack?.ok, false);
    assert.match(netstack?.detail ?? '', /ask for blocked sandboxes, so creating one fails/);
    assert.match(netstack?.fix ?? '', /--network=host/);
    assert.ok(networkCheckItems({ ...input, configuredRuntime: 'runsc-netstack', settingsMode: 'open' }).every((i) => i.ok));
    const none = networkCheckItems({ ...input, runtimes: [{ name: 'runsc-none', networking: 'none' }], configuredRuntime: 'runsc-none', settingsMode: 'open' });
    assert.equal(none[0]?.ok, false);
    assert.match(none[0]?.detail ?? '', /^Loopback only/);
  });

  it('fails without the guard image, unless the runtime in use never needs one', () => {
    const missing = { ...input, guardImage: { name: 'sandboxes/guard:2', present: false } };
    const guard = networkCheckItems(missing).at(-1);
    assert.equal(guard?.ok, false);
    assert.match(guard?.detail ?? '', /"sandboxes\/guard:2" is not on this machine.*creating sandboxes fails/);
    assert.match(guard?.fix ?? '', /sandboxes\.network\.guardImage/);
    const noneOnly = { ...missing, runtimes: [{ name: 'runsc-none', networking: 'none' as const }], configuredRuntime: 'runsc-none' };
    assert.equal(networkCheckItems(noneOnly).at(-1)?.ok, true);
  });

  it('shows the workspace network settings in the report header', () => {
    const markdown = renderSetupReport(
      { ok: true, items: networkCheckItems(input) },
      { dockerHost: undefined, runtime: 'runsc', image: 'python:3.12-slim', network: 'allowlist: 10.0.0.0/8', checkedAt: new Date(0) },
    );
    assert.match(renderedText(markdown), /Network \(this workspace's settings\): allowlist: 10\.0\.0\.0\/8\n/);
    assert.match(renderMarkdown(markdown), /<h2>✅ Network policy: runsc \(new sandboxes\)<\/h2>/);
  });
});
